// WindowDiff: what changed in a cycle between two states of the log
// (GET /v1/cycles/{id}/changes): every objective and key result added, removed
// or changed, with the net before/after of title, owner, level, team, state,
// parent_id, target, start, weight and progress. A field that changed and
// changed back is not listed; an objective whose own fields did not change
// but some key result's did is listed as changed with its key results.
//
// Thread safety: pure functions. Summarize() needs the state kept still.
//
// Progress here counts every check-in known at the instant, whatever its
// business date.
#ifndef OKR_PROJECTIONS_WINDOW_DIFF_H_
#define OKR_PROJECTIONS_WINDOW_DIFF_H_

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "projections/okr_state.h"
#include "projections/report_anchor.h"
#include "projections/state_view.h"

namespace okr {

// The fields the diff compares, per objective of a cycle and per key result:
// JSON scalars in a fixed order (window_diff.cc names them), no map per
// item.
struct CycleSummary {
  // title, owner, level, team, state, parent_id, progress
  using ObjectiveFields = std::array<nlohmann::json, 7>;
  // title, state, target, start, weight, progress
  using KeyResultFields = std::array<nlohmann::json, 6>;
  struct Item {
    ObjectiveFields fields;
    std::map<std::string, KeyResultFields> key_results;  // by id
  };
  std::map<std::string, Item> objectives;  // by id
};

CycleSummary Summarize(const StateView& state, const std::string& cycle_id);

// The summaries of the cycle as of `from` and as of `to` (two views of one
// state), holding only the objectives that an event between the two
// positions touched -- its own, one of its key results', a check-in's --
// since the others compare equal: the diff costs what the window holds,
// not what the cycle holds. DiffJsonText() of the pair equals that of
// the two whole summaries.
// REQUIRES: &from.state() == &to.state(),
// from.last_position() <= to.last_position().
std::pair<CycleSummary, CycleSummary> SummarizeWindow(
    const StateView& from, const StateView& to, const std::string& cycle_id);

// {"objectives": [{"id", "change", "fields": [{field, before, after}],
// "key_results": [{"id", "change", "fields"}]}]}, ordered by id.
nlohmann::json DiffSummaries(const CycleSummary& before,
                             const CycleSummary& after);
// The API's answer as text: {"cycle_id", "from", "to", "objectives"}.
// With "position" and "checkpoint" of `anchor` (projections/report_anchor.h)
// after "to".
std::string DiffJsonText(const CycleSummary& before, const CycleSummary& after,
                         const std::string& cycle_id, std::int64_t from_us,
                         std::int64_t to_us, const ReportAnchor& anchor = {});

}  // namespace okr

#endif  // OKR_PROJECTIONS_WINDOW_DIFF_H_
