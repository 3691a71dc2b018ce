// What the files of EventStore (event_store*.cc) share: limits, RocksDB
// conversions, and the queued command. Not for use outside them.
//
// Thread safety: constants and functions of their arguments only; a
// Pending belongs to one thread at a time (the caller, then the queue under
// queue_mu_, then the writer).
#ifndef OKR_ENGINE_EVENT_STORE_INTERNAL_H_
#define OKR_ENGINE_EVENT_STORE_INTERNAL_H_

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/event_store.h"
#include "engine/status.h"
#include "engine/storage_format.h"

namespace okr {

namespace store_internal {

constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxDataBytes = 4u << 20;
// Reads of at least this many events are scans: they read ahead.
constexpr std::size_t kLongScan = 1024;

inline rocksdb::Slice AsSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

inline bool HasNul(std::string_view s) {
  return s.find('\0') != std::string::npos;
}

// A RocksDB status as ours: NotFound and Corruption kept, IOError otherwise;
// `what` says what was being done.
Status FromRocks(const rocksdb::Status& s, const std::string& what);

// The one rule of idempotency: what a command with `meta` gets for a key
// applied as `applied`: the original command's result (replayed) with the
// same fingerprint, IdempotencyMismatch with another.
Result<AppendResult> AnswerOfRecord(const format::IdempotencyRecord& applied,
                                    const CommandMeta& meta);

}  // namespace store_internal

// A command between AppendAsync and its answer.
struct EventStore::Pending {
  AppendRequest request;
  AppendCallback done;
  Result<AppendResult> outcome = Status::IOError("not decided");
  // True when the outcome depends on this group's batch being written.
  bool needs_write = false;
};

}  // namespace okr

#endif  // OKR_ENGINE_EVENT_STORE_INTERNAL_H_
