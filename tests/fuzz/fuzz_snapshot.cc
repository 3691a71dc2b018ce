// Fuzz target: snapshot files (engine/snapshot_store.h).
//
// Input: byte 0 picks the mode, the rest is the bytes.
//   bit 0 clear: a whole file through CheckFile() (magic, format version,
//                position, size, SHA-256), then Parse() of the body;
//   bit 0 set:   a body straight into Parse() (the SHA-256 check would
//                otherwise keep the fuzzer from ever reaching the body
//                decoder).
//   bit 1 picks the History mode the state loads in;
//   bits 2-7 the chunk size (1-64 bytes) of a second decoding of the body,
//                streamed (BoundedInputArchive's Source), a few bytes per
//                read: it must end as the decoding in memory does (both
//                fail, or both give the same state, compared as bytes).
// The position handed to Parse() is the one the body itself ends with, so
// that well-formed bodies pass its last check. Parse() must say OK or
// Corruption, never crash nor allocate without bound. A body that parses
// must serialize back (as SnapshotStore::Write does) to bytes that parse
// again and serialize to the same bytes (bytes, not OkrState::operator==:
// a NaN read from the input is not equal to itself).
#include <algorithm>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>
#include <string>

#include "engine/snapshot_store.h"
#include "events/bounded_input_archive.h"

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

std::string Serialized(const okr::OkrState& state) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(state);
  }
  return std::move(out).str();
}

// Equal as == tells. A NaN read from the bytes makes a state unequal to
// itself: then its saved bytes tell when it is full (only a full state is
// saved), and nothing can when it is compact.
bool Same(const okr::OkrState& a, const okr::OkrState& b, bool full) {
  if (a == a) return a == b;
  return !full || Serialized(a) == Serialized(b);
}

// The body decoded in memory and streamed `chunk` bytes at a time, read
// at most 3 bytes per call: the same outcome.
void CompareStreamed(const std::string& body, okr::History history,
                     std::size_t chunk) {
  // (A compact state is compared whole: only a full one is saved.)
  auto decode = [&](auto make_archive) -> std::optional<okr::OkrState> {
    okr::OkrState state(history);
    try {
      okr::BoundedInputArchive ar = make_archive();
      ar(state);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    return state;
  };
  auto whole = decode([&] { return okr::BoundedInputArchive(body); });
  std::size_t at = 0;
  auto streamed = decode([&] {
    return okr::BoundedInputArchive(
        [&](char* buffer, std::size_t size) {
          std::size_t n = std::min({size, body.size() - at, std::size_t{3}});
          std::memcpy(buffer, body.data() + at, n);
          at += n;
          return n;
        },
        body.size(), chunk);
  });
  Check(whole.has_value() == streamed.has_value());
  Check(!whole || Same(*whole, *streamed, history == okr::History::kFull));
}

void ParseBody(const std::string& body, okr::History history,
               std::size_t chunk) {
  CompareStreamed(body, history, chunk);
  okr::OkrState state(history);
  okr::Status s =
      okr::SnapshotStore::Parse(body, ClaimedPosition(body), &state);
  if (!s.ok()) {
    Check(s.IsCorruption());
    return;
  }
  if (history == okr::History::kLatestOnly) {
    // A compact load is the full load compacted (archive included).
    okr::OkrState full;
    Check(okr::SnapshotStore::Parse(body, ClaimedPosition(body), &full).ok());
    full.Compact();
    Check(Same(full, state, false));
    return;
  }
  std::string again = Serialized(state);
  okr::OkrState reloaded(history);
  Check(
      okr::SnapshotStore::Parse(again, state.last_position(), &reloaded).ok());
  Check(Serialized(reloaded) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 1) return 0;
  okr::History history =
      data[0] & 2 ? okr::History::kLatestOnly : okr::History::kFull;
  const std::size_t chunk = 1 + (data[0] >> 2);
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    ParseBody(bytes, history, chunk);
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
  ParseBody(body, history, chunk);
  return 0;
}
