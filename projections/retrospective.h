// Retrospective: a cycle replayed from its history (GET
// /v1/cycles/{id}/retrospective, docs/domain-rules.md) -- per key result its
// score, band, attainment, original and final target, every target move with
// actor and reason, its check-ins, weekly coverage, confidence trend and value
// series; per objective its score, band and alignment changes; per owner
// participation; a summary; the notes.
//
// Thread safety: pure functions; BuildRetrospective() needs the state kept
// still while it runs.
//
// Determinism: the result depends only on the state (a fold of the log) and
// the business date `at`.
//
// Final or provisional. For a closed cycle the scores are the grades given
// at close (or by hand) and attainment counts every check-in (none can come
// after the close). For a cycle not yet closed the retrospective is
// provisional: a key result scores its hand grade if it has one, else its
// progress at `at`, and an objective the weighted mean of those.
//
// Who is scored: key results of `active` and `achieved` objectives that are
// not removed. Draft and abandoned objectives, their key results and removed
// key results are listed with score, band and target_too_easy null/false.
//
// Counting: a key result's check_ins are all its check-ins (of a provisional
// retrospective: those dated on or before `at`); the summary and
// participation add up exactly the key results listed (removed ones and
// those of draft or abandoned objectives included), so the per-owner counts
// sum to the summary's. Participation is by the objective's current owner.
#ifndef OKR_PROJECTIONS_RETROSPECTIVE_H_
#define OKR_PROJECTIONS_RETROSPECTIVE_H_

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/date.h"
#include "projections/formulas.h"
#include "projections/okr_state.h"
#include "projections/report_anchor.h"
#include "projections/state_view.h"

namespace okr {

struct RetroKeyResult {
  std::string id, title, kind, unit;
  bool removed = false;
  double start = 0, original_target = 0, target = 0, weight = 1;
  double current = 0, attainment = 0;
  std::optional<double> score;
  std::optional<formulas::Band> band;
  bool manual = false;  // scored by a hand grade
  std::optional<std::string> grade_note;
  bool target_too_easy = false;
  std::vector<TargetChange> target_changes;
  int check_ins = 0;
  double weekly_coverage = 0;
  std::vector<std::pair<Date, int>>
      confidence_trend;                               // effective, per check-in
  std::vector<std::pair<Date, double>> value_series;  // by (date, position)
};

struct RetroObjective {
  std::string id, title, owner, level, team;
  ObjectiveState state = ObjectiveState::kDraft;
  std::optional<std::string> parent_id;
  std::optional<double> score;
  std::optional<formulas::Band> band;
  std::vector<AlignmentChange> alignment_changes;
  std::vector<RetroKeyResult> key_results;  // in the order they were added
};

struct RetroParticipant {
  std::string owner;
  int objectives = 0;
  int check_ins = 0;
  double weekly_coverage = 0;  // weeks with a check-in on any of theirs
};

struct RetroSummary {
  std::optional<double> average_score;  // unweighted, scored objectives
  int green = 0, yellow = 0, red = 0;   // over scored objectives
  int objectives = 0, scored_objectives = 0, key_results = 0;
  int target_too_easy = 0;
  int check_ins = 0, target_changes = 0, alignment_changes = 0;
  int removals = 0;   // removed key results
  int abandoned = 0;  // abandoned objectives
  // Scored objectives per tenth of the score: [0,0.1) ... [0.9,1.0].
  std::array<int, 10> score_histogram{};
};

struct Retrospective {
  std::string cycle_id, cycle_name;
  CycleState cycle_state = CycleState::kPlanning;
  Date starts_on, ends_on, at;
  int weeks = 0;
  bool closed = false;
  // The objective whose subtree the report covers; nullopt: the cycle.
  std::optional<std::string> scope;
  RetroSummary summary;
  std::vector<RetroObjective> objectives;       // by id
  std::vector<RetroParticipant> participation;  // by owner
  std::vector<RetroNote> notes;                 // oldest first
  // The position computed at (BuildRetrospective) and the signed checkpoint
  // at or before it (the caller's: it reads the log).
  ReportAnchor anchor;
};

// REQUIRES: state.FindCycle(cycle_id) != nullptr.
//
// With `scope`, the report covers that objective and its descendants only
// (as aligned now): the summary, the participation and the notes are of
// those objectives, and notes about no objective are left out, so a
// department or team gets a page of its own size. REQUIRES: `scope` is an
// objective of the cycle.
Retrospective BuildRetrospective(
    const StateView& state, const std::string& cycle_id, Date at,
    const std::optional<std::string>& scope = std::nullopt);

// The ids of objective `root` of cycle `cycle` and of every objective
// aligned under it, directly or not, sorted.
std::vector<std::string> SubtreeIds(const StateView& state, const Cycle& cycle,
                                    const std::string& root);

// The JSON of docs/openapi.yaml (RetrospectiveJson): cycle is an object;
// provisional, at, weeks; removals and abandoned in the summary; per key result
// its title, state, current, confidence_trend and value_series; per objective
// its state and alignment_history. Written straight to text (JsonWriter): a
// quarter of a large organisation is a hundred MiB of JSON, too much to build
// as a DOM first.
std::string RetrospectiveJsonText(const Retrospective& r);
// The same, parsed (for tests and small cycles).
nlohmann::json RetrospectiveJson(const Retrospective& r);

}  // namespace okr

#endif  // OKR_PROJECTIONS_RETROSPECTIVE_H_
