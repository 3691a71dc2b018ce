// Command handlers: each command of the API (docs/openapi.yaml) decided against
// the current state, giving the events to append or the DomainError that
// refuses it. Every workflow rule (docs/domain-rules.md) is decided here and
// nowhere else.
//
// Thread safety: pure functions of their arguments; the caller keeps the
// state still while one runs.
//
// Order of checks, the same for every command: malformed input (kInvalid),
// unknown ids (kNotFound), If-Match (kStale, as soon as the target exists),
// permission (kForbidden), the state of the resources (kConflict), then the
// domain rules (kRule). So a request wrong in several ways gets the most
// basic answer first. docs/domain-rules.md lists every slug.
#ifndef OKR_ENGINE_COMMAND_HANDLERS_H_
#define OKR_ENGINE_COMMAND_HANDLERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/domain_error.h"
#include "events/catalogue.h"
#include "projections/okr_state.h"

namespace okr {

// The limits, server options (docs/domain-rules.md).
struct Limits {
  int max_objectives = 5;   // draft or active, per owner per cycle
  int max_key_results = 5;  // not removed, per objective
};

struct Decision {
  // What to append, in order; empty when the command changes nothing (a
  // PATCH with the values already there): then nothing is appended and the
  // answer is the resource as it is.
  std::vector<events::Event> events;
  // The stream of the resource the command is about ("kr/nps"): its version
  // is the ETag, and If-Match refers to it.
  std::string stream;
  std::string id;  // that resource's id (created ones included)
  // Who each event is by, when not the caller: empty, or one per event
  // (an empty one: the caller). A KPI's measurement makes check-ins by
  // "kpi:<id>".
  std::vector<std::string> actors = {};
};

// The stream If-Match refers to; empty for commands that create their
// resource (POST /v1/cycles, /v1/objectives, /v1/kpis).
std::string TargetStream(const Command& command);

// Whether `command` must be decided against the full state rather than
// `compact` (History::kLatestOnly): reminders for a date the compact state
// cannot answer for (OkrState::ExactAt).
bool NeedsFullState(const OkrState& compact, const Command& command);

// The objectives and key results `command` names (as its target, a parent,
// or the id it would create) that `compact` archived: the caller brings
// them back (OkrState::Restore) before deciding, so that the answer is the
// full state's. Both empty for most commands.
struct ArchivedIds {
  std::vector<std::string> objectives, key_results;
  bool empty() const { return objectives.empty() && key_results.empty(); }
};
ArchivedIds ArchivedNamed(const OkrState& compact, const Command& command);

// Decides `command` for `caller` on `today` against `state`. With
// `if_match`, the target stream must be at that version (else kStale).
Outcome<Decision> Decide(const OkrState& state, const Limits& limits,
                         const Caller& caller, Date today,
                         const Command& command,
                         std::optional<std::uint64_t> if_match = std::nullopt);

}  // namespace okr

#endif  // OKR_ENGINE_COMMAND_HANDLERS_H_
