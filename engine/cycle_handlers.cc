// Cycles: create, start, close (grading), retrospective notes.
#include <algorithm>
#include <cctype>

#include "engine/handler_support.h"
#include "projections/formulas.h"

namespace okr::handlers {
namespace {

using namespace events;

Check AdminOnly(const Caller& caller, const char* what) {
  if (caller.admin()) return std::nullopt;
  return DomainError::Forbidden(std::string("only admins ") + what);
}

// "2026-Q4" -> "2026-q4"; characters an id cannot hold become '-'.
std::string IdFromName(const std::string& name) {
  std::string id;
  for (unsigned char c : name) {
    char l = static_cast<char>(std::tolower(c));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' ||
              l == '_' || l == '-';
    id += ok ? l : '-';
  }
  if (id.size() > 64) id.resize(64);
  return id;
}

}  // namespace

Outcome<Decision> Handle(const Context& c, const CreateCycle& cmd) {
  if (Check e = CheckId("id", cmd.id)) return *e;
  if (Check e = CheckText("name", cmd.name, 1, 200)) return *e;
  if (Check e = AdminOnly(c.caller, "create cycles")) return *e;
  std::string name = cmd.name ? *cmd.name : QuarterName(cmd.starts_on);
  std::string id;
  if (cmd.id) {
    id = *cmd.id;
    if (c.state.FindCycle(id) != nullptr) {
      return DomainError::Conflict(
          "duplicate-id", "a cycle \"" + id + "\" already exists", "id");
    }
  } else {
    id = IdFromName(name);
    if (!ValidId(id) || c.state.FindCycle(id) != nullptr) {
      id = NewId("cycle", c.state.cycles().size() + 1,
                 [&](const std::string& x) { return c.state.FindCycle(x); });
    }
  }
  if (cmd.ends_on <= cmd.starts_on) {
    return DomainError::Rule("cycle-dates", "ends_on",
                             "ends_on (" + cmd.ends_on.ToString() +
                                 ") must be after starts_on (" +
                                 cmd.starts_on.ToString() + ")");
  }
  return Decision{
      {CycleCreated{id, name, cmd.starts_on, cmd.ends_on}}, "cycle/" + id, id};
}

Outcome<Decision> Handle(const Context& c, const StartCycle& cmd) {
  auto cycle = GetCycle(c.state, "cycle_id", cmd.cycle_id);
  if (!cycle.ok()) return cycle.error();
  if (Check e = AdminOnly(c.caller, "start cycles")) return *e;
  const Cycle& cy = *cycle.value();
  if (cy.state != CycleState::kPlanning) {
    return DomainError::Conflict("cycle-state",
                                 "cycle " + cy.id + " is " +
                                     std::string(ToString(cy.state)) +
                                     ": only a planning cycle "
                                     "can start");
  }
  return Decision{{CycleStarted{cy.id}}, "cycle/" + cy.id, cy.id};
}

Outcome<Decision> Handle(const Context& c, const CloseCycle& cmd) {
  auto cycle = GetCycle(c.state, "cycle_id", cmd.cycle_id);
  if (!cycle.ok()) return cycle.error();
  if (Check e = AdminOnly(c.caller, "close cycles")) return *e;
  const Cycle& cy = *cycle.value();
  if (cy.state != CycleState::kActive) {
    return DomainError::Conflict("cycle-state",
                                 "cycle " + cy.id + " is " +
                                     std::string(ToString(cy.state)) +
                                     ": only an active cycle closes");
  }
  // Grade every key result of the active and achieved objectives from all
  // check-ins recorded so far (whatever their date); hand grades stand.
  Decision d{{CycleClosed{cy.id}}, "cycle/" + cy.id, cy.id};
  for (const std::string& oid : cy.objectives) {
    const Objective* o = c.state.FindObjective(oid);
    if (o == nullptr || !IsGradable(o->state)) {
      continue;
    }
    std::vector<std::pair<double, double>> scores;
    for (const std::string& kid : o->key_results) {
      const KeyResult* k = c.state.FindKeyResult(kid);
      if (k == nullptr || k->removed) continue;
      double score;
      if (k->grade && k->grade->manual) {
        score = k->grade->score;
      } else {
        double current =
            k->check_ins.empty() ? k->start : k->check_ins.back().value;
        score = formulas::Progress(
            formulas::Attainment(k->start, k->target, current));
        d.events.push_back(
            KeyResultGraded{k->id, score, std::nullopt, /*manual=*/false});
      }
      scores.emplace_back(k->weight, score);
    }
    // An objective without key results has no score (null), not 0.
    if (!scores.empty()) {
      d.events.push_back(
          ObjectiveGraded{o->id, formulas::WeightedProgress(scores)});
    }
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const AddRetrospectiveNote& cmd) {
  if (Check e = CheckText("text", cmd.text, 1, 4000)) return *e;
  auto cycle = GetCycle(c.state, "cycle_id", cmd.cycle_id);
  if (!cycle.ok()) return cycle.error();
  if (cmd.objective_id) {
    auto o = GetObjective(c.state, "objective_id", *cmd.objective_id);
    if (!o.ok()) return o.error();
    if (Check e = MayWrite(c.caller, o.value()->owner,
                           "notes about objective " + o.value()->id)) {
      return *e;
    }
    if (o.value()->cycle_id != cmd.cycle_id) {
      return DomainError::Rule(
          "note-cycle", "objective_id",
          "objective " + o.value()->id + " is not in cycle " + cmd.cycle_id);
    }
  }
  const Cycle& cy = *cycle.value();
  return Decision{{RetrospectiveNoteAdded{cy.id, cmd.objective_id, cmd.text}},
                  "cycle/" + cy.id,
                  cy.id};
}

}  // namespace okr::handlers
