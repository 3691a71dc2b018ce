// The on-disk format of the event store: column families, keys, values and
// the canonical envelope bytes that the hash chain covers. This comment is
// the one place the format is written down; docs/on-disk-format.md repeats
// it for readers without the source.
//
// Thread safety: pure functions.
//
// Primitive encodings (all integers big-endian, so that keys sort
// numerically):
//   u32   := 4 bytes            u64 := 8 bytes        i64 := u64 of the
//   two's-complement value      str := len:u32 bytes[len]
//   hash  := 32 bytes (SHA-256)
//
// Column families and their records:
//   "default"       meta
//     "format"                      -> u32               (kFormatVersion)
//     "head"                        -> position:u64 hash recorded_at:i64
//   "log"           the events, in log order
//     position:u64                  -> envelope hash
//   "streams"       stream index, one entry per event
//     stream 0x00 version:u64       -> position:u64
//   "idempotency"   applied idempotency keys, kept as long as the log
//     actor 0x00 key                -> idem_record
//   "checkpoints"   durable subscriber checkpoints
//     subscriber                    -> position:u64
//   "subscriber_state"  a subscriber's own data, written with its checkpoint
//     subscriber 0x00 key           -> bytes
//
//   envelope := position:u64 stream:str version:u64 type:str
//               schema_version:u32 recorded_at:i64 actor:str command_id:str
//               data:str prev_hash:hash
//   idem_record := fingerprint:str first_position:u64 last_position:u64
//                  recorded_at:i64 command_id:str response:str
//
// Hash chain: hash(n) = SHA-256(prev_hash(n) || envelope(n)), with
// prev_hash(1) = 32 zero bytes and prev_hash(n) = hash(n - 1). Stream names,
// actors and subscriber names never contain 0x00 (the store refuses them).
#ifndef OKR_ENGINE_STORAGE_FORMAT_H_
#define OKR_ENGINE_STORAGE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "events/envelope.h"

namespace okr::format {

inline constexpr std::uint32_t kFormatVersion = 1;

inline constexpr char kMetaFamily[] = "default";
inline constexpr char kLogFamily[] = "log";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kIdempotencyFamily[] = "idempotency";
inline constexpr char kCheckpointsFamily[] = "checkpoints";
inline constexpr char kSubscriberStateFamily[] = "subscriber_state";
// Every family, in the order the store opens them.
inline constexpr const char* kFamilies[] = {
    kMetaFamily,        kLogFamily,         kStreamsFamily,
    kIdempotencyFamily, kCheckpointsFamily, kSubscriberStateFamily};

inline constexpr char kFormatKey[] = "format";
inline constexpr char kHeadKey[] = "head";

void PutU32(std::string* out, std::uint32_t v);
void PutU64(std::string* out, std::uint64_t v);
void PutStr(std::string* out, std::string_view s);

// Reads primitives from the front of a byte string. Every Get returns false,
// leaving the output unchanged, when the input is too short.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool GetU32(std::uint32_t* v);
  bool GetU64(std::uint64_t* v);
  bool GetI64(std::int64_t* v);
  bool GetStr(std::string* s);
  bool GetHash(Hash* h);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

std::string PositionKey(std::uint64_t position);
// REQUIRES: key.size() == 8. Returns the position.
std::uint64_t DecodePositionKey(std::string_view key);
std::string StreamIndexKey(std::string_view stream, std::uint64_t version);
// The prefix of every index key of `stream`.
std::string StreamIndexPrefix(std::string_view stream);
std::string PairKey(std::string_view owner, std::string_view key);

// Canonical bytes of the envelope without its hash (the grammar above).
std::string EncodeEnvelope(const RecordedEvent& e);
// hash = SHA-256(prev_hash || EncodeEnvelope(e)).
Hash ComputeHash(const RecordedEvent& e);
// The same, for an envelope already encoded.
Hash HashEnvelope(const Hash& prev_hash, std::string_view envelope);
// The "log" value: envelope followed by hash.
std::string EncodeLogValue(const RecordedEvent& e);
// Parses a "log" value. Returns false on malformed bytes.
bool DecodeLogValue(std::string_view value, RecordedEvent* e);

struct Head {
  std::uint64_t position = 0;
  Hash hash{};
  std::int64_t recorded_at_us = 0;
};
std::string EncodeHead(const Head& head);
bool DecodeHead(std::string_view value, Head* head);

struct IdempotencyRecord {
  std::string fingerprint;
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::int64_t recorded_at_us = 0;
  std::string command_id;
  std::string response;
};
std::string EncodeIdempotency(const IdempotencyRecord& r);
bool DecodeIdempotency(std::string_view value, IdempotencyRecord* r);

}  // namespace okr::format

#endif  // OKR_ENGINE_STORAGE_FORMAT_H_
