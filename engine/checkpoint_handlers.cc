// The handler of RecordCheckpoint (engine/commands.h): the server's signed
// checkpoints of the chain head.
#include <string>

#include "engine/handler_support.h"

namespace okr::handlers {

Outcome<Decision> Handle(const Context& c, const RecordCheckpoint& cmd) {
  if (!c.caller.admin()) {
    return DomainError::Forbidden("only the server records checkpoints");
  }
  const events::ChainHeadSigned& h = cmd.signed_head;
  if (h.position == 0 || h.position != c.state.last_position()) {
    return DomainError::Conflict(
        "head-moved", "the checkpoint signs position " +
                          std::to_string(h.position) + " but the log is at " +
                          std::to_string(c.state.last_position()));
  }
  Decision d{{h}, "chain/head", "head"};
  return d;
}

}  // namespace okr::handlers
