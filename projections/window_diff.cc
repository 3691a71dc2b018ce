#include "projections/window_diff.h"

namespace okr {
namespace {

using nlohmann::json;

// Far enough ahead that every check-in's date counts.
const Date kEveryDate = Date::FromDays(2'000'000);

json OrNull(const std::optional<std::string>& v) {
  return v ? json(*v) : json();
}

json KeyResultFields(const OkrState& s, const KeyResult& k) {
  KeyResultView v = s.ViewKeyResult(k, kEveryDate);
  return json{{"title", k.title},   {"state", k.removed ? "removed" : "active"},
              {"target", k.target}, {"start", k.start},
              {"weight", k.weight}, {"progress", v.progress}};
}

// Field changes between two field objects (absent = null), in the order of
// `order`.
json Changes(const json& before, const json& after,
             const std::vector<std::string>& order) {
  json out = json::array();
  for (const std::string& f : order) {
    json b = before.is_object() && before.contains(f) ? before[f] : json();
    json a = after.is_object() && after.contains(f) ? after[f] : json();
    if (b != a) out.push_back(json{{"field", f}, {"before", b}, {"after", a}});
  }
  return out;
}

const std::vector<std::string> kObjectiveFields{
    "title", "owner", "level", "team", "state", "parent_id", "progress"};
const std::vector<std::string> kKeyResultFields{"title", "state",  "target",
                                                "start", "weight", "progress"};

}  // namespace

CycleSummary Summarize(const OkrState& s, const std::string& cycle_id) {
  CycleSummary out;
  const Cycle* c = s.FindCycle(cycle_id);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    const Objective* o = s.FindObjective(id);
    if (o == nullptr) continue;
    CycleSummary::Item item;
    item.fields = json{{"title", o->title},
                       {"owner", o->owner},
                       {"level", o->level},
                       {"team", o->team.empty() ? json() : json(o->team)},
                       {"state", o->state},
                       {"parent_id", OrNull(o->parent_id)},
                       {"progress", s.ViewObjective(*o, kEveryDate).progress}};
    for (const std::string& kid : o->key_results) {
      if (const KeyResult* k = s.FindKeyResult(kid)) {
        item.key_results[kid] = KeyResultFields(s, *k);
      }
    }
    out.objectives[id] = std::move(item);
  }
  return out;
}

json DiffSummaries(const CycleSummary& before, const CycleSummary& after) {
  json objectives = json::array();
  for (const auto& [id, now] : after.objectives) {
    auto was = before.objectives.find(id);
    const bool added = was == before.objectives.end();
    json fields = Changes(added ? json() : was->second.fields, now.fields,
                          kObjectiveFields);
    json krs = json::array();
    for (const auto& [kid, kr_now] : now.key_results) {
      const json* kr_was = nullptr;
      if (!added) {
        auto it = was->second.key_results.find(kid);
        if (it != was->second.key_results.end()) kr_was = &it->second;
      }
      json kr_fields =
          Changes(kr_was ? *kr_was : json(), kr_now, kKeyResultFields);
      if (kr_fields.empty()) continue;
      std::string change =
          kr_was == nullptr ? "added"
          : (*kr_was)["state"] != "removed" && kr_now["state"] == "removed"
              ? "removed"
              : "changed";
      krs.push_back(json{
          {"id", kid}, {"change", change}, {"fields", std::move(kr_fields)}});
    }
    if (!added && fields.empty() && krs.empty()) continue;
    objectives.push_back(json{{"id", id},
                              {"change", added ? "added" : "changed"},
                              {"fields", std::move(fields)},
                              {"key_results", std::move(krs)}});
  }
  return json{{"objectives", std::move(objectives)}};
}

}  // namespace okr
