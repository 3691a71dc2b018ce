#include "projections/reminders.h"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace okr {
namespace {

std::string Short(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string Days(int n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}

void KeyResultReminders(const OkrState& s, const Cycle& c, const Objective& o,
                        const KeyResult& k, Date at, const ReminderPolicy& p,
                        std::vector<DueReminder>* out) {
  // A check-in dated within the last skip_recent_days days (or after `at`)
  // silences the key result. Check-ins are ordered by date.
  if (p.skip_recent_days > 0 && !k.check_ins.empty() &&
      at.DaysSince(k.check_ins.back().date) < p.skip_recent_days) {
    return;
  }
  KeyResultView view = s.ViewKeyResult(k, at);
  if (view.status == formulas::Status::kDone) return;
  // The latest check-in dated on or before `at`.
  auto end =
      std::upper_bound(k.check_ins.begin(), k.check_ins.end(), at,
                       [](Date d, const CheckIn& x) { return d < x.date; });
  Date last = end != k.check_ins.begin() ? std::prev(end)->date
                                         : std::max(c.starts_on, k.added_on);
  int days = at.DaysSince(last);
  if (days < 7) return;
  std::string since = last.ToString();
  std::string what = "key result \"" + k.title + "\" (" + k.id + ")";
  std::string when = end != k.check_ins.begin()
                         ? "the last check-in was on " + since
                         : "no check-in since " + since;
  for (int threshold : {7, 14}) {
    if (days < threshold) break;
    out->push_back({"checkin_due", k.id, o.owner,
                    k.id + "/" + since + "/" + std::to_string(threshold),
                    "Time to check in on " + what + ": " + when + ", " +
                        Days(threshold) + " or more ago."});
  }
  if (days >= 21) {
    out->push_back(
        {"checkin_overdue", k.id, kAdminsRecipient, k.id + "/" + since,
         "Check-in overdue on " + what + " owned by " + o.owner + ": " + when +
             ", " + Days(days) + " before " + at.ToString() + "."});
    // Escalated up the alignment, or to the owner's manager.
    std::string to;
    if (o.parent_id) {
      const Objective* parent = s.FindObjective(*o.parent_id);
      if (parent != nullptr && parent->owner != o.owner) to = parent->owner;
    }
    if (to.empty()) {
      auto m = p.managers.find(o.owner);
      if (m != p.managers.end() && m->second != o.owner) to = m->second;
    }
    if (!to.empty()) {
      out->push_back({"checkin_escalated", k.id, to, k.id + "/" + since,
                      "Escalated: " + what + " owned by " + o.owner +
                          " has had no check-in for " + Days(days) + " (" +
                          when + ")."});
    }
  }
}

void CycleReminders(const Cycle& c, Date at, std::vector<DueReminder>* out) {
  if (c.state == CycleState::kClosed || at <= c.ends_on) return;
  out->push_back({"grading_due", c.id, kAdminsRecipient, c.id,
                  "Cycle " + c.name + " (" + c.id + ") ended on " +
                      c.ends_on.ToString() +
                      " and is not closed: time to grade it."});
}

// The objective's own reminders: draft_pending, cycle_ending.
void ObjectiveOwnReminders(const OkrState& s, const Cycle& c,
                           const Objective& o, Date at,
                           std::vector<DueReminder>* out) {
  if (c.state == CycleState::kClosed) return;
  const int since_start = at.DaysSince(c.starts_on);
  if (o.state == ObjectiveState::kDraft && since_start >= 7) {
    out->push_back({"draft_pending", o.id, o.owner, o.id,
                    "Objective \"" + o.title + "\" (" + o.id +
                        ") is still a draft " + Days(since_start) +
                        " after the cycle started."});
  }
  if (c.state != CycleState::kActive || o.state != ObjectiveState::kActive)
    return;
  const int to_end = c.ends_on.DaysSince(at);
  if (to_end >= 0 && to_end <= 14) {
    formulas::Status st = s.ViewObjective(o, at).status;
    if (st == formulas::Status::kAtRisk || st == formulas::Status::kOffTrack) {
      out->push_back({"cycle_ending", o.id, o.owner, o.id + "/" + c.id,
                      "Cycle " + c.name + " ends on " + c.ends_on.ToString() +
                          " and objective \"" + o.title + "\" (" + o.id +
                          ") is " + formulas::StatusName(st) + "."});
    }
  }
}

// The objective's own reminders and those of its key results.
void ObjectiveReminders(const OkrState& s, const Cycle& c, const Objective& o,
                        Date at, const ReminderPolicy& p,
                        std::vector<DueReminder>* out) {
  ObjectiveOwnReminders(s, c, o, at, out);
  if (c.state != CycleState::kActive || o.state != ObjectiveState::kActive)
    return;
  for (const std::string& kid : o.key_results) {
    const KeyResult* k = s.FindKeyResult(kid);
    if (k != nullptr && !k->removed) {
      KeyResultReminders(s, c, o, *k, at, p, out);
    }
  }
}

void KpiReminders(const Kpi& k, Date at, std::vector<DueReminder>* out) {
  auto end =
      std::upper_bound(k.measurements.begin(), k.measurements.end(), at,
                       [](Date d, const Measurement& x) { return d < x.date; });
  const Measurement* latest =
      end != k.measurements.begin() ? &*std::prev(end) : nullptr;
  if (latest != nullptr &&
      !formulas::KpiHealthy(latest->value, k.healthy_min, k.healthy_max)) {
    out->push_back({"kpi_unhealthy", k.id, k.owner,
                    k.id + "/" + std::to_string(latest->position),
                    "KPI \"" + k.name + "\" (" + k.id +
                        ") is unhealthy: " + Short(latest->value) + " " +
                        k.unit + " on " + latest->date.ToString() + "."});
  }
  Date last = latest != nullptr ? latest->date : k.defined_on;
  int days = at.DaysSince(last);
  if (days >= k.cadence_days) {
    out->push_back({"kpi_stale", k.id, k.owner, k.id + "/" + last.ToString(),
                    "KPI \"" + k.name + "\" (" + k.id + ") has no " +
                        "measurement since " + last.ToString() + " (" +
                        Days(days) + "; its cadence is " +
                        Days(k.cadence_days) + ")."});
  }
}

void Sort(std::vector<DueReminder>* out) {
  std::sort(out->begin(), out->end(),
            [](const DueReminder& a, const DueReminder& b) {
              return std::tie(a.kind, a.key) < std::tie(b.kind, b.key);
            });
}

}  // namespace

// The whole state in three ordered walks (cycles, objectives, key results)
// rather than a lookup per key result by id: a key result's objective, and
// an objective's cycle, are looked up only when they change from the
// previous one's (ids of one objective's key results sort together).
std::vector<DueReminder> DueReminders(const OkrState& s, Date at,
                                      const ReminderPolicy& p) {
  std::vector<DueReminder> out;
  for (const auto& [cid, c] : s.cycles()) CycleReminders(c, at, &out);
  const Cycle* cycle = nullptr;
  auto cycle_of = [&](const std::string& id) {
    if (cycle == nullptr || cycle->id != id) cycle = s.FindCycle(id);
    return cycle;
  };
  for (const auto& [oid, o] : s.objectives()) {
    const Cycle* c = cycle_of(o.cycle_id);
    if (c != nullptr) ObjectiveOwnReminders(s, *c, o, at, &out);
  }
  const Objective* objective = nullptr;
  for (const auto& [kid, k] : s.key_results()) {
    if (k.removed) continue;
    if (objective == nullptr || objective->id != k.objective_id) {
      objective = s.FindObjective(k.objective_id);
    }
    if (objective == nullptr || objective->state != ObjectiveState::kActive)
      continue;
    const Cycle* c = cycle_of(objective->cycle_id);
    if (c != nullptr && c->state == CycleState::kActive) {
      KeyResultReminders(s, *c, *objective, k, at, p, &out);
    }
  }
  for (const auto& [kid, k] : s.kpis()) KpiReminders(k, at, &out);
  Sort(&out);
  return out;
}

std::vector<DueReminder> DueRemindersFor(const OkrState& s, Date at,
                                         const std::string& stream,
                                         const ReminderPolicy& p) {
  std::vector<DueReminder> out;
  auto slash = stream.find('/');
  if (slash == std::string::npos) return out;
  const std::string kind = stream.substr(0, slash);
  const std::string id = stream.substr(slash + 1);
  auto objective = [&](const Objective* o) {
    const Cycle* c = o != nullptr ? s.FindCycle(o->cycle_id) : nullptr;
    if (c != nullptr) ObjectiveReminders(s, *c, *o, at, p, &out);
  };
  if (kind == "kr") {
    const KeyResult* k = s.FindKeyResult(id);
    if (k != nullptr) objective(s.FindObjective(k->objective_id));
  } else if (kind == "objective") {
    objective(s.FindObjective(id));
  } else if (kind == "kpi") {
    if (const Kpi* k = s.FindKpi(id)) KpiReminders(*k, at, &out);
  } else if (kind == "cycle") {
    if (const Cycle* c = s.FindCycle(id)) {
      CycleReminders(*c, at, &out);
      for (const std::string& oid : c->objectives) {
        objective(s.FindObjective(oid));
      }
    }
  }
  Sort(&out);
  return out;
}

}  // namespace okr
