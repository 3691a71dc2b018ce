// Reminders: issue what is due (once per kind and key), record deliveries.
#include <algorithm>
#include <cassert>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/handler_support.h"
#include "engine/reminder_id.h"
#include "projections/reminders.h"

namespace okr::handlers {

Outcome<Decision> Handle(const Context& c, const IssueReminders& cmd) {
  if (!c.caller.admin()) {
    return DomainError::Forbidden("only admins issue reminders");
  }
  // Keys of some kinds (grading_due, draft_pending, checkin_due) do not hold
  // the date: a run for a later date would spend them before they are due.
  // Previewing the future is GET /v1/reminders?at=.
  if (c.today.AddDays(std::clamp(cmd.ahead_days, 0, 1)) < cmd.at) {
    return DomainError::Rule("reminder-run-in-future", "at",
                             "reminders are issued for today or an earlier "
                             "date, not " +
                                 cmd.at.ToString() + " (today is " +
                                 c.today.ToString() + ")");
  }
  // The engine gives the full state when the compact one cannot answer
  // for `at` (NeedsFullState).
  assert(c.state.ExactAt(cmd.at));
  std::vector<DueReminder> due;
  if (!cmd.streams) {
    due = DueReminders(c.state, cmd.at, cmd.policy);
  } else {
    for (const std::string& stream : *cmd.streams) {
      for (DueReminder& r :
           DueRemindersFor(c.state, cmd.at, stream, cmd.policy)) {
        due.push_back(std::move(r));
      }
    }
  }
  std::erase_if(due, [&](const DueReminder& r) {
    return (!cmd.kinds.empty() && std::find(cmd.kinds.begin(), cmd.kinds.end(),
                                            r.kind) == cmd.kinds.end()) ||
           (cmd.only_recipients && !cmd.only_recipients->count(r.recipient)) ||
           cmd.except_recipients.count(r.recipient) != 0;
  });
  Decision d{{}, "", ""};
  std::set<std::pair<std::string, std::string>> seen;
  for (const DueReminder& r : due) {
    if (c.state.FindReminder(r.kind, r.key) != nullptr) continue;
    // Streams that share an entity (an objective and its key results)
    // find its reminders twice: still once.
    if (!seen.insert({r.kind, r.key}).second) continue;
    d.events.push_back(events::ReminderIssued{ReminderId(r.kind, r.key), r.kind,
                                              r.subject, r.recipient, r.key,
                                              r.message, cmd.at});
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const RecordReminderOutcome& cmd) {
  if (!c.caller.admin()) {
    return DomainError::Forbidden(
        "only the delivery worker records deliveries");
  }
  auto it = c.state.reminders().find(cmd.reminder_id);
  if (it == c.state.reminders().end()) {
    return DomainError::NotFound("reminder_id",
                                 "no reminder \"" + cmd.reminder_id + "\"");
  }
  if (Check e = CheckText("webhook", cmd.webhook, 1, 2000)) return *e;
  Decision d{{}, "reminder/" + cmd.reminder_id, cmd.reminder_id};
  if (it->second.outcomes.count(cmd.webhook) != 0) return d;  // recorded
  if (cmd.delivered) {
    d.events.push_back(
        events::ReminderDelivered{cmd.reminder_id, cmd.webhook, cmd.attempts});
  } else {
    d.events.push_back(events::ReminderDeliveryFailed{
        cmd.reminder_id, cmd.webhook, cmd.attempts, cmd.error.substr(0, 500)});
  }
  return d;
}

Outcome<Decision> Handle(const Context& c, const RecordDigestOutcome& cmd) {
  if (!c.caller.admin()) {
    return DomainError::Forbidden(
        "only the delivery workers record deliveries");
  }
  if (cmd.channel != "slack" && cmd.channel != "teams" &&
      cmd.channel != "email") {
    return DomainError::Invalid(
        "channel",
        "channel is slack, teams or email, not \"" + cmd.channel + "\"");
  }
  if (Check e = CheckId("digest_id", cmd.digest_id)) return *e;
  if (Check e = CheckText("recipient", cmd.recipient, 1, 200)) return *e;
  if (Check e = CheckText("message_id", cmd.message_id, 1, 200)) return *e;
  if (cmd.reminder_ids.empty()) {
    return DomainError::Invalid("reminder_ids",
                                "a digest carries one reminder or more");
  }
  for (const std::string& id : cmd.reminder_ids) {
    if (c.state.reminders().count(id) == 0) {
      return DomainError::NotFound("reminder_ids",
                                   "no reminder \"" + id + "\"");
    }
  }
  Decision d{{}, "digest/" + cmd.digest_id, cmd.digest_id};
  if (c.state.digests().count(cmd.digest_id) != 0) return d;  // recorded
  if (cmd.delivered) {
    d.events.push_back(events::DigestDelivered{cmd.digest_id, cmd.channel,
                                               cmd.recipient, cmd.reminder_ids,
                                               cmd.message_id, cmd.attempts});
  } else {
    d.events.push_back(events::DigestDeliveryFailed{
        cmd.digest_id, cmd.channel, cmd.recipient, cmd.reminder_ids,
        cmd.message_id, cmd.attempts, cmd.error.substr(0, 500)});
  }
  return d;
}

}  // namespace okr::handlers
