// Objectives: create, update, align, state transitions.
#include "engine/handler_support.h"

namespace okr::handlers {
namespace {

using namespace events;

Check CheckLevel(const std::string& level) {
  if (LevelRank(level) > 0) return std::nullopt;
  return DomainError::Invalid(
      "level", "level must be company, department, team or individual, not \"" +
                   level + "\"");
}

}  // namespace

Outcome<Decision> Handle(const Context& c, const CreateObjective& cmd) {
  if (Check e = CheckId("id", cmd.id)) return *e;
  if (Check e = CheckId("cycle_id", cmd.cycle_id)) return *e;
  if (Check e = CheckText("title", cmd.title, 1, 200)) return *e;
  if (Check e = CheckText("description", cmd.description, 0, 4000)) return *e;
  if (Check e = CheckLevel(cmd.level)) return *e;
  if (Check e = CheckActor("owner", cmd.owner)) return *e;
  if (Check e = CheckText("team", cmd.team, 0, 200)) return *e;
  if (Check e = CheckId("parent_id", cmd.parent_id)) return *e;
  auto cycle = GetCycle(c.state, "cycle_id", cmd.cycle_id);
  if (!cycle.ok()) return cycle.error();
  std::string owner = cmd.owner ? *cmd.owner : c.caller.actor;
  if (owner != c.caller.actor && !c.caller.admin()) {
    return DomainError::Forbidden(
        "only admins create objectives for someone else (owner " + owner + ")");
  }
  std::string id;
  if (cmd.id) {
    id = *cmd.id;
    if (c.state.ObjectiveIdTaken(id)) {
      return DomainError::Conflict(
          "duplicate-id", "an objective \"" + id + "\" already exists", "id");
    }
  } else {
    id = NewId("o", c.state.ObjectiveCount() + 1, [&](const std::string& x) {
      return c.state.ObjectiveIdTaken(x);
    });
  }
  if (Check e = Unlocked(*cycle.value())) return *e;
  if (cmd.parent_id) {
    if (Check e = CheckAlignment(c.state, id, cmd.cycle_id, cmd.level,
                                 *cmd.parent_id)) {
      return *e;
    }
  }
  if (Check e = CheckFocusLimit(c.state, c.limits, cmd.cycle_id, owner)) {
    return *e;
  }
  ObjectiveCreated ev{id,
                      cmd.cycle_id,
                      cmd.title,
                      cmd.description.value_or(""),
                      cmd.level,
                      owner,
                      cmd.team.value_or(""),
                      cmd.parent_id};
  return Decision{{std::move(ev)}, "objective/" + id, id};
}

Outcome<Decision> Handle(const Context& c, const UpdateObjective& cmd) {
  if (Check e = CheckText("title", cmd.title, 1, 200)) return *e;
  if (Check e = CheckText("description", cmd.description, 0, 4000)) return *e;
  if (Check e = CheckActor("owner", cmd.owner)) return *e;
  if (Check e = CheckText("team", cmd.team, 0, 200)) return *e;
  auto got = GetObjective(c.state, "objective_id", cmd.objective_id);
  if (!got.ok()) return got.error();
  const Objective& o = *got.value();
  if (Check e = MayWrite(c.caller, o.owner, "objective " + o.id)) return *e;
  if (cmd.owner && *cmd.owner != o.owner && *cmd.owner != c.caller.actor &&
      !c.caller.admin()) {
    return DomainError::Forbidden(
        "only admins give an objective to someone "
        "else (owner " +
        *cmd.owner + ")");
  }
  if (Check e = Unlocked(*c.state.FindCycle(o.cycle_id))) return *e;
  Decision d{{}, "objective/" + o.id, o.id};
  if (cmd.title && *cmd.title != o.title) {
    d.events.push_back(ObjectiveRetitled{o.id, o.title, *cmd.title});
  }
  if (cmd.description && *cmd.description != o.description) {
    d.events.push_back(
        ObjectiveDescribed{o.id, o.description, *cmd.description});
  }
  if (cmd.owner && *cmd.owner != o.owner) {
    if (IsOpen(o.state)) {
      if (Check e =
              CheckFocusLimit(c.state, c.limits, o.cycle_id, *cmd.owner)) {
        return *e;
      }
    }
    d.events.push_back(ObjectiveOwnerChanged{o.id, o.owner, *cmd.owner});
  }
  if (cmd.team && *cmd.team != o.team) {
    d.events.push_back(ObjectiveTeamChanged{o.id, o.team, *cmd.team});
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const SetParent& cmd) {
  if (Check e = CheckId("parent_id", cmd.parent_id)) return *e;
  auto got = GetObjective(c.state, "objective_id", cmd.objective_id);
  if (!got.ok()) return got.error();
  const Objective& o = *got.value();
  if (Check e = MayWrite(c.caller, o.owner, "objective " + o.id)) return *e;
  if (cmd.parent_id && c.state.FindObjective(*cmd.parent_id) == nullptr) {
    return DomainError::NotFound("parent_id",
                                 "no objective \"" + *cmd.parent_id + "\"");
  }
  if (Check e = Unlocked(*c.state.FindCycle(o.cycle_id))) return *e;
  Decision d{{}, "objective/" + o.id, o.id};
  if (!cmd.parent_id) {
    if (o.parent_id) d.events.push_back(ObjectiveUnaligned{o.id, *o.parent_id});
    return d;
  }
  if (Check e =
          CheckAlignment(c.state, o.id, o.cycle_id, o.level, *cmd.parent_id)) {
    return *e;
  }
  if (o.parent_id != cmd.parent_id) {
    d.events.push_back(ObjectiveAligned{o.id, *cmd.parent_id, o.parent_id});
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const TransitionObjective& cmd) {
  if (Check e = CheckText("reason", cmd.reason, 0, 4000)) return *e;
  auto got = GetObjective(c.state, "objective_id", cmd.objective_id);
  if (!got.ok()) return got.error();
  const Objective& o = *got.value();
  if (Check e = MayWrite(c.caller, o.owner, "objective " + o.id)) return *e;
  if (Check e = Unlocked(*c.state.FindCycle(o.cycle_id))) return *e;
  auto refuse = [&](const char* verb, const char* from) -> DomainError {
    return DomainError::Conflict(
        "objective-state", "objective " + o.id + " is " +
                               std::string(ToString(o.state)) + ": only " +
                               from + " objectives can be " + verb);
  };
  Decision d{{}, "objective/" + o.id, o.id};
  switch (cmd.action) {
    case ObjectiveAction::kActivate:
      if (o.state != ObjectiveState::kDraft)
        return refuse("activated", "draft");
      d.events.push_back(ObjectiveActivated{o.id, cmd.reason});
      break;
    case ObjectiveAction::kAchieve:
      if (o.state != ObjectiveState::kActive)
        return refuse("achieved", "active");
      d.events.push_back(ObjectiveAchieved{o.id, cmd.reason});
      break;
    case ObjectiveAction::kAbandon:
      if (!IsOpen(o.state)) {
        return refuse("abandoned", "draft or active");
      }
      d.events.push_back(ObjectiveAbandoned{o.id, cmd.reason});
      break;
  }
  return d;
}

}  // namespace okr::handlers
