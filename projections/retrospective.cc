#include "projections/retrospective.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>

#include "projections/json_writer.h"

namespace okr {
namespace {

using nlohmann::json;

bool Scored(const Objective& o) { return IsGradable(o.state); }

RetroKeyResult BuildKeyResult(const StateView& state, const Cycle& c,
                              const Objective& o, const KeyResult& k,
                              bool closed, Date at) {
  RetroKeyResult r;
  r.id = k.id;
  r.title = k.title;
  r.kind = k.kind;
  r.unit = k.unit;
  r.removed = k.removed;
  r.start = k.start;
  r.original_target = k.original_target;
  r.target = k.target;
  r.weight = k.weight;
  r.target_changes = k.target_changes;
  // A closed cycle took no check-in after its close: every check-in counts,
  // as grading did. A provisional one is seen at `at`: check-ins dated
  // after it count nowhere (score, counts, coverage, series).
  const Date seen_at = closed ? Date::FromDays(2'000'000) : at;  // ~7445 AD
  KeyResultView view = state.ViewKeyResult(k, seen_at);
  r.current = view.current;
  r.attainment = view.attainment;

  std::vector<Date> dates;
  std::optional<int> confidence;
  for (const CheckIn& ci : k.check_ins) {
    if (ci.date > seen_at) break;  // sorted by (date, position)
    ++r.check_ins;
    dates.push_back(ci.date);
    if (ci.confidence) confidence = *ci.confidence;
    if (confidence) r.confidence_trend.emplace_back(ci.date, *confidence);
    r.value_series.emplace_back(ci.date, ci.value);
  }
  r.weekly_coverage = formulas::WeeklyCoverage(dates, c.starts_on, c.ends_on);

  if (k.removed || !Scored(o)) return r;
  if (k.grade && (k.grade->manual || closed)) {
    r.score = k.grade->score;
    r.manual = k.grade->manual;
    r.grade_note = k.grade->note;
  } else {
    r.score = view.progress;
  }
  r.band = formulas::ScoreBand(*r.score);
  r.target_too_easy = formulas::TargetTooEasy(r.attainment);
  return r;
}

}  // namespace

std::vector<std::string> SubtreeIds(const StateView& state, const Cycle& cycle,
                                    const std::string& root) {
  std::map<std::string, std::vector<std::string>> children;
  for (const std::string& id : cycle.objectives) {
    const Objective* o = state.FindObjective(id);
    if (o != nullptr && o->parent_id) children[*o->parent_id].push_back(id);
  }
  std::vector<std::string> out;
  std::set<std::string> seen;  // alignment has no loops; a guard all the same
  std::vector<std::string> todo{root};
  while (!todo.empty()) {
    std::string id = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    out.push_back(id);
    for (const std::string& kid : children[id]) todo.push_back(kid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Retrospective BuildRetrospective(const StateView& state,
                                 const std::string& cycle_id, Date at,
                                 const std::optional<std::string>& scope) {
  assert(state.FindCycle(cycle_id) != nullptr);  // REQUIRES
  const Cycle& c = *state.FindCycle(cycle_id);
  Retrospective r;
  r.cycle_id = c.id;
  r.cycle_name = c.name;
  r.cycle_state = c.state;
  r.starts_on = c.starts_on;
  r.ends_on = c.ends_on;
  r.at = at;
  r.weeks = formulas::WeeksInCycle(c.starts_on, c.ends_on);
  r.anchor.position = state.last_position();
  r.closed = c.state == CycleState::kClosed;
  r.scope = scope;
  std::vector<std::string> ids = c.objectives;
  std::sort(ids.begin(), ids.end());
  if (scope) {
    ids = SubtreeIds(state, c, *scope);
    for (const RetroNote& n : c.notes) {
      if (n.objective_id &&
          std::binary_search(ids.begin(), ids.end(), *n.objective_id)) {
        r.notes.push_back(n);
      }
    }
  } else {
    r.notes = c.notes;
  }
  struct Owner {
    int objectives = 0, check_ins = 0;
    std::vector<Date> dates;
  };
  std::map<std::string, Owner> owners;
  RetroSummary& sum = r.summary;
  double score_total = 0;
  for (const std::string& id : ids) {
    const Objective* o = state.FindObjective(id);
    if (o == nullptr) continue;
    RetroObjective ro;
    ro.id = o->id;
    ro.title = o->title;
    ro.owner = o->owner;
    ro.level = o->level;
    ro.team = o->team;
    ro.state = o->state;
    ro.parent_id = o->parent_id;
    ro.alignment_changes = o->alignment_changes;
    Owner& owner = owners[o->owner];
    ++owner.objectives;
    std::vector<std::pair<double, double>> weighted;
    for (const std::string& kid : o->key_results) {
      const KeyResult* k = state.FindKeyResult(kid);
      if (k == nullptr) continue;
      RetroKeyResult rk = BuildKeyResult(state, c, *o, *k, r.closed, at);
      if (rk.score) weighted.emplace_back(k->weight, *rk.score);
      sum.key_results += 1;
      sum.target_too_easy += rk.target_too_easy ? 1 : 0;
      sum.check_ins += rk.check_ins;
      sum.target_changes += static_cast<int>(rk.target_changes.size());
      sum.removals += rk.removed ? 1 : 0;
      owner.check_ins += rk.check_ins;
      for (const auto& [date, value] : rk.value_series) {
        owner.dates.push_back(date);
      }
      ro.key_results.push_back(std::move(rk));
    }
    if (Scored(*o)) {
      // Final: the grade given at close (null without key results).
      // Provisional: the weighted mean of the key results' scores now.
      if (r.closed) {
        ro.score = o->score;
      } else if (!weighted.empty()) {
        ro.score = formulas::WeightedProgress(weighted);
      }
    }
    if (ro.score) {
      ro.band = formulas::ScoreBand(*ro.score);
      ++sum.scored_objectives;
      score_total += *ro.score;
      switch (*ro.band) {
        case formulas::Band::kGreen:
          ++sum.green;
          break;
        case formulas::Band::kYellow:
          ++sum.yellow;
          break;
        case formulas::Band::kRed:
          ++sum.red;
          break;
      }
      int tenth = static_cast<int>(*ro.score * 10 + formulas::kEpsilon);
      ++sum.score_histogram[std::clamp(tenth, 0, 9)];
    }
    sum.objectives += 1;
    sum.alignment_changes += static_cast<int>(ro.alignment_changes.size());
    sum.abandoned += o->state == ObjectiveState::kAbandoned ? 1 : 0;
    r.objectives.push_back(std::move(ro));
  }
  if (sum.scored_objectives > 0) {
    sum.average_score = score_total / sum.scored_objectives;
  }
  for (auto& [name, owner] : owners) {
    r.participation.push_back(
        {name, owner.objectives, owner.check_ins,
         formulas::WeeklyCoverage(owner.dates, c.starts_on, c.ends_on)});
  }
  return r;
}

std::string RetrospectiveJsonText(const Retrospective& r) {
  std::string out;
  out.reserve(4096 + r.summary.check_ins * 64 + r.summary.key_results * 600);
  JsonWriter w(&out);
  auto band = [&](const std::optional<formulas::Band>& b) -> JsonWriter& {
    return b ? w.String(formulas::BandName(*b)) : w.Null();
  };
  auto record = [&](const ChangeRecord& c) {
    w.Field("position", c.position)
        .Field("recorded_at", FormatInstant(c.recorded_at_us))
        .Field("actor", c.actor);
  };
  const RetroSummary& s = r.summary;
  w.BeginObject();
  w.Key("cycle").BeginObject();
  w.Field("id", r.cycle_id)
      .Field("name", r.cycle_name)
      .Field("starts_on", r.starts_on.ToString())
      .Field("ends_on", r.ends_on.ToString())
      .Field("state", ToString(r.cycle_state));
  w.EndObject();
  if (r.scope) {
    w.Field("objective", *r.scope);
  } else {
    w.Key("objective").Null();
  }
  w.Field("closed", r.closed)
      .Field("provisional", !r.closed)
      .Field("at", r.at.ToString())
      .Field("weeks", r.weeks);
  w.Key("summary").BeginObject();
  w.Field("average_score", s.average_score);
  w.Key("bands").BeginObject();
  w.Field("green", s.green).Field("yellow", s.yellow).Field("red", s.red);
  w.EndObject();
  w.Field("target_too_easy", s.target_too_easy)
      .Field("check_ins", s.check_ins)
      .Field("target_changes", s.target_changes)
      .Field("alignment_changes", s.alignment_changes)
      .Field("removals", s.removals)
      .Field("abandoned", s.abandoned)
      .Field("objectives", s.objectives)
      .Field("scored_objectives", s.scored_objectives)
      .Field("key_results", s.key_results);
  w.Key("score_histogram").BeginArray();
  for (int n : s.score_histogram) w.Int(n);
  w.EndArray();
  w.EndObject();

  w.Key("objectives").BeginArray();
  for (const RetroObjective& o : r.objectives) {
    w.BeginObject();
    w.Field("id", o.id)
        .Field("title", o.title)
        .Field("owner", o.owner)
        .Field("level", o.level)
        .Field("team", o.team)
        .Field("state", ToString(o.state))
        .Field("parent_id", o.parent_id)
        .Field("score", o.score);
    w.Key("band");
    band(o.band);
    w.Field("alignment_changes",
            static_cast<std::int64_t>(o.alignment_changes.size()));
    w.Key("alignment_history").BeginArray();
    for (const AlignmentChange& a : o.alignment_changes) {
      w.BeginObject();
      record(a.record);
      w.Field("before", a.before).Field("after", a.after);
      w.EndObject();
    }
    w.EndArray();
    w.Key("key_results").BeginArray();
    for (const RetroKeyResult& k : o.key_results) {
      w.BeginObject();
      w.Field("id", k.id)
          .Field("title", k.title)
          .Field("kind", k.kind)
          .Field("unit", k.unit)
          .Field("state", ToString(KeyResultStateOf(k.removed)))
          .Field("weight", k.weight)
          .Field("start", k.start)
          .Field("current", k.current)
          .Field("score", k.score);
      w.Key("band");
      band(k.band);
      w.Field("attainment", k.attainment)
          .Field("original_target", k.original_target)
          .Field("target", k.target);
      w.Key("target_changes").BeginArray();
      for (const TargetChange& t : k.target_changes) {
        w.BeginObject();
        record(t.record);
        w.Field("before", t.before)
            .Field("after", t.after)
            .Field("reason", t.record.reason);
        w.EndObject();
      }
      w.EndArray();
      w.Field("check_ins", k.check_ins)
          .Field("weekly_coverage", k.weekly_coverage)
          .Field("target_too_easy", k.target_too_easy)
          .Field("manual", k.manual)
          .Field("grade_note", k.grade_note);
      w.Key("confidence_trend").BeginArray();
      for (const auto& [date, confidence] : k.confidence_trend) {
        w.BeginObject();
        w.Field("date", date.ToString()).Field("confidence", confidence);
        w.EndObject();
      }
      w.EndArray();
      w.Key("value_series").BeginArray();
      for (const auto& [date, value] : k.value_series) {
        w.BeginObject();
        w.Field("date", date.ToString()).Field("value", value);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();

  w.Key("participation").BeginArray();
  for (const RetroParticipant& p : r.participation) {
    w.BeginObject();
    w.Field("owner", p.owner)
        .Field("objectives", p.objectives)
        .Field("check_ins", p.check_ins)
        .Field("weekly_coverage", p.weekly_coverage);
    w.EndObject();
  }
  w.EndArray();
  w.Key("notes").BeginArray();
  for (const RetroNote& n : r.notes) {
    w.BeginObject();
    record(n.record);
    w.Field("objective_id", n.objective_id).Field("text", n.text);
    w.EndObject();
  }
  w.EndArray();
  WriteAnchor(w, r.anchor);
  w.EndObject();
  return out;
}

json RetrospectiveJson(const Retrospective& r) {
  return json::parse(RetrospectiveJsonText(r));
}

}  // namespace okr
