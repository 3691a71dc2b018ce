#include "engine/command_handlers.h"

#include <type_traits>

#include "engine/handler_support.h"

namespace okr {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kBot:
      return "bot";
    case Role::kMember:
      break;
  }
  return "member";
}

namespace {

// A bot may only check in on the key results and measure the KPIs it is
// granted (the tokens file): nothing else.
std::optional<DomainError> BotMay(const Caller& caller,
                                  const Command& command) {
  std::string grant;
  if (const auto* c = std::get_if<RecordCheckIn>(&command)) {
    grant = "kr/" + c->kr_id;
  } else if (const auto* m = std::get_if<RecordMeasurement>(&command)) {
    grant = "kpi/" + m->kpi_id;
  }
  if (!grant.empty() && caller.grants.count(grant) != 0) return std::nullopt;
  return DomainError::Forbidden(
      "bot " + caller.actor +
      " may only check in on the key results and measure the KPIs it is "
      "granted" +
      (grant.empty() ? std::string() : " (not " + grant + ")"));
}

}  // namespace

const char* CommandName(const Command& c) {
  static constexpr const char* kNames[] = {"CreateCycle",
                                           "StartCycle",
                                           "CloseCycle",
                                           "AddRetrospectiveNote",
                                           "CreateObjective",
                                           "UpdateObjective",
                                           "SetParent",
                                           "TransitionObjective",
                                           "AddKeyResult",
                                           "UpdateKeyResult",
                                           "RemoveKeyResult",
                                           "RecordCheckIn",
                                           "GradeKeyResult",
                                           "DefineKpi",
                                           "RecordMeasurement",
                                           "IssueReminders",
                                           "RecordReminderOutcome",
                                           "RecordDigestOutcome",
                                           "RecordCheckpoint",
                                           "ImportOkrs"};
  static_assert(std::size(kNames) == std::variant_size_v<Command>);
  return kNames[c.index()];
}

std::string TargetStream(const Command& command) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, StartCycle> ||
                      std::is_same_v<T, CloseCycle> ||
                      std::is_same_v<T, AddRetrospectiveNote>) {
          return "cycle/" + c.cycle_id;
        } else if constexpr (std::is_same_v<T, UpdateObjective> ||
                             std::is_same_v<T, SetParent> ||
                             std::is_same_v<T, TransitionObjective> ||
                             std::is_same_v<T, AddKeyResult>) {
          return "objective/" + c.objective_id;
        } else if constexpr (std::is_same_v<T, UpdateKeyResult> ||
                             std::is_same_v<T, RemoveKeyResult> ||
                             std::is_same_v<T, RecordCheckIn> ||
                             std::is_same_v<T, GradeKeyResult>) {
          return "kr/" + c.kr_id;
        } else if constexpr (std::is_same_v<T, RecordMeasurement>) {
          return "kpi/" + c.kpi_id;
        } else if constexpr (std::is_same_v<T, RecordReminderOutcome>) {
          return "reminder/" + c.reminder_id;
        } else if constexpr (std::is_same_v<T, RecordDigestOutcome>) {
          return "digest/" + c.digest_id;
        } else {
          return "";
        }
      },
      command);
}

bool NeedsFullState(const OkrState& compact, const Command& command) {
  const auto* issue = std::get_if<IssueReminders>(&command);
  return issue != nullptr && !compact.ExactAt(issue->at);
}

ArchivedIds ArchivedNamed(const OkrState& compact, const Command& command) {
  ArchivedIds out;
  auto objective = [&](const std::optional<std::string>& id) {
    if (id && compact.ObjectiveArchived(*id)) out.objectives.push_back(*id);
  };
  auto key_result = [&](const std::optional<std::string>& id) {
    if (id && compact.KeyResultArchived(*id)) out.key_results.push_back(*id);
  };
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, AddRetrospectiveNote>) {
          objective(c.objective_id);
        } else if constexpr (std::is_same_v<T, CreateObjective>) {
          objective(c.id);
          objective(c.parent_id);
        } else if constexpr (std::is_same_v<T, UpdateObjective> ||
                             std::is_same_v<T, TransitionObjective>) {
          objective(c.objective_id);
        } else if constexpr (std::is_same_v<T, SetParent>) {
          objective(c.objective_id);
          objective(c.parent_id);
        } else if constexpr (std::is_same_v<T, AddKeyResult>) {
          objective(c.objective_id);
          key_result(c.id);
        } else if constexpr (std::is_same_v<T, UpdateKeyResult> ||
                             std::is_same_v<T, RemoveKeyResult> ||
                             std::is_same_v<T, RecordCheckIn> ||
                             std::is_same_v<T, GradeKeyResult>) {
          key_result(c.kr_id);
        } else if constexpr (std::is_same_v<T, ImportOkrs>) {
          // Parents in a closed cycle: so that the alignment rule answers.
          for (const ImportRow& row : c.rows) {
            if (const auto* o = std::get_if<CreateObjective>(&row.command)) {
              objective(o->parent_id);
            }
          }
        }
      },
      command);
  return out;
}

Outcome<Decision> Decide(const OkrState& state, const Limits& limits,
                         const Caller& caller, Date today,
                         const Command& command,
                         std::optional<std::uint64_t> if_match) {
  if (caller.actor.empty()) {
    return DomainError{ErrorKind::kUnauthorised, "unauthorised", "",
                       "no caller: every command needs an actor"};
  }
  if (caller.bot()) {
    if (std::optional<DomainError> e = BotMay(caller, command)) return *e;
  }
  // If-Match is checked once the target is known to exist, so an unknown id
  // is still a 404; the handler decides everything else.
  if (if_match) {
    std::string stream = TargetStream(command);
    std::uint64_t version = stream.empty() ? 0 : state.StreamVersion(stream);
    if (version != 0 && version != *if_match) {
      return DomainError::Stale(
          stream + " is at version " + std::to_string(version) + ", not " +
          std::to_string(*if_match) + " as If-Match says: read it again");
    }
  }
  handlers::Context ctx{state, limits, caller, today};
  return std::visit([&](const auto& c) { return handlers::Handle(ctx, c); },
                    command);
}

}  // namespace okr
