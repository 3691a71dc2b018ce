#include "projections/retrospective.h"

#include <algorithm>
#include <map>

namespace okr {
namespace {

using nlohmann::json;

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

json BandJson(const std::optional<formulas::Band>& b) {
  return b ? json(formulas::BandName(*b)) : json();
}

bool Scored(const Objective& o) {
  return o.state == "active" || o.state == "achieved";
}

RetroKeyResult BuildKeyResult(const OkrState& state, const Cycle& c,
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
  r.check_ins = static_cast<int>(k.check_ins.size());
  // A closed cycle took no check-in after its close: every check-in counts,
  // as grading did. A provisional one is seen at `at`.
  Date seen_at = closed ? Date::FromDays(INT32_MAX) : at;
  KeyResultView view = state.ViewKeyResult(k, seen_at);
  r.current = view.current;
  r.attainment = view.attainment;

  std::vector<Date> dates;
  std::optional<int> confidence;
  for (const CheckIn& ci : k.check_ins) {
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

Retrospective BuildRetrospective(const OkrState& state,
                                 const std::string& cycle_id, Date at) {
  const Cycle& c = *state.FindCycle(cycle_id);
  Retrospective r;
  r.cycle_id = c.id;
  r.cycle_name = c.name;
  r.cycle_state = c.state;
  r.starts_on = c.starts_on;
  r.ends_on = c.ends_on;
  r.at = at;
  r.weeks = formulas::WeeksInCycle(c.starts_on, c.ends_on);
  r.closed = c.state == "closed";
  r.notes = c.notes;

  std::vector<std::string> ids = c.objectives;
  std::sort(ids.begin(), ids.end());
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
    sum.abandoned += o->state == "abandoned" ? 1 : 0;
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

json RetrospectiveJson(const Retrospective& r) {
  json objectives = json::array();
  for (const RetroObjective& o : r.objectives) {
    json krs = json::array();
    for (const RetroKeyResult& k : o.key_results) {
      json changes = json::array();
      for (const TargetChange& t : k.target_changes) {
        changes.push_back(
            {{"position", t.record.position},
             {"recorded_at", FormatInstant(t.record.recorded_at_us)},
             {"actor", t.record.actor},
             {"before", t.before},
             {"after", t.after},
             {"reason", OrNull(t.record.reason)}});
      }
      json trend = json::array(), series = json::array();
      for (const auto& [date, confidence] : k.confidence_trend) {
        trend.push_back(
            {{"date", date.ToString()}, {"confidence", confidence}});
      }
      for (const auto& [date, value] : k.value_series) {
        series.push_back({{"date", date.ToString()}, {"value", value}});
      }
      krs.push_back({{"id", k.id},
                     {"title", k.title},
                     {"kind", k.kind},
                     {"unit", k.unit},
                     {"state", k.removed ? "removed" : "active"},
                     {"weight", k.weight},
                     {"start", k.start},
                     {"current", k.current},
                     {"score", OrNull(k.score)},
                     {"band", BandJson(k.band)},
                     {"attainment", k.attainment},
                     {"original_target", k.original_target},
                     {"target", k.target},
                     {"target_changes", changes},
                     {"check_ins", k.check_ins},
                     {"weekly_coverage", k.weekly_coverage},
                     {"target_too_easy", k.target_too_easy},
                     {"manual", k.manual},
                     {"grade_note", OrNull(k.grade_note)},
                     {"confidence_trend", trend},
                     {"value_series", series}});
    }
    json alignments = json::array();
    for (const AlignmentChange& a : o.alignment_changes) {
      alignments.push_back(
          {{"position", a.record.position},
           {"recorded_at", FormatInstant(a.record.recorded_at_us)},
           {"actor", a.record.actor},
           {"before", OrNull(a.before)},
           {"after", OrNull(a.after)}});
    }
    objectives.push_back({{"id", o.id},
                          {"title", o.title},
                          {"owner", o.owner},
                          {"level", o.level},
                          {"team", o.team},
                          {"state", o.state},
                          {"parent_id", OrNull(o.parent_id)},
                          {"score", OrNull(o.score)},
                          {"band", BandJson(o.band)},
                          {"alignment_changes", o.alignment_changes.size()},
                          {"alignment_history", alignments},
                          {"key_results", krs}});
  }
  json participation = json::array();
  for (const RetroParticipant& p : r.participation) {
    participation.push_back({{"owner", p.owner},
                             {"objectives", p.objectives},
                             {"check_ins", p.check_ins},
                             {"weekly_coverage", p.weekly_coverage}});
  }
  json notes = json::array();
  for (const RetroNote& n : r.notes) {
    notes.push_back({{"position", n.record.position},
                     {"recorded_at", FormatInstant(n.record.recorded_at_us)},
                     {"actor", n.record.actor},
                     {"objective_id", OrNull(n.objective_id)},
                     {"text", n.text}});
  }
  const RetroSummary& s = r.summary;
  json histogram = json::array();
  for (int n : s.score_histogram) histogram.push_back(n);
  return json{
      {"cycle",
       {{"id", r.cycle_id},
        {"name", r.cycle_name},
        {"starts_on", r.starts_on.ToString()},
        {"ends_on", r.ends_on.ToString()},
        {"state", r.cycle_state}}},
      {"closed", r.closed},
      {"provisional", !r.closed},
      {"at", r.at.ToString()},
      {"weeks", r.weeks},
      {"summary",
       {{"average_score", OrNull(s.average_score)},
        {"bands", {{"green", s.green}, {"yellow", s.yellow}, {"red", s.red}}},
        {"target_too_easy", s.target_too_easy},
        {"check_ins", s.check_ins},
        {"target_changes", s.target_changes},
        {"alignment_changes", s.alignment_changes},
        {"removals", s.removals},
        {"abandoned", s.abandoned},
        {"objectives", s.objectives},
        {"scored_objectives", s.scored_objectives},
        {"key_results", s.key_results},
        {"score_histogram", histogram}}},
      {"objectives", objectives},
      {"participation", participation},
      {"notes", notes}};
}

}  // namespace okr
