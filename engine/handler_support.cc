#include "engine/handler_support.h"

#include <cstdio>

#include "events/envelope.h"
#include "events/utf8.h"

namespace okr::handlers {

Check CheckId(const std::string& field, const std::string& id) {
  if (ValidId(id)) return std::nullopt;
  return DomainError::Invalid(
      field, field + " \"" + id +
                 "\" is not a valid id: use 1-64 characters of a-z, 0-9, "
                 "'.', '_' or '-', starting with a letter or digit");
}

Check CheckText(const std::string& field, const std::string& text,
                std::size_t min, std::size_t max) {
  if (!IsValidUtf8(text)) {
    return DomainError{ErrorKind::kInvalid, "invalid-utf8", field,
                       field + " is not valid UTF-8"};
  }
  std::size_t chars = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++chars;
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F) {
      return DomainError::Invalid(field,
                                  field + " must not hold control characters");
    }
  }
  if (chars < min || chars > max) {
    return DomainError::Invalid(
        field, field + " must be " +
                   (min > 0 ? std::to_string(min) + " to " : "at most ") +
                   std::to_string(max) + " characters long (it is " +
                   std::to_string(chars) + ")");
  }
  return std::nullopt;
}

Check CheckActor(const std::string& field, const std::string& actor) {
  if (Check c = CheckText(field, actor, 1, 200)) return c;
  for (unsigned char c : actor) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      return DomainError::Invalid(field, field + " must not hold spaces");
    }
  }
  return std::nullopt;
}

Check CheckText(const std::string& field,
                const std::optional<std::string>& text, std::size_t min,
                std::size_t max) {
  return text ? CheckText(field, *text, min, max) : std::nullopt;
}

Check CheckId(const std::string& field, const std::optional<std::string>& id) {
  return id ? CheckId(field, *id) : std::nullopt;
}

Check CheckActor(const std::string& field,
                 const std::optional<std::string>& actor) {
  return actor ? CheckActor(field, *actor) : std::nullopt;
}

int LevelRank(const std::string& level) {
  if (level == "company") return 4;
  if (level == "department") return 3;
  if (level == "team") return 2;
  if (level == "individual") return 1;
  return 0;
}

std::string NewId(const std::string& prefix, std::size_t start,
                  const std::function<bool(const std::string&)>& taken) {
  for (std::size_t n = start;; ++n) {
    std::string id = prefix + "-" + std::to_string(n);
    if (!taken(id)) return id;
  }
}

Outcome<const Cycle*> GetCycle(const OkrState& s, const std::string& field,
                               const std::string& id) {
  if (const Cycle* c = s.FindCycle(id)) return c;
  return DomainError::NotFound(field, "no cycle \"" + id + "\"");
}

Outcome<const Objective*> GetObjective(const OkrState& s,
                                       const std::string& field,
                                       const std::string& id) {
  if (const Objective* o = s.FindObjective(id)) return o;
  return DomainError::NotFound(field, "no objective \"" + id + "\"");
}

Outcome<const KeyResult*> GetKeyResult(const OkrState& s,
                                       const std::string& field,
                                       const std::string& id) {
  if (const KeyResult* k = s.FindKeyResult(id)) return k;
  return DomainError::NotFound(field, "no key result \"" + id + "\"");
}

Check MayWrite(const Caller& caller, const std::string& owner,
               const std::string& what) {
  // A bot got here only for what it is granted (Decide).
  if (caller.admin() || caller.bot() || caller.actor == owner) {
    return std::nullopt;
  }
  return DomainError::Forbidden(caller.actor + " may not change " + what +
                                ": it belongs to " + owner +
                                " (members write only what they own)");
}

Check Unlocked(const Cycle& cycle) {
  if (cycle.state != CycleState::kClosed) return std::nullopt;
  return DomainError::Conflict(
      "cycle-closed",
      "cycle " + cycle.id + " is closed: it takes no more changes");
}

Check CheckAlignment(const OkrState& s, const std::string& id,
                     const std::string& cycle, const std::string& level,
                     const std::string& parent_id) {
  if (parent_id == id) {
    return DomainError::Rule("alignment-self", "parent_id",
                             "an objective cannot be its own parent");
  }
  const Objective* parent = s.FindObjective(parent_id);
  if (parent == nullptr) {
    return DomainError::NotFound("parent_id",
                                 "no objective \"" + parent_id + "\"");
  }
  if (parent->cycle_id != cycle) {
    return DomainError::Rule("alignment-cycle", "parent_id",
                             "the parent " + parent_id + " is in cycle " +
                                 parent->cycle_id + ", not " + cycle +
                                 ": objectives align within one cycle");
  }
  if (parent->state == ObjectiveState::kAbandoned) {
    return DomainError::Rule(
        "alignment-abandoned", "parent_id",
        "the parent " + parent_id + " is abandoned: align under a live one");
  }
  if (LevelRank(parent->level) < LevelRank(level)) {
    return DomainError::Rule("alignment-level", "parent_id",
                             "a " + level +
                                 " objective cannot align under a lower (" +
                                 parent->level + ") objective");
  }
  // Walk up from the parent; meeting `id` means it is its own descendant.
  const Objective* at = parent;
  for (std::size_t steps = 0; at != nullptr && steps <= s.objectives().size();
       ++steps) {
    if (at->id == id) {
      return DomainError::Rule(
          "alignment-loop", "parent_id",
          parent_id + " is aligned under " + id +
              ": an objective cannot align under its own descendant");
    }
    at = at->parent_id ? s.FindObjective(*at->parent_id) : nullptr;
  }
  return std::nullopt;
}

Check CheckFocusLimit(const OkrState& s, const Limits& limits,
                      const std::string& cycle, const std::string& owner) {
  int open = s.OpenObjectives(cycle, owner);
  if (open < limits.max_objectives) return std::nullopt;
  return DomainError::Rule("focus-limit", "owner",
                           owner + " already has " + std::to_string(open) +
                               " draft or active objectives in cycle " + cycle +
                               "; the focus limit is " +
                               std::to_string(limits.max_objectives));
}

std::string QuarterName(Date d) {
  std::string iso = d.ToString();  // YYYY-MM-DD
  int month = std::stoi(iso.substr(5, 2));
  return iso.substr(0, 4) + "-Q" + std::to_string((month - 1) / 3 + 1);
}

}  // namespace okr::handlers
