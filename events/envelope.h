// The envelope every stored event travels in (docs/on-disk-format.md).
//
// Thread safety: plain values; no internal synchronisation.
//
// This header is the shared vocabulary of the store (engine/), the
// projections and the adapters. It knows nothing of RocksDB or HTTP: the
// byte layout on disk is engine/storage_format.h (docs/on-disk-format.md).
#ifndef OKR_EVENTS_ENVELOPE_H_
#define OKR_EVENTS_ENVELOPE_H_

#include <array>
#include <cstdint>
#include <string>

#include "events/instant.h"  // recorded_at as text

namespace okr {

// A SHA-256 digest.
using Hash = std::array<std::uint8_t, 32>;

// Lowercase hex of a digest (64 characters).
std::string HashToHex(const Hash& hash);
// Parses 64 hex characters (either case). Returns false, leaving *out
// unchanged, on anything else.
bool HashFromHex(const std::string& hex, Hash* out);

// An event as the caller hands it to the store: which stream it belongs to,
// what it is, and its payload. The store assigns everything else.
struct NewEvent {
  std::string stream;  // "objective/o-1"; see ValidStreamName()
  std::string type;    // "ObjectiveCreated"
  std::uint32_t schema_version = 1;
  std::string data;  // serialized payload; opaque to the store
  // Who the event is by, when not the command's actor (a check-in a KPI's
  // measurement makes is by "kpi:<id>"); empty: the command's.
  std::string actor;
};

// An event as recorded in the log, with its full envelope.
struct RecordedEvent {
  std::uint64_t position = 0;  // global, 1-based, gapless
  std::string stream;
  std::uint64_t version = 0;  // 1-based within its stream
  std::string type;
  std::uint32_t schema_version = 1;
  std::int64_t recorded_at_us = 0;  // UTC microseconds since the Unix epoch
  std::string actor;
  std::string command_id;
  std::string data;
  Hash prev_hash{};  // hash of position - 1; 32 zero bytes for position 1
  Hash hash{};

  bool operator==(const RecordedEvent&) const = default;
};

// A stream name is "<kind>/<id>": kind one of cycle, objective, kr, kpi,
// reminder, and more the catalogue may add (lowercase letters), id matching
// [a-z0-9][a-z0-9._-]{0,63}.
bool ValidStreamName(const std::string& stream);
// An id: [a-z0-9][a-z0-9._-]{0,63}.
bool ValidId(const std::string& id);

}  // namespace okr

#endif  // OKR_EVENTS_ENVELOPE_H_
