#include "projections/states.h"

#include <array>
#include <utility>

namespace okr {
namespace {

constexpr std::array<std::pair<CycleState, std::string_view>, 3> kCycle{{
    {CycleState::kPlanning, "planning"},
    {CycleState::kActive, "active"},
    {CycleState::kClosed, "closed"},
}};

constexpr std::array<std::pair<ObjectiveState, std::string_view>, 4> kObjective{
    {
        {ObjectiveState::kDraft, "draft"},
        {ObjectiveState::kActive, "active"},
        {ObjectiveState::kAchieved, "achieved"},
        {ObjectiveState::kAbandoned, "abandoned"},
    }};

constexpr std::array<std::pair<KeyResultState, std::string_view>, 2> kKeyResult{
    {
        {KeyResultState::kActive, "active"},
        {KeyResultState::kRemoved, "removed"},
    }};

template <class Table, class State>
std::string_view NameIn(const Table& table, State s) {
  for (const auto& [state, name] : table) {
    if (state == s) return name;
  }
  return "unknown";
}

template <class Table>
auto StateIn(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
  for (const auto& [state, n] : table) {
    if (n == name) return state;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(CycleState s) { return NameIn(kCycle, s); }
std::string_view ToString(ObjectiveState s) { return NameIn(kObjective, s); }
std::string_view ToString(KeyResultState s) { return NameIn(kKeyResult, s); }

std::optional<CycleState> ParseCycleState(std::string_view name) {
  return StateIn(kCycle, name);
}
std::optional<ObjectiveState> ParseObjectiveState(std::string_view name) {
  return StateIn(kObjective, name);
}

std::optional<ObjectiveState> ObjectiveStateAfter(const events::Event& e) {
  if (std::holds_alternative<events::ObjectiveCreated>(e)) {
    return ObjectiveState::kDraft;
  }
  if (std::holds_alternative<events::ObjectiveActivated>(e)) {
    return ObjectiveState::kActive;
  }
  if (std::holds_alternative<events::ObjectiveAchieved>(e)) {
    return ObjectiveState::kAchieved;
  }
  if (std::holds_alternative<events::ObjectiveAbandoned>(e)) {
    return ObjectiveState::kAbandoned;
  }
  return std::nullopt;
}

}  // namespace okr
