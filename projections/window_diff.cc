#include "projections/window_diff.h"

#include <algorithm>
#include <cassert>

#include "projections/json_writer.h"

namespace okr {
namespace {

using nlohmann::json;

json OrNull(const std::optional<std::string>& v) {
  return v ? json(*v) : json();
}

// The key result's progress at `k` counting every check-in known then.
double ProgressOf(const KeyResultScalars& k) {
  const double current = k.latest ? k.latest->value : k.live->start;
  return formulas::Progress(
      formulas::Attainment(k.live->start, k.target, current));
}

CycleSummary::KeyResultFields KeyResultFields(const KeyResultScalars& k) {
  return {json(*k.title), json(ToString(KeyResultStateOf(k.removed))),
          json(k.target), json(k.live->start),
          json(k.weight), json(ProgressOf(k))};
}

const std::array<const char*, 7> kObjectiveFields{
    "title", "owner", "level", "team", "state", "parent_id", "progress"};
const std::string kRemoved(ToString(KeyResultState::kRemoved));
const std::array<const char*, 6> kKeyResultFields{
    "title", "state", "target", "start", "weight", "progress"};
constexpr std::size_t kKeyResultState = 1;  // kKeyResultFields[1]

// Objective `o` as of the view, whose key results, live, are `krs` (those
// of the state, in the order of the live objective's list). Both are read
// as scalars, not rebuilt; the objective's progress is ViewObjective's for
// a date past every check-in (weighted over the key results not removed),
// computed from them.
CycleSummary::Item SummarizeObjective(
    const StateView& s, const ObjectiveScalars& o,
    const std::vector<const KeyResult*>& krs) {
  CycleSummary::Item item;
  std::vector<std::pair<double, double>> weighted;
  for (const KeyResult* live : krs) {
    std::optional<KeyResultScalars> k = s.ScalarsOf(*live);
    if (!k) continue;
    item.key_results.emplace(live->id, KeyResultFields(*k));
    if (!k->removed) weighted.emplace_back(k->weight, ProgressOf(*k));
  }
  item.fields = {json(*o.title),
                 json(*o.owner),
                 json(o.live->level),
                 o.team->empty() ? json() : json(*o.team),
                 json(ToString(o.state)),
                 OrNull(*o.parent_id),
                 json(formulas::WeightedProgress(weighted))};
  return item;
}

// The key results of the state that the objective's list names.
std::vector<const KeyResult*> LiveKeyResults(const OkrState& s,
                                             const Objective& o) {
  std::vector<const KeyResult*> out;
  out.reserve(o.key_results.size());
  for (const std::string& kid : o.key_results) {
    if (const KeyResult* k = s.FindKeyResult(kid)) out.push_back(k);
  }
  return out;
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
    // Each key result is looked up once, for the test and both summaries.
    std::vector<const KeyResult*> krs = LiveKeyResults(s, *o);
    bool touched = Touched(o->lineage, f, t);
    for (auto it = krs.begin(); !touched && it != krs.end(); ++it) {
      touched = Touched(**it, f, t);
    }
    if (!touched) continue;
    if (auto was = from.ScalarsOf(*o)) {
      out.first.objectives[id] = SummarizeObjective(from, *was, krs);
    }
    if (auto now = to.ScalarsOf(*o)) {
      out.second.objectives[id] = SummarizeObjective(to, *now, krs);
    }
  }
  return out;
}

CycleSummary Summarize(const StateView& s, const std::string& cycle_id) {
  CycleSummary out;
  const Cycle* c = s.FindCycle(cycle_id);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    const Objective* live = s.state().FindObjective(id);
    if (live == nullptr) continue;
    if (auto o = s.ScalarsOf(*live)) {
      out.objectives[id] =
          SummarizeObjective(s, *o, LiveKeyResults(s.state(), *live));
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

// Writes the field changes between two summaries of one kind (all null =
// absent), in the order of `names`, as an array; returns how many.
template <std::size_t N>
int WriteChanges(JsonWriter& w, const std::array<json, N>& before,
                 const std::array<json, N>& after,
                 const std::array<const char*, N>& names) {
  int n = 0;
  w.BeginArray();
  for (std::size_t i = 0; i < N; ++i) {
    if (before[i] == after[i]) continue;
    ++n;
    w.BeginObject().Key("field").String(names[i]).Key("before");
    WriteScalar(w, before[i]);
    w.Key("after");
    WriteScalar(w, after[i]);
    w.EndObject();
  }
  w.EndArray();
  return n;
}

// The "objectives" array of the diff. Written straight to text: a whole
// quarter of a large organisation is tens of MiB.
void WriteObjectives(JsonWriter& w, const CycleSummary& before,
                     const CycleSummary& after) {
  static const CycleSummary::ObjectiveFields kNoObjective;
  static const CycleSummary::KeyResultFields kNoKeyResult;
  using KrFields = CycleSummary::KeyResultFields;
  w.BeginArray();
  for (const auto& [id, now] : after.objectives) {
    auto was = before.objectives.find(id);
    const bool added = was == before.objectives.end();
    const CycleSummary::ObjectiveFields& fields_was =
        added ? kNoObjective : was->second.fields;
    auto kr_before = [&](const std::string& kid) -> const KrFields* {
      if (added) return nullptr;
      auto it = was->second.key_results.find(kid);
      return it == was->second.key_results.end() ? nullptr : &it->second;
    };
    bool any = added || fields_was != now.fields;
    for (auto it = now.key_results.begin(); !any && it != now.key_results.end();
         ++it) {
      const KrFields* kr_was = kr_before(it->first);
      any = kr_was == nullptr || *kr_was != it->second;
    }
    if (!any) continue;
    w.BeginObject()
        .Field("id", id)
        .Field("change", added ? "added" : "changed")
        .Key("fields");
    WriteChanges(w, fields_was, now.fields, kObjectiveFields);
    w.Key("key_results").BeginArray();
    for (const auto& [kid, kr_now] : now.key_results) {
      const KrFields* kr_was = kr_before(kid);
      const KrFields& was_fields = kr_was ? *kr_was : kNoKeyResult;
      if (was_fields == kr_now) continue;
      const char* change = kr_was == nullptr ? "added"
                           : (*kr_was)[kKeyResultState] != kRemoved &&
                                   kr_now[kKeyResultState] == kRemoved
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
                         std::int64_t to_us, const ReportAnchor& anchor) {
  std::string text;
  // Reserved from the summaries' sizes (a changed key result takes some
  // hundreds of bytes): tens of MiB written without copying them as the
  // text grows. Pages reserved and not written are never touched.
  std::size_t key_results = 0;
  for (const auto& [id, item] : after.objectives) {
    key_results += item.key_results.size();
  }
  text.reserve(1024 + 512 * after.objectives.size() + 640 * key_results);
  JsonWriter w(&text);
  w.BeginObject()
      .Field("cycle_id", cycle_id)
      .Field("from", FormatInstant(from_us))
      .Field("to", FormatInstant(to_us));
  WriteAnchor(w, anchor);
  w.Key("objectives");
  WriteObjectives(w, before, after);
  w.EndObject();
  return text;
}

}  // namespace okr
