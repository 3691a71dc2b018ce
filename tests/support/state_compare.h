// ViewMismatch: whether a view of the state as of a position shows exactly
// what the fold of the log up to that position holds.
//
// Thread safety: a pure function of what it is given (kept still).
#ifndef OKR_TESTS_SUPPORT_STATE_COMPARE_H_
#define OKR_TESTS_SUPPORT_STATE_COMPARE_H_

#include <string>

#include "projections/okr_state.h"
#include "projections/state_view.h"

namespace okr::testing {

namespace internal {

template <class Map, class Find>
std::string FirstMismatch(const char* kind, const Map& live, const Map& prefix,
                          Find view_find) {
  for (const auto& [id, x] : live) {
    const auto* a = view_find(id);
    auto it = prefix.find(id);
    const auto* b = it == prefix.end() ? nullptr : &it->second;
    if ((a == nullptr) != (b == nullptr)) {
      return std::string(kind) + " " + id +
             (a == nullptr ? ": missing from the view"
                           : ": in the view, not in the prefix");
    }
    if (a != nullptr && !(*a == *b)) {
      return std::string(kind) + " " + id + ": differs";
    }
  }
  for (const auto& [id, x] : prefix) {
    if (live.find(id) == live.end()) {
      return std::string(kind) + " " + id + ": in the prefix, not live";
    }
  }
  return "";
}

}  // namespace internal

// "" if `view` (of `live`) shows every cycle, objective, key result and KPI
// of `prefix` field for field (versions, lists and lineage included) and
// nothing else; else the first entity that differs, and how.
inline std::string ViewMismatch(const StateView& view, const OkrState& live,
                                const OkrState& prefix) {
  if (view.last_position() != prefix.last_position()) {
    return "position " + std::to_string(view.last_position()) + " against " +
           std::to_string(prefix.last_position());
  }
  std::string m = internal::FirstMismatch(
      "cycle", live.cycles(), prefix.cycles(),
      [&](const std::string& id) { return view.FindCycle(id); });
  if (m.empty()) {
    m = internal::FirstMismatch(
        "objective", live.objectives(), prefix.objectives(),
        [&](const std::string& id) { return view.FindObjective(id); });
  }
  if (m.empty()) {
    m = internal::FirstMismatch(
        "key result", live.key_results(), prefix.key_results(),
        [&](const std::string& id) { return view.FindKeyResult(id); });
  }
  if (m.empty()) {
    m = internal::FirstMismatch(
        "kpi", live.kpis(), prefix.kpis(),
        [&](const std::string& id) { return view.FindKpi(id); });
  }
  return m;
}

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_STATE_COMPARE_H_
