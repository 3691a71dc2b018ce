// Key results: add, update, remove, check in, grade by hand.
#include <cmath>
#include <sstream>

#include "engine/handler_support.h"
#include "projections/formulas.h"

namespace okr::handlers {
namespace {

using namespace events;

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

Check Removed(const KeyResult& k) {
  if (!k.removed) return std::nullopt;
  return DomainError::Conflict(
      "key-result-removed",
      "key result " + k.id + " was removed: it takes no more changes");
}

Check WeightPositive(double weight) {
  if (weight > 0 && std::isfinite(weight)) return std::nullopt;
  return DomainError::Rule(
      "weight-positive", "weight",
      "weight must be greater than 0 (it is " + Num(weight) + ")");
}

// The key result with its objective and cycle, refusing unknown ids and
// callers who do not own it.
struct Owned {
  const KeyResult* kr = nullptr;
  const Objective* objective = nullptr;
  const Cycle* cycle = nullptr;
};
Outcome<Owned> GetOwned(const Context& c, const std::string& kr_id) {
  auto k = GetKeyResult(c.state, "kr_id", kr_id);
  if (!k.ok()) return k.error();
  Owned o{k.value(), c.state.FindObjective(k.value()->objective_id), nullptr};
  if (o.objective == nullptr) {
    return DomainError::NotFound(
        "objective_id", "no objective \"" + k.value()->objective_id + "\"");
  }
  o.cycle = c.state.FindCycle(o.objective->cycle_id);
  if (o.cycle == nullptr) {
    return DomainError::NotFound("cycle_id",
                                 "no cycle \"" + o.objective->cycle_id + "\"");
  }
  if (Check e = MayWrite(c.caller, o.objective->owner, "key result " + kr_id)) {
    return *e;
  }
  return o;
}

}  // namespace

Outcome<Decision> Handle(const Context& c, const AddKeyResult& cmd) {
  if (Check e = CheckId("id", cmd.id)) return *e;
  if (Check e = CheckText("title", cmd.title, 1, 200)) return *e;
  if (cmd.kind != "metric" && cmd.kind != "boolean") {
    return DomainError::Invalid(
        "kind", "kind must be metric or boolean, not \"" + cmd.kind + "\"");
  }
  if (Check e = CheckText("unit", cmd.unit, 0, 50)) return *e;
  if (cmd.kind == "metric" && !cmd.target) {
    return DomainError::Invalid("target",
                                "target is required for a metric key result");
  }
  auto got = GetObjective(c.state, "objective_id", cmd.objective_id);
  if (!got.ok()) return got.error();
  const Objective& o = *got.value();
  if (Check e = MayWrite(c.caller, o.owner, "objective " + o.id)) return *e;
  std::string id;
  if (cmd.id) {
    id = *cmd.id;
    if (c.state.KeyResultIdTaken(id)) {
      return DomainError::Conflict(
          "duplicate-id", "a key result \"" + id + "\" already exists", "id");
    }
  } else {
    id = NewId("kr", c.state.KeyResultCount() + 1, [&](const std::string& x) {
      return c.state.KeyResultIdTaken(x);
    });
  }
  if (Check e = Unlocked(*c.state.FindCycle(o.cycle_id))) return *e;
  if (!IsOpen(o.state)) {
    return DomainError::Conflict(
        "objective-state", "objective " + o.id + " is " +
                               std::string(ToString(o.state)) +
                               ": key results are added to draft or active "
                               "objectives");
  }
  double start = cmd.start.value_or(0), target = cmd.target.value_or(1);
  if (cmd.kind == "boolean" && (start != 0 || target != 1)) {
    return DomainError::Rule(
        "boolean-range", cmd.start && start != 0 ? "start" : "target",
        "a boolean key result goes from 0 (false) to 1 (true)");
  }
  if (start == target) {
    return DomainError::Rule("start-equals-target", "target",
                             "start and target are both " + Num(start) +
                                 ": a key result must aim somewhere else");
  }
  double weight = cmd.weight.value_or(1);
  if (Check e = WeightPositive(weight)) return *e;
  int live = 0;
  for (const std::string& kid : o.key_results) {
    const KeyResult* k = c.state.FindKeyResult(kid);
    if (k != nullptr && !k->removed) ++live;
  }
  if (live >= c.limits.max_key_results) {
    return DomainError::Rule("key-result-limit", "objective_id",
                             "objective " + o.id + " already has " +
                                 std::to_string(live) +
                                 " key results; the limit is " +
                                 std::to_string(c.limits.max_key_results));
  }
  KeyResultAdded ev{id,    o.id,   cmd.title, cmd.kind, cmd.unit.value_or(""),
                    start, target, weight};
  return Decision{{std::move(ev)}, "kr/" + id, id};
}

Outcome<Decision> Handle(const Context& c, const UpdateKeyResult& cmd) {
  if (Check e = CheckText("title", cmd.title, 1, 200)) return *e;
  if (Check e = CheckText("reason", cmd.reason, 0, 4000)) return *e;
  if (cmd.kpi_id) {
    if (Check e = CheckId("kpi_id", *cmd.kpi_id)) return *e;
    if (*cmd.kpi_id && c.state.FindKpi(**cmd.kpi_id) == nullptr) {
      return DomainError::NotFound("kpi_id", "no KPI \"" + **cmd.kpi_id + "\"");
    }
  }
  auto got = GetOwned(c, cmd.kr_id);
  if (!got.ok()) return got.error();
  const KeyResult& k = *got.value().kr;
  const Cycle& cy = *got.value().cycle;
  if (Check e = Removed(k)) return *e;
  if (Check e = Unlocked(cy)) return *e;
  Decision d{{}, "kr/" + k.id, k.id};
  if (cmd.title && *cmd.title != k.title) {
    d.events.push_back(KeyResultRetitled{k.id, k.title, *cmd.title});
  }
  if (cmd.target && *cmd.target != k.target) {
    if (k.kind == "boolean") {
      return DomainError::Rule("boolean-range", "target",
                               "a boolean key result's target is always 1");
    }
    if (*cmd.target == k.start) {
      return DomainError::Rule(
          "start-equals-target", "target",
          "the new target equals the start (" + Num(k.start) + ")");
    }
    bool has_reason = cmd.reason && cmd.reason->find_first_not_of(" \t\r\n") !=
                                        std::string::npos;
    if (cy.state == CycleState::kActive && !has_reason) {
      return DomainError::Rule("reason-required", "reason",
                               "moving a target while cycle " + cy.id +
                                   " is active needs a reason (from " +
                                   Num(k.target) + " to " + Num(*cmd.target) +
                                   ")");
    }
    d.events.push_back(
        KeyResultTargetChanged{k.id, k.target, *cmd.target, cmd.reason});
  }
  if (cmd.weight && *cmd.weight != k.weight) {
    if (Check e = WeightPositive(*cmd.weight)) return *e;
    d.events.push_back(KeyResultWeightChanged{k.id, k.weight, *cmd.weight});
  }
  if (cmd.kpi_id && *cmd.kpi_id != k.kpi_id) {
    if (*cmd.kpi_id && k.kind != "metric") {
      return DomainError::Rule(
          "kpi-link-kind", "kpi_id",
          "only a metric key result can be fed by a KPI (" + k.id + " is " +
              k.kind + ")");
    }
    d.events.push_back(KeyResultKpiLinked{k.id, k.kpi_id, *cmd.kpi_id});
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const RemoveKeyResult& cmd) {
  if (Check e = CheckText("reason", cmd.reason, 0, 4000)) return *e;
  auto got = GetOwned(c, cmd.kr_id);
  if (!got.ok()) return got.error();
  const KeyResult& k = *got.value().kr;
  if (Check e = Removed(k)) return *e;
  if (Check e = Unlocked(*got.value().cycle)) return *e;
  return Decision{{KeyResultRemoved{k.id, cmd.reason}}, "kr/" + k.id, k.id};
}

Outcome<Decision> Handle(const Context& c, const RecordCheckIn& cmd) {
  if (Check e = CheckText("note", cmd.note, 0, 4000)) return *e;
  if (!std::isfinite(cmd.value)) {
    return DomainError::Invalid("value", "value must be a finite number");
  }
  auto got = GetOwned(c, cmd.kr_id);
  if (!got.ok()) return got.error();
  const KeyResult& k = *got.value().kr;
  const Objective& o = *got.value().objective;
  const Cycle& cy = *got.value().cycle;
  if (Check e = Removed(k)) return *e;
  if (Check e = Unlocked(cy)) return *e;
  if (cy.state != CycleState::kActive) {
    return DomainError::Conflict("cycle-not-active",
                                 "cycle " + cy.id + " is " +
                                     std::string(ToString(cy.state)) +
                                     ": check-ins need an active cycle");
  }
  if (o.state != ObjectiveState::kActive) {
    return DomainError::Conflict("objective-not-active",
                                 "objective " + o.id + " is " +
                                     std::string(ToString(o.state)) +
                                     ": check-ins need an active objective");
  }
  if (k.kind == "boolean" && cmd.value != 0 && cmd.value != 1) {
    return DomainError::Rule("boolean-value", "value",
                             "a boolean key result takes 0 or 1 (false or "
                             "true), not " +
                                 Num(cmd.value));
  }
  if (cmd.confidence && (*cmd.confidence < 0 || *cmd.confidence > 10)) {
    return DomainError::Rule("confidence-range", "confidence",
                             "confidence is an integer from 0 to 10, not " +
                                 std::to_string(*cmd.confidence));
  }
  Date date = cmd.date.value_or(c.today);
  if (date > c.today) {
    return DomainError::Rule("check-in-date", "date",
                             "a check-in cannot be dated in the future (" +
                                 date.ToString() + " is after today, " +
                                 c.today.ToString() + ")");
  }
  if (date < cy.starts_on) {
    return DomainError::Rule("check-in-date", "date",
                             "a check-in cannot be dated before its cycle "
                             "starts (" +
                                 date.ToString() + " is before " +
                                 cy.starts_on.ToString() + ")");
  }
  if (date > cy.ends_on.AddDays(14)) {
    return DomainError::Rule(
        "check-in-date", "date",
        "a check-in can be dated at most 14 days after its cycle ends (" +
            date.ToString() + " is after " + cy.ends_on.AddDays(14).ToString() +
            ")");
  }
  CheckInRecorded ev;
  ev.kr_id = k.id;
  ev.value = cmd.value;
  if (cmd.confidence) {
    ev.confidence = static_cast<std::int32_t>(*cmd.confidence);
  }
  ev.note = cmd.note;
  ev.date = date;
  ev.source = cmd.source;
  return Decision{{std::move(ev)}, "kr/" + k.id, k.id};
}

Outcome<Decision> Handle(const Context& c, const GradeKeyResult& cmd) {
  if (Check e = CheckText("note", cmd.note, 0, 4000)) return *e;
  auto got = GetOwned(c, cmd.kr_id);
  if (!got.ok()) return got.error();
  const KeyResult& k = *got.value().kr;
  const Objective& o = *got.value().objective;
  const Cycle& cy = *got.value().cycle;
  if (Check e = Removed(k)) return *e;
  if (cy.state == CycleState::kPlanning) {
    return DomainError::Conflict(
        "cycle-not-active",
        "cycle " + cy.id + " has not started: grades come once it is active");
  }
  if (!IsGradable(o.state)) {
    return DomainError::Conflict("objective-state",
                                 "objective " + o.id + " is " +
                                     std::string(ToString(o.state)) +
                                     ": only key results of active or "
                                     "achieved objectives are graded");
  }
  if (!(cmd.score >= 0 && cmd.score <= 1)) {
    return DomainError::Rule("score-range", "score",
                             "a score is from 0 to 1, not " + Num(cmd.score));
  }
  Decision d{{KeyResultGraded{k.id, cmd.score, cmd.note, /*manual=*/true}},
             "kr/" + k.id,
             k.id};
  // After the close the objective's score follows the new hand grade.
  if (cy.state == CycleState::kClosed) {
    std::vector<std::pair<double, double>> scores;
    for (const std::string& kid : o.key_results) {
      const KeyResult* x = c.state.FindKeyResult(kid);
      if (x == nullptr || x->removed) continue;
      double s = x->id == k.id ? cmd.score : (x->grade ? x->grade->score : 0);
      scores.emplace_back(x->weight, s);
    }
    d.events.push_back(
        ObjectiveGraded{o.id, formulas::WeightedProgress(scores)});
  }
  return d;
}

}  // namespace okr::handlers
