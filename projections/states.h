// The states of a cycle and of an objective, and the one place their names
// are written: ToString() for every answer and document, Parse*() for every
// text that names one (a query filter, a snapshot). Nothing else compares a
// state's name as a string.
//
// An objective's state machine: draft -> active -> achieved, and draft or
// active -> abandoned (engine/objective_handlers.cc decides the moves;
// ObjectiveStateAfter() says where each event leaves it). A cycle:
// planning -> active -> closed.
//
// Thread safety: pure functions on constant data.
#ifndef OKR_PROJECTIONS_STATES_H_
#define OKR_PROJECTIONS_STATES_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "events/catalogue.h"

namespace okr {

enum class CycleState : std::uint8_t { kPlanning, kActive, kClosed };
// A key result is active until removed (KeyResult::removed).
enum class KeyResultState : std::uint8_t { kActive, kRemoved };
enum class ObjectiveState : std::uint8_t {
  kDraft,
  kActive,
  kAchieved,
  kAbandoned
};

// "planning", "active", "closed".
std::string_view ToString(CycleState s);
// "draft", "active", "achieved", "abandoned".
std::string_view ToString(ObjectiveState s);
// "active", "removed".
std::string_view ToString(KeyResultState s);
inline KeyResultState KeyResultStateOf(bool removed) {
  return removed ? KeyResultState::kRemoved : KeyResultState::kActive;
}

// The state a name names; nullopt for any other text (case-sensitive).
std::optional<CycleState> ParseCycleState(std::string_view name);
std::optional<ObjectiveState> ParseObjectiveState(std::string_view name);

// Draft or active: counted against the per-owner limit, and reminded of.
inline bool IsOpen(ObjectiveState s) {
  return s == ObjectiveState::kDraft || s == ObjectiveState::kActive;
}
// Active or achieved: graded at close, and counted in a retrospective.
inline bool IsGradable(ObjectiveState s) {
  return s == ObjectiveState::kActive || s == ObjectiveState::kAchieved;
}

// The state an objective is in after event `e` about it: kDraft after its
// creation, the new state after a transition, nullopt for an event that
// does not move its state. The fold (okr_state.cc) and the audit history
// read the state machine from here.
std::optional<ObjectiveState> ObjectiveStateAfter(const events::Event& e);

// A state as its name in a snapshot (cereal), read back by Parse*():
// snapshots stay readable whatever the enum's numbering. A name that is no
// state fails the load (the snapshot is then ignored).
template <class State>
struct StateName {
  State& state;

  template <class A>
  void save(A& ar) const {
    ar(std::string(ToString(state)));
  }
  template <class A>
  void load(A& ar) {
    std::string name;
    ar(name);
    std::optional<State> s;
    if constexpr (std::is_same_v<State, CycleState>) {
      s = ParseCycleState(name);
    } else {
      s = ParseObjectiveState(name);
    }
    if (!s) throw std::runtime_error("unknown state \"" + name + "\"");
    state = *s;
  }
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_STATES_H_
