// Commands: what a caller asks the engine to do, one type per mutation of
// the routes of docs/openapi.yaml. Handlers (engine/command_handlers.h) decide
// each against the current state.
//
// Thread safety: plain values.
//
// Optional fields are std::optional: absent means "not sent", which is not
// the same as sent empty. Dates arrive parsed; ids, lengths, enums and
// ranges are checked by the handlers, so every adapter refuses the same
// things with the same words.
#ifndef OKR_ENGINE_COMMANDS_H_
#define OKR_ENGINE_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "events/catalogue.h"
#include "events/date.h"
#include "projections/reminders.h"

namespace okr {

// kBot: a CI job or a script, that may only check in on the key results
// and measure the KPIs it is granted (Caller::grants).
enum class Role { kMember, kAdmin, kBot };
const char* RoleName(Role role);  // "member", "admin", "bot"

// Who sends a command: an actor from the tokens file and its role.
struct Caller {
  std::string actor;
  Role role = Role::kMember;
  // A bot's grants: "kr/<id>" (check-ins) and "kpi/<id>" (measurements).
  std::set<std::string> grants = {};
  bool admin() const { return role == Role::kAdmin; }
  bool bot() const { return role == Role::kBot; }
};

using OptText = std::optional<std::string>;

struct CreateCycle {
  OptText id;
  OptText name;  // default: the quarter of starts_on ("2026-Q4")
  Date starts_on, ends_on;
};
struct StartCycle {
  std::string cycle_id;
};
struct CloseCycle {
  std::string cycle_id;
};
struct AddRetrospectiveNote {
  std::string cycle_id;
  OptText objective_id;
  std::string text;
};

struct CreateObjective {
  OptText id;
  std::string cycle_id, title;
  OptText description;
  std::string level;
  OptText owner;  // default: the caller
  OptText team;
  OptText parent_id;
};
struct UpdateObjective {
  std::string objective_id;
  OptText title, description, owner, team;
};
// parent_id nullopt: unalign.
struct SetParent {
  std::string objective_id;
  OptText parent_id;
};
enum class ObjectiveAction { kActivate, kAchieve, kAbandon };
struct TransitionObjective {
  std::string objective_id;
  ObjectiveAction action = ObjectiveAction::kActivate;
  OptText reason;
};

struct AddKeyResult {
  std::string objective_id;
  OptText id;
  std::string title, kind;
  std::optional<double> start, target;
  OptText unit;
  std::optional<double> weight;
};
struct UpdateKeyResult {
  std::string kr_id;
  OptText title;
  std::optional<double> target, weight;
  OptText reason;
  // Absent: unchanged; nullopt inside: unlink; an id: link to that KPI.
  std::optional<OptText> kpi_id = std::nullopt;
};
struct RemoveKeyResult {
  std::string kr_id;
  OptText reason;
};
struct RecordCheckIn {
  std::string kr_id;
  double value = 0;
  std::optional<std::int64_t> confidence;
  OptText note;
  std::optional<Date> date;  // default: today
  std::string source = "api";
};
struct GradeKeyResult {
  std::string kr_id;
  double score = 0;
  OptText note;
};

struct DefineKpi {
  OptText id;
  std::string name, unit;
  OptText owner;  // default: the caller
  std::optional<double> healthy_min, healthy_max;
  std::optional<std::int64_t> cadence_days;  // default 7
};
struct RecordMeasurement {
  std::string kpi_id;
  double value = 0;
  std::optional<Date> date;  // default: today
};

// Issues, as ReminderIssued events, what the reminder rules
// (projections/reminders.h) find due at `at` and was not issued before:
// each (kind, key) once. The handler evaluates the rules; `at` may be today
// or earlier, never later. Admins only.
//
// `streams`, when given, narrows the evaluation to the entities of those
// streams (DueRemindersFor): a driver that evaluated the whole state for
// `at` once re-evaluates only the streams written since, since on one date
// nothing else can become due. Absent: the whole state.
//
// The scheduled driver issues some kinds at a time and for some people at a
// time (each person's weekly schedule in their time zone): `kinds` (empty:
// every kind), `only_recipients` (absent: everyone) and
// `except_recipients` narrow what is issued. `policy` holds what the rules
// take from the people file (projections/reminders.h).
struct IssueReminders {
  Date at;
  std::optional<std::vector<std::string>> streams;
  ReminderPolicy policy;
  std::vector<std::string> kinds;
  std::optional<std::set<std::string>> only_recipients;
  std::set<std::string> except_recipients;
  // `at` may be this many days after today (UTC): a person's local date
  // east of UTC is a day ahead of it for up to 14 hours.
  int ahead_days = 0;
};
// The delivery worker's record of one reminder's delivery to one webhook.
// Admins only (the worker runs as the admin actor "okr-delivery"); a second
// outcome for the same (reminder, webhook) changes nothing.
struct RecordReminderOutcome {
  std::string reminder_id, webhook;
  std::int32_t attempts = 0;
  bool delivered = false;
  std::string error;
};
// A digest's delivery to one person on one people channel (slack, teams,
// email): which reminders it carried and its message id, delivered or
// given up with the last error. Admins only (the delivery workers); a
// second outcome for the same digest_id changes nothing.
struct RecordDigestOutcome {
  std::string digest_id, channel, recipient;
  std::vector<std::string> reminder_ids;
  std::string message_id;
  std::int32_t attempts = 0;
  bool delivered = false;
  std::string error;
};

// A cycle's objectives and key results from a spreadsheet
// (adapters/csv/okr_csv.h), all or nothing: each row is decided as the
// command it stands for, in file order, against the state with the rows
// before it; every refused row is reported (DomainError::lines). Admins
// only; the cycle must not be closed.
struct ImportRow {
  int line = 0;  // in the file; the header is line 1
  std::variant<CreateObjective, AddKeyResult> command;
};
struct ImportOkrs {
  std::string cycle_id;
  std::vector<ImportRow> rows;
};

// A signed checkpoint of the chain head (the checkpoint driver of okr serve
// --signing-key, as the admin actor "okr-checkpoints"). The head it signs
// must be the last event decided, so that the ChainHeadSigned event comes
// right after it (kConflict otherwise: the driver signs again later).
struct RecordCheckpoint {
  events::ChainHeadSigned signed_head;
};

using Command =
    std::variant<CreateCycle, StartCycle, CloseCycle, AddRetrospectiveNote,
                 CreateObjective, UpdateObjective, SetParent,
                 TransitionObjective, AddKeyResult, UpdateKeyResult,
                 RemoveKeyResult, RecordCheckIn, GradeKeyResult, DefineKpi,
                 RecordMeasurement, IssueReminders, RecordReminderOutcome,
                 RecordDigestOutcome, RecordCheckpoint, ImportOkrs>;

// The command's name for logs and metrics ("RecordCheckIn").
const char* CommandName(const Command& c);

}  // namespace okr

#endif  // OKR_ENGINE_COMMANDS_H_
