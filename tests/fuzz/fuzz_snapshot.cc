// Fuzz target: snapshot files (engine/snapshot_store.h).
//
// Input: byte 0 picks the mode, the rest is the bytes.
//   bit 0 clear: a whole file through CheckFile() (magic, format version,
//                position, size, SHA-256), then Parse() of the body;
//   bit 0 set:   a body straight into Parse() (the SHA-256 check would
//                otherwise keep the fuzzer from ever reaching the body
//                decoder).
//   bit 1 picks the History mode the state loads in.
// The position handed to Parse() is the one the body itself ends with, so
// that well-formed bodies pass its last check. Parse() must say OK or
// Corruption, never crash nor allocate without bound. A body that parses
// must serialize back (as SnapshotStore::Write does) to bytes that parse
// again and serialize to the same bytes (bytes, not OkrState::operator==:
// a NaN read from the input is not equal to itself).
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "engine/snapshot_store.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// The position a body ends with (OkrState::save writes last_position_ then
// last_recorded_at_us_ last, 8 bytes each, little-endian).
std::uint64_t ClaimedPosition(const std::string& body) {
  if (body.size() < 16) return 0;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(
             static_cast<unsigned char>(body[body.size() - 16 + i]))
         << (8 * i);
  }
  return v;
}

void ParseBody(const std::string& body, okr::History history) {
  okr::OkrState state(history);
  okr::Status s =
      okr::SnapshotStore::Parse(body, ClaimedPosition(body), &state);
  if (!s.ok()) {
    Check(s.IsCorruption());
    return;
  }
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(state);
  }
  std::string again = std::move(out).str();
  okr::OkrState reloaded(history);
  Check(
      okr::SnapshotStore::Parse(again, state.last_position(), &reloaded).ok());
  std::ostringstream out2;
  {
    cereal::PortableBinaryOutputArchive ar(out2);
    ar(reloaded);
  }
  Check(std::move(out2).str() == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 1) return 0;
  okr::History history =
      data[0] & 2 ? okr::History::kLatestOnly : okr::History::kFull;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    ParseBody(bytes, history);
    return 0;
  }
  // The position a file claims is at bytes 12..19 of its header.
  std::uint64_t position = 0;
  for (int i = 0; i < 8 && 12 + i < static_cast<int>(bytes.size()); ++i) {
    position |=
        static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[12 + i]))
        << (8 * i);
  }
  std::string body;
  okr::Status s = okr::SnapshotStore::CheckFile(std::move(bytes), position,
                                                "fuzz.snap", &body);
  if (!s.ok()) {
    Check(s.IsCorruption());
    return 0;
  }
  ParseBody(body, history);
  return 0;
}
