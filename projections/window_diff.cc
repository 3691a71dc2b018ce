#include "projections/window_diff.h"

#include <algorithm>
#include <cassert>

#include "projections/json_writer.h"

namespace okr {
namespace {

using nlohmann::json;

// Far enough ahead that every check-in's date counts.
const Date kEveryDate = Date::FromDays(2'000'000);

json OrNull(const std::optional<std::string>& v) {
  return v ? json(*v) : json();
}

json KeyResultFields(const StateView& s, const KeyResult& k) {
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

CycleSummary::Item SummarizeObjective(const StateView& s, const Objective& o) {
  CycleSummary::Item item;
  item.fields = json{{"title", o.title},
                     {"owner", o.owner},
                     {"level", o.level},
                     {"team", o.team.empty() ? json() : json(o.team)},
                     {"state", ToString(o.state)},
                     {"parent_id", OrNull(o.parent_id)},
                     {"progress", s.ViewObjective(o, kEveryDate).progress}};
  for (const std::string& kid : o.key_results) {
    if (const KeyResult* k = s.FindKeyResult(kid)) {
      item.key_results[kid] = KeyResultFields(s, *k);
    }
  }
  return item;
}

// Whether an event at a position in (from, to] made or changed the entity.
bool Touched(const Lineage& l, std::uint64_t from, std::uint64_t to) {
  if (l.created_position > from && l.created_position <= to) return true;
  const Revision* r = l.LastRevisionAt(to);
  return r != nullptr && r->position > from;
}

bool Touched(const KeyResult& k, std::uint64_t from, std::uint64_t to) {
  return Touched(k.lineage, from, to) ||
         std::any_of(k.check_ins.begin(), k.check_ins.end(),
                     [&](const CheckIn& c) {
                       return c.position > from && c.position <= to;
                     });
}

}  // namespace

std::pair<CycleSummary, CycleSummary> SummarizeWindow(
    const StateView& from, const StateView& to, const std::string& cycle_id) {
  assert(&from.state() == &to.state());                // REQUIRES
  assert(from.last_position() <= to.last_position());  // REQUIRES
  const OkrState& s = from.state();
  const std::uint64_t f = from.last_position(), t = to.last_position();
  std::pair<CycleSummary, CycleSummary> out;
  const Cycle* c = to.FindCycle(cycle_id);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    const Objective* o = s.FindObjective(id);
    if (o == nullptr) continue;
    bool touched = Touched(o->lineage, f, t);
    for (auto it = o->key_results.begin();
         !touched && it != o->key_results.end(); ++it) {
      const KeyResult* k = s.FindKeyResult(*it);
      touched = k != nullptr && Touched(*k, f, t);
    }
    if (!touched) continue;
    if (const Objective* was = from.FindObjective(id)) {
      out.first.objectives[id] = SummarizeObjective(from, *was);
    }
    out.second.objectives[id] = SummarizeObjective(to, *to.FindObjective(id));
  }
  return out;
}

CycleSummary Summarize(const StateView& s, const std::string& cycle_id) {
  CycleSummary out;
  const Cycle* c = s.FindCycle(cycle_id);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    if (const Objective* o = s.FindObjective(id)) {
      out.objectives[id] = SummarizeObjective(s, *o);
    }
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
