#include "projections/window_diff.h"

#include "projections/json_writer.h"

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
  return json{
      {"title", k.title},   {"state", ToString(KeyResultStateOf(k.removed))},
      {"target", k.target}, {"start", k.start},
      {"weight", k.weight}, {"progress", v.progress}};
}

const std::vector<std::string> kObjectiveFields{
    "title", "owner", "level", "team", "state", "parent_id", "progress"};
const std::string kRemoved(ToString(KeyResultState::kRemoved));
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
                       {"state", ToString(o->state)},
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

namespace {

void WriteScalar(JsonWriter& w, const json& v) {
  if (v.is_string()) {
    w.String(v.get_ref<const std::string&>());
  } else if (v.is_number_integer()) {
    w.Int(v.get<std::int64_t>());
  } else if (v.is_number()) {
    w.Number(v.get<double>());
  } else if (v.is_boolean()) {
    w.Bool(v.get<bool>());
  } else {
    w.Null();
  }
}

const json& FieldOf(const json& fields, const std::string& f) {
  static const json kNull;
  if (!fields.is_object()) return kNull;
  auto it = fields.find(f);
  return it == fields.end() ? kNull : *it;
}

// Writes the field changes between two field objects (absent = null), in
// the order of `order`, as an array; returns how many.
int WriteChanges(JsonWriter& w, const json& before, const json& after,
                 const std::vector<std::string>& order) {
  int n = 0;
  w.BeginArray();
  for (const std::string& f : order) {
    const json& b = FieldOf(before, f);
    const json& a = FieldOf(after, f);
    if (b == a) continue;
    ++n;
    w.BeginObject().Key("field").String(f).Key("before");
    WriteScalar(w, b);
    w.Key("after");
    WriteScalar(w, a);
    w.EndObject();
  }
  w.EndArray();
  return n;
}

bool AnyChange(const json& before, const json& after,
               const std::vector<std::string>& order) {
  for (const std::string& f : order) {
    if (FieldOf(before, f) != FieldOf(after, f)) return true;
  }
  return false;
}

// The "objectives" array of the diff. Written straight to text: a whole
// quarter of a large organisation is tens of MiB.
void WriteObjectives(JsonWriter& w, const CycleSummary& before,
                     const CycleSummary& after) {
  static const json kNone;
  w.BeginArray();
  for (const auto& [id, now] : after.objectives) {
    auto was = before.objectives.find(id);
    const bool added = was == before.objectives.end();
    const json& fields_was = added ? kNone : was->second.fields;
    auto kr_before = [&](const std::string& kid) -> const json* {
      if (added) return nullptr;
      auto it = was->second.key_results.find(kid);
      return it == was->second.key_results.end() ? nullptr : &it->second;
    };
    bool any = added || AnyChange(fields_was, now.fields, kObjectiveFields);
    for (auto it = now.key_results.begin(); !any && it != now.key_results.end();
         ++it) {
      const json* kr_was = kr_before(it->first);
      any =
          kr_was == nullptr || AnyChange(*kr_was, it->second, kKeyResultFields);
    }
    if (!any) continue;
    w.BeginObject()
        .Field("id", id)
        .Field("change", added ? "added" : "changed")
        .Key("fields");
    WriteChanges(w, fields_was, now.fields, kObjectiveFields);
    w.Key("key_results").BeginArray();
    for (const auto& [kid, kr_now] : now.key_results) {
      const json* kr_was = kr_before(kid);
      const json& was_fields = kr_was ? *kr_was : kNone;
      if (!AnyChange(was_fields, kr_now, kKeyResultFields)) continue;
      const char* change = kr_was == nullptr ? "added"
                           : FieldOf(*kr_was, "state") != kRemoved &&
                                   FieldOf(kr_now, "state") == kRemoved
                               ? "removed"
                               : "changed";
      w.BeginObject().Field("id", kid).Field("change", change).Key("fields");
      WriteChanges(w, was_fields, kr_now, kKeyResultFields);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

json DiffSummaries(const CycleSummary& before, const CycleSummary& after) {
  std::string text;
  JsonWriter w(&text);
  w.BeginObject().Key("objectives");
  WriteObjectives(w, before, after);
  w.EndObject();
  return json::parse(text);
}

std::string DiffJsonText(const CycleSummary& before, const CycleSummary& after,
                         const std::string& cycle_id, std::int64_t from_us,
                         std::int64_t to_us) {
  std::string text;
  JsonWriter w(&text);
  w.BeginObject()
      .Field("cycle_id", cycle_id)
      .Field("from", FormatInstant(from_us))
      .Field("to", FormatInstant(to_us))
      .Key("objectives");
  WriteObjectives(w, before, after);
  w.EndObject();
  return text;
}

}  // namespace okr
