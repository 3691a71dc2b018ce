// Helpers shared by the command handlers: input checks, lookups that refuse
// with kNotFound, permissions and alignment. Internal to engine/.
//
// Thread safety: pure functions.
#ifndef OKR_ENGINE_HANDLER_SUPPORT_H_
#define OKR_ENGINE_HANDLER_SUPPORT_H_

#include <functional>
#include <optional>
#include <string>

#include "engine/command_handlers.h"

namespace okr::handlers {

using Check = std::optional<DomainError>;

// `id` matches [a-z0-9][a-z0-9._-]{0,63}.
Check CheckId(const std::string& field, const std::string& id);
// Between min and max characters (UTF-8 code points), no control characters
// but newlines and tabs.
Check CheckText(const std::string& field, const std::string& text,
                std::size_t min, std::size_t max);
// The same for an optional field: absent passes.
Check CheckText(const std::string& field,
                const std::optional<std::string>& text, std::size_t min,
                std::size_t max);
Check CheckId(const std::string& field, const std::optional<std::string>& id);
Check CheckActor(const std::string& field,
                 const std::optional<std::string>& actor);
// A person's name as it appears in the tokens file: 1-200 characters, no
// whitespace or control characters.
Check CheckActor(const std::string& field, const std::string& actor);

// Rank of an objective level: company 4 > department 3 > team 2 >
// individual 1; 0 for anything else.
int LevelRank(const std::string& level);

// A fresh id "<prefix>-<n>" that `taken` says is free.
std::string NewId(const std::string& prefix, std::size_t start,
                  const std::function<bool(const std::string&)>& taken);

// Lookups that answer kNotFound naming `field`.
Outcome<const Cycle*> GetCycle(const OkrState& s, const std::string& field,
                               const std::string& id);
Outcome<const Objective*> GetObjective(const OkrState& s,
                                       const std::string& field,
                                       const std::string& id);
Outcome<const KeyResult*> GetKeyResult(const OkrState& s,
                                       const std::string& field,
                                       const std::string& id);

// Admins write anything; members what they own.
Check MayWrite(const Caller& caller, const std::string& owner,
               const std::string& what);

// The cycle takes no more changes once closed (kConflict "cycle-closed").
Check Unlocked(const Cycle& cycle);

// The alignment rules (docs/domain-rules.md) for objective `id` (of `cycle` and
// `level`) under `parent_id`: not itself, parent exists (kNotFound), same
// cycle, parent not abandoned, parent of the same or a higher level, and
// not one of its own descendants.
Check CheckAlignment(const OkrState& s, const std::string& id,
                     const std::string& cycle, const std::string& level,
                     const std::string& parent_id);

// The focus limit: `owner` may hold another draft or active objective in
// `cycle`.
Check CheckFocusLimit(const OkrState& s, const Limits& limits,
                      const std::string& cycle, const std::string& owner);

// "2026-Q4" for a date in October 2026.
std::string QuarterName(Date d);

// What every handler decides against.
struct Context {
  const OkrState& state;
  const Limits& limits;
  const Caller& caller;
  Date today;
};

// One handler per command (cycle_handlers.cc, objective_handlers.cc,
// key_result_handlers.cc, kpi_handlers.cc).
Outcome<Decision> Handle(const Context& c, const CreateCycle& cmd);
Outcome<Decision> Handle(const Context& c, const StartCycle& cmd);
Outcome<Decision> Handle(const Context& c, const CloseCycle& cmd);
Outcome<Decision> Handle(const Context& c, const AddRetrospectiveNote& cmd);
Outcome<Decision> Handle(const Context& c, const CreateObjective& cmd);
Outcome<Decision> Handle(const Context& c, const UpdateObjective& cmd);
Outcome<Decision> Handle(const Context& c, const SetParent& cmd);
Outcome<Decision> Handle(const Context& c, const TransitionObjective& cmd);
Outcome<Decision> Handle(const Context& c, const AddKeyResult& cmd);
Outcome<Decision> Handle(const Context& c, const UpdateKeyResult& cmd);
Outcome<Decision> Handle(const Context& c, const RemoveKeyResult& cmd);
Outcome<Decision> Handle(const Context& c, const RecordCheckIn& cmd);
Outcome<Decision> Handle(const Context& c, const GradeKeyResult& cmd);
Outcome<Decision> Handle(const Context& c, const DefineKpi& cmd);
Outcome<Decision> Handle(const Context& c, const RecordMeasurement& cmd);
Outcome<Decision> Handle(const Context& c, const IssueReminders& cmd);
Outcome<Decision> Handle(const Context& c, const RecordReminderOutcome& cmd);
Outcome<Decision> Handle(const Context& c, const RecordDigestOutcome& cmd);
Outcome<Decision> Handle(const Context& c, const RecordCheckpoint& cmd);
Outcome<Decision> Handle(const Context& c, const ImportOkrs& cmd);

}  // namespace okr::handlers

#endif  // OKR_ENGINE_HANDLER_SUPPORT_H_
