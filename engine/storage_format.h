// The on-disk format of the event store: column families, keys, values and
// the canonical envelope bytes that the hash chain covers. The grammar is
// written down once, in docs/on-disk-format.md ("Primitives", "Column
// families", "Hash chain"); these functions are its only implementation.
// Change one, change the other, and bump kFormatVersion.
//
// Thread safety: pure functions.
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
