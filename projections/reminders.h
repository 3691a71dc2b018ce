// Reminders: what is due at a business date `at` by the rules of
// docs/domain-rules.md ("Reminders")
// ("Reminders"), evaluated over the current state. Each reminder is
// identified by (kind, key) and is issued at most once (the engine's
// IssueReminders decides that against the log); this file only says what
// is due.
//
// Thread safety: pure functions; DueReminders() needs the state kept still.
//
// The rules, `at` being the date evaluated for:
// - checkin_due (to the objective's owner): a key result, not removed, of an
//   active objective in an active cycle, not done at `at` (progress < 1),
//   whose last check-in dated on or before `at` -- or with none the later of
//   the cycle's starts_on and the day the key result was added -- is 7 days
//   or more before `at` (key "<kr>/<last>/7"), and 14 or more (key
//   "<kr>/<last>/14"). At 21 and more both are still due if not issued.
// - checkin_overdue (to "admins"): the same at 21 days or more (key
//   "<kr>/<last>").
// - checkin_escalated: the same at 21 days or more, to the owner of the
//   objective's parent (the objective it aligns up to) when that is someone
//   else, otherwise to the owner's manager (ReminderPolicy::managers, from
//   the people file); none when neither exists (key "<kr>/<last>").
// - The check-in kinds leave out a key result with a check-in dated within
//   the last ReminderPolicy::skip_recent_days days of `at` (or after it).
// - cycle_ending (to the owner): an active objective of an active cycle whose
//   status at `at` is at_risk or off_track, when `at` is 0 to 14 days before
//   ends_on (key "<objective>/<cycle>").
// - grading_due (to "admins"): a cycle not closed, `at` after its ends_on
//   (key "<cycle>").
// - draft_pending (to the owner): a draft objective of a cycle not closed,
//   `at` 7 days or more after the cycle's starts_on (key "<objective>").
// - kpi_unhealthy (to the KPI's owner): its latest measurement dated on or
//   before `at` is outside the healthy range (key "<kpi>/<position>").
// - kpi_stale (to the KPI's owner): its latest measurement dated on or
//   before `at` -- or with none the day it was defined -- is cadence_days or
//   more before `at` (key "<kpi>/<last>").
// "admins" is a recipient of its own: the admins' channel, one reminder for
// all of them (the key names no person).
#ifndef OKR_PROJECTIONS_REMINDERS_H_
#define OKR_PROJECTIONS_REMINDERS_H_

#include <map>
#include <string>
#include <vector>

#include "events/date.h"
#include "projections/okr_state.h"

namespace okr {

struct DueReminder {
  std::string kind, subject, recipient, key, message;

  bool operator==(const DueReminder&) const = default;
};

// What the rules take from outside the log: who manages whom (the people
// file; for checkin_escalated) and how recent a check-in silences the
// check-in kinds. The default is what GET /v1/reminders shows without a
// people file: no managers, nothing skipped.
struct ReminderPolicy {
  std::map<std::string, std::string> managers;  // actor -> manager
  int skip_recent_days = 0;

  bool operator==(const ReminderPolicy&) const = default;
};

inline constexpr char kAdminsRecipient[] = "admins";

// Everything due at `at`, issued or not, ordered by (kind, key).
std::vector<DueReminder> DueReminders(const OkrState& state, Date at,
                                      const ReminderPolicy& policy = {});

// What is due at `at` about the entity of one stream and what hangs on it:
// "kr/<id>" its objective (own rules and every key result's); "objective/
// <id>" the same; "kpi/<id>" the KPI; "cycle/<id>" the cycle and all its
// objectives; others nothing. For incremental evaluation: on the same date,
// an appended event can only make due what its stream's entity decides, so
// a driver re-evaluates the streams written since its last run instead of
// the whole state. A subset of DueReminders(state, at), same order.
std::vector<DueReminder> DueRemindersFor(const OkrState& state, Date at,
                                         const std::string& stream,
                                         const ReminderPolicy& policy = {});

}  // namespace okr

#endif  // OKR_PROJECTIONS_REMINDERS_H_
