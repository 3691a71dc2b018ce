// The KPI routes of the route table (routes.cc): /v1/kpis and below.
#include <string>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"

namespace okr::http {

using nlohmann::json;

void GetKpis(ApiCall& c, const PathParams&) {
  const std::string* owner = c.Query("owner");
  c.ReadAt([&](const StateView& st, Date) {
    json list = json::array();
    for (const Kpi* k : st.Kpis()) {
      if (owner && k->owner != *owner) continue;
      list.push_back(KpiJson(*k));
    }
    c.Json(200, json{{"kpis", list}});
  });
}

void PostKpis(ApiCall& c, const PathParams&) {
  JsonBody b = c.Body(false);
  DefineKpi cmd;
  cmd.id = b.String("id");
  cmd.name = b.RequireString("name");
  cmd.unit = b.RequireString("unit");
  cmd.owner = b.String("owner");
  cmd.healthy_min = b.Number("healthy_min");
  cmd.healthy_max = b.Number("healthy_max");
  cmd.cadence_days = b.Integer("cadence_days");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date) {
        const Kpi* k = st.FindKpi(d.id);
        return k ? KpiJson(*k) : json::object();
      },
      201, [](const Decision& d) { return "/v1/kpis/" + d.id; });
}

void GetKpi(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  c.ReadAt([&](const StateView& st, Date) {
    const Kpi* k = st.FindKpi(id);
    if (k == nullptr) {
      return c.Error(DomainError::NotFound("id", "no KPI \"" + id + "\""));
    }
    json j = KpiJson(*k);
    j["measurements"] = KpiSeriesJson(*k);
    c.Json(200, j, k->version);
  });
}

void PostKpiMeasurements(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  JsonBody b = c.Body(false);
  RecordMeasurement cmd;
  cmd.kpi_id = id;
  cmd.value = b.RequireNumber("value");
  cmd.date = b.DateField("date");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date) {
        const Kpi* k = st.FindKpi(d.id);
        json j = k ? KpiJson(*k) : json::object();
        if (!d.events.empty()) {
          const auto& ev = std::get<events::KpiMeasured>(d.events[0]);
          j = json{{"kpi_id", ev.kpi_id},
                   {"value", ev.value},
                   {"date", ev.date.ToString()},
                   {"position", st.last_position()},
                   {"kpi", j}};
        }
        return j;
      },
      201, [id](const Decision&) { return "/v1/kpis/" + id; });
}

}  // namespace okr::http
