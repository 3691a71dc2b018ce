// StateView: the state that queries read, either as it is now (live) or as
// of a position of the log: what a fold of the log up to that position
// gives, read through a position filter over the current state.
//
// Thread safety: a StateView is used by one thread at a time; the state it
// reads must be kept still while it is alive (OkrEngine::Read holds the
// read lock). Several views may read one state at once.
//
// How the past is read (docs/time-travel.md). The full state keeps, per
// cycle, objective, key result and KPI, its creation position and its
// revisions (projections/okr_state.h, Lineage): the field each later event
// overwrote and the value before. The entity as of position P is the
// current one with the revisions after P undone, its version taken from
// the last revision at or before P (plus the check-ins or measurements
// after it, which move a stream's version too), and its positional lists
// cut at P: check-ins, measurements, target and alignment changes, notes,
// a cycle's objectives and an objective's key results. An entity created
// after P does not exist in the view. An entity that nothing changed after
// P is the live one, not a copy; the others are rebuilt once per view, on
// first use (memoized), so a query costs what it reads, whatever the size
// of the log or the distance to P. No snapshot is loaded and nothing is
// replayed.
//
// Lifetimes: pointers a view returns stay valid while both the view and
// the state are alive and the state is not changed.
#ifndef OKR_PROJECTIONS_STATE_VIEW_H_
#define OKR_PROJECTIONS_STATE_VIEW_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "projections/okr_state.h"

namespace okr {

// What a key result's scalars were at a view's position, read without
// rebuilding it (StateView::ScalarsOf): the fields its revisions change,
// and its latest check-in by (date, position) among those known then.
struct KeyResultScalars {
  const KeyResult* live = nullptr;
  const std::string* title = nullptr;
  bool removed = false;
  double target = 0, weight = 1;
  const CheckIn* latest = nullptr;  // nullptr: none known then
};

// The same for an objective: the fields its revisions change.
struct ObjectiveScalars {
  const Objective* live = nullptr;
  const std::string* title = nullptr;
  const std::string* owner = nullptr;
  const std::string* team = nullptr;
  const std::optional<std::string>* parent_id = nullptr;
  ObjectiveState state = ObjectiveState::kDraft;
};

class StateView {
 public:
  // The state as it is. Implicit: every function of the views takes a
  // StateView and may be handed the state itself.
  StateView(const OkrState& state)  // NOLINT(google-explicit-constructor)
      : state_(&state), position_(state.last_position()), live_(true) {}
  // The state as of `position` (the events at positions <= it).
  // REQUIRES: position <= state.last_position(); below the last position,
  // state.history() == History::kFull (the compact state keeps no
  // revisions).
  StateView(const OkrState& state, std::uint64_t position);

  StateView(const StateView&) = delete;
  StateView& operator=(const StateView&) = delete;

  // The entity as of the view's position; nullptr if there was none then.
  const Cycle* FindCycle(const std::string& id) const;
  const Objective* FindObjective(const std::string& id) const;
  const KeyResult* FindKeyResult(const std::string& id) const;
  const Kpi* FindKpi(const std::string& id) const;

  // Every cycle (KPI), ordered by id.
  std::vector<const Cycle*> Cycles() const;
  std::vector<const Kpi*> Kpis() const;
  // The objectives of cycle `cycle_id` (nullptr: of every cycle), ordered
  // by id.
  std::vector<const Objective*> Objectives(const std::string* cycle_id) const;

  // The key result evaluated for business date `at`: only check-ins dated
  // on or before `at` count; before any, current = start.
  KeyResultView ViewKeyResult(const KeyResult& kr, Date at) const;
  // Weighted progress and worst status over the key results not removed.
  ObjectiveView ViewObjective(const Objective& o, Date at) const;
  // The scalars of `live`, a key result (objective) of the state, as of
  // the view's position, in the time of one pass over its revisions and
  // check-ins after the position: no copy (the window diff reads
  // thousands this way). nullopt if it did not exist then. Equal to the
  // fields of FindKeyResult(id) (FindObjective(id)) and its last check-in.
  std::optional<KeyResultScalars> ScalarsOf(const KeyResult& live) const;
  std::optional<ObjectiveScalars> ScalarsOf(const Objective& live) const;
  // Expected progress of the cycle at `at`.
  double ExpectedAt(const Cycle& c, Date at) const;
  // Ids of the objectives of `cycle` whose parent is `parent` (nullopt:
  // roots), ordered by id.
  std::vector<std::string> Children(
      const std::string& cycle, const std::optional<std::string>& parent) const;

  // The position the view shows: the state's last position when live.
  std::uint64_t last_position() const { return position_; }
  bool live() const { return live_; }
  // The state read, for what has no past (reminders, digests).
  const OkrState& state() const { return *state_; }

 private:
  template <class T>
  using Memo = std::unordered_map<const T*, std::unique_ptr<const T>>;

  const Cycle* AsOf(const Cycle* live) const;
  const Objective* AsOf(const Objective* live) const;
  const KeyResult* AsOf(const KeyResult* live) const;
  const Kpi* AsOf(const Kpi* live) const;
  bool Exists(const Lineage& l) const {
    return l.created_position <= position_;
  }

  // Constant after construction.
  const OkrState* state_;
  std::uint64_t position_;
  bool live_;

  // The entities rebuilt as of position_, by the live entity they come
  // from; allocated on first use, so that a live view (every call of the
  // state's own View* methods) costs nothing to make.
  struct Memos {
    Memo<Cycle> cycles;
    Memo<Objective> objectives;
    Memo<KeyResult> key_results;
    Memo<Kpi> kpis;
  };
  Memos& memos() const {
    if (!memos_) memos_ = std::make_unique<Memos>();
    return *memos_;
  }
  mutable std::unique_ptr<Memos> memos_;
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_STATE_VIEW_H_
