// What the three files of OkrEngine share (okr_engine.cc,
// okr_engine_decide.cc, okr_engine_read.cc); not part of its interface.
//
// Thread safety: pure functions.
#ifndef OKR_ENGINE_OKR_ENGINE_INTERNAL_H_
#define OKR_ENGINE_OKR_ENGINE_INTERNAL_H_

#include <cstdint>
#include <string>

#include "engine/status.h"

namespace okr::internal {

// The one answer to an event that does not decode: Corruption naming its
// position (start-up, the projector, time travel and history all say it).
Status Undecodable(std::uint64_t position, const std::string& error);

}  // namespace okr::internal

#endif  // OKR_ENGINE_OKR_ENGINE_INTERNAL_H_
