// The key result routes of the route table (routes.cc): /v1/key-results
// and below (adding one is POST /v1/objectives/{id}/key-results).
#include <string>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"

namespace okr::http {
namespace {

using nlohmann::json;

// The key result after a command, as GET /v1/key-results/{id} shows it.
ApiCall::RenderBody KeyResultBody(const std::string& id) {
  return [id](const OkrState& st, const Decision&, Date today) {
    const KeyResult* k = st.FindKeyResult(id);
    return k ? KeyResultJson(st, *k, today) : json::object();
  };
}

}  // namespace

void GetKeyResult(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  c.ReadAt([&](const StateView& st, Date at) {
    const KeyResult* k = st.FindKeyResult(id);
    if (k == nullptr) {
      return c.Error(
          DomainError::NotFound("id", "no key result \"" + id + "\""));
    }
    json j = KeyResultJson(st, *k, at);
    j["series"] = KeyResultSeriesJson(*k, at);
    c.Json(200, j, k->version);
  });
}

void PatchKeyResult(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body(false);
  UpdateKeyResult cmd;
  cmd.kr_id = p["id"];
  cmd.title = b.String("title");
  cmd.target = b.Number("target");
  cmd.weight = b.Number("weight");
  cmd.reason = b.String("reason");
  if (b.Has("kpi_id")) cmd.kpi_id = b.String("kpi_id");
  if (!c.Finish(b)) return;
  c.Mutate(cmd, KeyResultBody(p["id"]), 200, nullptr);
}

void DeleteKeyResult(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body();
  RemoveKeyResult cmd;
  cmd.kr_id = p["id"];
  cmd.reason = b.String("reason");
  if (!c.Finish(b)) return;
  // The query's reason wins over the body's.
  if (const std::string* r = c.Query("reason")) cmd.reason = *r;
  c.Mutate(cmd, KeyResultBody(p["id"]), 200, nullptr);
}

void GetKeyResultHistory(ApiCall& c, const PathParams& p) {
  c.History(OkrEngine::HistoryOf::kKeyResult, p["id"]);
}

void PostKeyResultCheckIns(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  JsonBody b = c.Body(false);
  RecordCheckIn cmd;
  cmd.kr_id = id;
  cmd.value = b.RequireNumberOrBool("value");
  cmd.confidence = b.Integer("confidence");
  cmd.note = b.String("note");
  cmd.date = b.DateField("date");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date today) {
        const KeyResult* k = st.FindKeyResult(d.id);
        if (k == nullptr || d.events.empty()) return json::object();
        const auto& ev = std::get<events::CheckInRecorded>(d.events[0]);
        return CheckInJson(st, ev, *k, st.last_position(), today);
      },
      201, [id](const Decision&) { return "/v1/key-results/" + id; });
}

void PostKeyResultGrade(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body(false);
  GradeKeyResult cmd;
  cmd.kr_id = p["id"];
  cmd.score = b.RequireNumber("score");
  cmd.note = b.String("note");
  if (!c.Finish(b)) return;
  c.Mutate(cmd, KeyResultBody(p["id"]), 200, nullptr);
}

}  // namespace okr::http
