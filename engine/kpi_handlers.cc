// KPIs: define, measure.
#include <cmath>

#include "engine/handler_support.h"

namespace okr::handlers {
namespace {
using namespace events;
}  // namespace

Outcome<Decision> Handle(const Context& c, const DefineKpi& cmd) {
  if (Check e = CheckId("id", cmd.id)) return *e;
  if (Check e = CheckText("name", cmd.name, 1, 200)) return *e;
  if (Check e = CheckText("unit", cmd.unit, 0, 50)) return *e;
  if (Check e = CheckActor("owner", cmd.owner)) return *e;
  std::string owner = cmd.owner ? *cmd.owner : c.caller.actor;
  if (owner != c.caller.actor && !c.caller.admin()) {
    return DomainError::Forbidden(
        "only admins define KPIs for someone else (owner " + owner + ")");
  }
  std::string id;
  if (cmd.id) {
    id = *cmd.id;
    if (c.state.FindKpi(id) != nullptr) {
      return DomainError::Conflict("duplicate-id",
                                   "a KPI \"" + id + "\" already exists", "id");
    }
  } else {
    id = NewId("kpi", c.state.kpis().size() + 1,
               [&](const std::string& x) { return c.state.FindKpi(x); });
  }
  if (cmd.healthy_min && cmd.healthy_max &&
      *cmd.healthy_min > *cmd.healthy_max) {
    return DomainError::Rule("kpi-thresholds", "healthy_max",
                             "healthy_max must not be below healthy_min");
  }
  std::int64_t cadence = cmd.cadence_days.value_or(7);
  if (cadence < 1 || cadence > 366) {
    return DomainError::Rule(
        "kpi-cadence", "cadence_days",
        "cadence_days is from 1 to 366, not " + std::to_string(cadence));
  }
  KpiDefined ev{id,
                cmd.name,
                cmd.unit,
                owner,
                cmd.healthy_min,
                cmd.healthy_max,
                static_cast<std::int32_t>(cadence)};
  return Decision{{std::move(ev)}, "kpi/" + id, id};
}

Outcome<Decision> Handle(const Context& c, const RecordMeasurement& cmd) {
  if (!std::isfinite(cmd.value)) {
    return DomainError::Invalid("value", "value must be a finite number");
  }
  const Kpi* k = c.state.FindKpi(cmd.kpi_id);
  if (k == nullptr) {
    return DomainError::NotFound("kpi_id", "no KPI \"" + cmd.kpi_id + "\"");
  }
  if (Check e = MayWrite(c.caller, k->owner, "KPI " + k->id)) return *e;
  Date date = cmd.date.value_or(c.today);
  if (date > c.today) {
    return DomainError::Rule("measurement-date", "date",
                             "a measurement cannot be dated in the future (" +
                                 date.ToString() + ")");
  }
  Decision d{{KpiMeasured{k->id, cmd.value, date}}, "kpi/" + k->id, k->id};
  // Each key result linked to the KPI gets the measurement as a check-in
  // by "kpi:<id>", decided as a check-in is: one that takes none now (its
  // cycle or objective not active, the date outside its window) is left
  // out, and the measurement stands.
  const Caller feed{"kpi:" + k->id, Role::kAdmin};
  const Context fc{c.state, c.limits, feed, c.today};
  for (const KeyResult* kr : c.state.LinkedTo(k->id)) {
    RecordCheckIn in;
    in.kr_id = kr->id;
    in.value = cmd.value;
    in.date = date;
    in.source = "kpi";
    Outcome<Decision> got = Handle(fc, in);
    if (!got.ok()) continue;
    for (events::Event& e : got.value().events) {
      d.actors.resize(d.events.size());
      d.events.push_back(std::move(e));
      d.actors.push_back(feed.actor);
    }
  }
  return d;
}

}  // namespace okr::handlers
