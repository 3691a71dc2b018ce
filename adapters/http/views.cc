#include "adapters/http/views.h"

#include <functional>
#include <map>

#include "adapters/http/json_body.h"
#include "adapters/http/json_text.h"
#include "projections/formulas.h"

namespace okr::http {
namespace {

json OrNull(const std::string& s) { return s.empty() ? json() : json(s); }

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

}  // namespace

json CycleView(const StateView& s, const Cycle& c, Date today) {
  int objectives = 0;
  for (const std::string& id : c.objectives) {
    if (s.FindObjective(id) != nullptr) ++objectives;
  }
  return json{{"id", c.id},
              {"name", c.name},
              {"starts_on", c.starts_on.ToString()},
              {"ends_on", c.ends_on.ToString()},
              {"state", ToString(c.state)},
              {"expected", s.ExpectedAt(c, today)},
              {"objectives", objectives},
              {"version", c.version}};
}

json KeyResultJson(const StateView& s, const KeyResult& k, Date at) {
  KeyResultView v = s.ViewKeyResult(k, at);
  json grade;
  if (k.grade) {
    grade = json{{"score", k.grade->score},
                 {"manual", k.grade->manual},
                 {"note", OrNull(k.grade->note)}};
  }
  std::size_t check_ins = 0;
  for (const CheckIn& c : k.check_ins) check_ins += c.date <= at ? 1 : 0;
  return json{
      {"id", k.id},
      {"objective_id", k.objective_id},
      {"title", k.title},
      {"kind", k.kind},
      {"start", k.start},
      {"target", k.target},
      {"original_target", k.original_target},
      {"unit", k.unit},
      {"weight", k.weight},
      {"kpi_id", OrNull(k.kpi_id)},
      {"current", v.current},
      {"attainment", v.attainment},
      {"progress", v.progress},
      {"status", k.removed ? json() : json(formulas::StatusName(v.status))},
      {"confidence",
       v.confidence ? json(static_cast<int>(*v.confidence)) : json()},
      {"check_ins", check_ins},
      {"state", ToString(KeyResultStateOf(k.removed))},
      {"grade", grade},
      {"version", k.version}};
}

json ObjectiveJson(const StateView& s, const Objective& o, Date at) {
  ObjectiveView v = s.ViewObjective(o, at);
  json krs = json::array();
  for (const std::string& id : o.key_results) {
    if (const KeyResult* k = s.FindKeyResult(id)) {
      krs.push_back(KeyResultJson(s, *k, at));
    }
  }
  return json{{"id", o.id},
              {"cycle_id", o.cycle_id},
              {"title", o.title},
              {"description", o.description},
              {"level", o.level},
              {"owner", o.owner},
              {"team", OrNull(o.team)},
              {"parent_id", OrNull(o.parent_id)},
              {"state", ToString(o.state)},
              {"progress", v.progress},
              {"status", formulas::StatusName(v.status)},
              {"score", OrNull(o.score)},
              {"version", o.version},
              {"key_results", std::move(krs)}};
}

json TreeJson(const StateView& s, const Cycle& c, Date at) {
  // Children by parent, each list ordered by id (the map orders parents,
  // the cycle's objectives are sorted below).
  std::map<std::string, std::vector<const Objective*>> children;
  std::vector<const Objective*> roots;
  std::vector<const Objective*> all;
  for (const std::string& id : c.objectives) {
    if (const Objective* o = s.FindObjective(id)) all.push_back(o);
  }
  std::sort(all.begin(), all.end(), [](const Objective* a, const Objective* b) {
    return a->id < b->id;
  });
  for (const Objective* o : all) {
    if (o->parent_id && s.FindObjective(*o->parent_id) != nullptr) {
      children[*o->parent_id].push_back(o);
    } else {
      roots.push_back(o);
    }
  }
  std::function<json(const Objective*, int)> node = [&](const Objective* o,
                                                        int depth) {
    json j = ObjectiveJson(s, *o, at);
    json kids = json::array();
    if (depth < 64) {
      for (const Objective* k : children[o->id])
        kids.push_back(node(k, depth + 1));
    }
    j["children"] = std::move(kids);
    return j;
  };
  json objectives = json::array();
  for (const Objective* o : roots) objectives.push_back(node(o, 0));
  return json{{"cycle", CycleView(s, c, at)},
              {"at", at.ToString()},
              {"expected", s.ExpectedAt(c, at)},
              {"objectives", std::move(objectives)}};
}

json KpiJson(const Kpi& k) {
  const Measurement* m = k.latest();
  json latest;
  std::string health = "unknown";
  if (m != nullptr) {
    latest = json{{"value", m->value}, {"date", m->date.ToString()}};
    health = formulas::KpiHealthy(m->value, k.healthy_min, k.healthy_max)
                 ? "healthy"
                 : "unhealthy";
  }
  return json{{"id", k.id},
              {"name", k.name},
              {"unit", k.unit},
              {"owner", k.owner},
              {"healthy_min", OrNull(k.healthy_min)},
              {"healthy_max", OrNull(k.healthy_max)},
              {"cadence_days", k.cadence_days},
              {"latest", latest},
              {"health", health},
              {"version", k.version}};
}

json KeyResultSeriesJson(const KeyResult& k, Date at) {
  json out = json::array();  // check_ins are in (date, position) order
  for (const CheckIn& c : k.check_ins) {
    if (c.date > at) continue;
    out.push_back(
        json{{"date", c.date.ToString()},
             {"value", c.value},
             {"confidence",
              c.confidence ? json(static_cast<int>(*c.confidence)) : json()},
             {"position", c.position}});
  }
  return out;
}

json KpiSeriesJson(const Kpi& k) {
  json out = json::array();
  for (const Measurement& m : k.measurements) {
    out.push_back(json{{"date", m.date.ToString()},
                       {"value", m.value},
                       {"position", m.position}});
  }
  return out;
}

json CheckInJson(const StateView& s, const events::CheckInRecorded& c,
                 const KeyResult& k, std::uint64_t position, Date at) {
  return json{{"kr_id", c.kr_id},
              {"position", position},
              {"value", c.value},
              {"confidence", OrNull(c.confidence)},
              {"note", OrNull(c.note)},
              {"date", c.date.ToString()},
              {"key_result", KeyResultJson(s, k, at)}};
}

json ReminderJson(const DueReminder& r, const IssuedReminder* issued) {
  json deliveries = json::array();
  if (issued != nullptr) {
    for (const auto& [url, o] : issued->outcomes) {
      deliveries.push_back({{"webhook", url},
                            {"delivered", o.delivered},
                            {"attempts", o.attempts},
                            {"error", o.delivered ? json() : json(o.error)}});
    }
  }
  return json{{"kind", r.kind},
              {"subject", r.subject},
              {"recipient", r.recipient},
              {"key", r.key},
              {"issued", issued != nullptr},
              {"message", issued != nullptr ? issued->message : r.message},
              {"id", issued != nullptr ? json(issued->id) : json()},
              {"deliveries", deliveries}};
}

}  // namespace okr::http
