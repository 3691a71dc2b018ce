// EventStore's reads: the log, streams, idempotency records, subscriber
// checkpoints and state, subscriptions and durable waiters. Every read holds
// db_mu_ shared and is bounded by LastPosition(), so it never shows an
// event whose batch is not durable; none waits for the writer.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cassert>

#include "engine/event_store.h"
#include "engine/event_store_internal.h"
#include "engine/subscription.h"

namespace okr {

using store_internal::AnswerOfRecord;
using store_internal::AsSlice;
using store_internal::FromRocks;
using store_internal::HasNul;
using store_internal::kLongScan;
using store_internal::kMaxNameBytes;

Result<std::vector<RecordedEvent>> EventStore::ReadAll(
    std::uint64_t from_position, std::size_t max_count) const {
  std::vector<RecordedEvent> out;
  if (max_count == 0) return out;
  Status s =
      Scan(from_position, max_count >= kLongScan, [&](const RecordedEvent& e) {
        out.push_back(e);
        return out.size() < max_count;
      });
  if (!s.ok()) return s;
  return out;
}

Status EventStore::ForEach(
    std::uint64_t from_position,
    const std::function<bool(const RecordedEvent&)>& fn) const {
  return Scan(from_position, /*long_scan=*/true, fn);
}

Status EventStore::Scan(
    std::uint64_t from_position, bool long_scan,
    const std::function<bool(const RecordedEvent&)>& fn) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::uint64_t last = LastPosition();
  if (from_position == 0) from_position = 1;
  if (from_position > last) return Status::OK();
  std::string upper = format::PositionKey(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  if (long_scan) {
    // A replay: read ahead, and keep the block cache for point reads.
    ro.readahead_size = 2u << 20;
    ro.fill_cache = false;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log_cf_));
  RecordedEvent e;
  std::uint64_t expected = from_position;
  for (it->Seek(format::PositionKey(from_position)); it->Valid(); it->Next()) {
    rocksdb::Slice v = it->value();
    if (!format::DecodeLogValue(std::string_view(v.data(), v.size()), &e) ||
        e.position != expected) {
      return Status::Corruption("log entry at position " +
                                std::to_string(expected) + " is unreadable");
    }
    ++expected;
    if (!fn(e)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan log");
  if (expected != last + 1) {
    return Status::Corruption("log ends at " + std::to_string(expected - 1) +
                              ", expected " + std::to_string(last));
  }
  return Status::OK();
}

Result<std::vector<RecordedEvent>> EventStore::ReadStream(
    const std::string& stream, std::uint64_t from_version,
    std::size_t max_count) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::vector<RecordedEvent> out;
  if (!ValidStreamName(stream)) return out;
  std::uint64_t last = LastPosition();
  std::string prefix = format::StreamIndexPrefix(stream);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_cf_));
  std::vector<std::string> keys;
  for (it->Seek(format::StreamIndexKey(
           stream, std::max<std::uint64_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix) && keys.size() < max_count;
       it->Next()) {
    rocksdb::Slice v = it->value();
    if (v.size() != 8) return Status::Corruption("malformed stream index");
    if (format::DecodePositionKey(std::string_view(v.data(), 8)) > last) break;
    keys.emplace_back(v.data(), v.size());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan stream index");
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), log_cf_);
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  out.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok() || !format::DecodeLogValue(values[i], &out[i]) ||
        out[i].stream != stream) {
      return Status::Corruption(
          "stream " + stream + " points at an " +
          "unreadable event at position " +
          std::to_string(format::DecodePositionKey(keys[i])));
    }
  }
  return out;
}

Result<std::uint64_t> EventStore::PositionAsOf(std::int64_t as_of_us) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  const std::uint64_t last = LastPosition();
  std::string value;
  RecordedEvent e;
  // Invariant: recorded_at(lo) <= as_of (lo = 0 stands for "before the
  // log"); each step tries lo + 2^k, largest stride first.
  std::uint64_t lo = 0;
  for (int k = 63; k >= 0; --k) {
    const std::uint64_t stride = std::uint64_t{1} << k;
    if (stride > last || lo > last - stride) continue;
    const std::uint64_t p = lo + stride;
    const bool cacheable = p % kProbeCacheStride == 0;
    std::optional<std::int64_t> at;
    if (cacheable) {
      MutexLock lock(&probes_mu_);
      if (auto it = probes_.find(p); it != probes_.end()) at = it->second;
    }
    if (!at) {
      rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_cf_,
                                    format::PositionKey(p), &value);
      if (!rs.ok()) return FromRocks(rs, "read log");
      if (!format::DecodeLogValue(value, &e)) {
        return Status::Corruption("log entry at position " + std::to_string(p) +
                                  " is unreadable");
      }
      at = e.recorded_at_us;
      if (cacheable) {
        MutexLock lock(&probes_mu_);
        if (probes_.size() < kProbeCacheMax) probes_.emplace(p, *at);
      }
    }
    if (*at <= as_of_us) lo = p;
  }
  return lo;
}

Result<std::uint64_t> EventStore::StreamVersion(
    const std::string& stream) const {
  return DurableStreamVersion(stream);
}

Result<std::uint64_t> EventStore::DurableStreamVersion(
    const std::string& stream) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  if (!ValidStreamName(stream)) return std::uint64_t{0};
  return LastIndexedVersion(stream, LastPosition());
}

Result<std::uint64_t> EventStore::LastIndexedVersion(
    const std::string& stream, std::uint64_t max_position) const {
  // A forward walk of the stream's index entries: streams are short (a key
  // result gets a check-in a week), and the writer caches the answer.
  std::string prefix = format::StreamIndexPrefix(stream);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_cf_));
  std::uint64_t version = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (v.size() != 8 || k.size() != prefix.size() + 8) {
      return Status::Corruption("malformed stream index entry of " + stream);
    }
    if (format::DecodePositionKey(std::string_view(v.data(), 8)) >
        max_position) {
      break;
    }
    version = format::DecodePositionKey(
        std::string_view(k.data() + prefix.size(), 8));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan stream index");
  return version;
}

Result<std::optional<AppendResult>> EventStore::AnswerByKey(
    const CommandMeta& meta) const {
  assert(!meta.idempotency_key.empty());
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs =
      db_->Get(rocksdb::ReadOptions(), idem_cf_,
               format::PairKey(meta.actor, meta.idempotency_key), &value);
  if (rs.IsNotFound()) return std::optional<AppendResult>();
  if (!rs.ok()) return FromRocks(rs, "read idempotency key");
  format::IdempotencyRecord rec;
  if (!format::DecodeIdempotency(value, &rec)) {
    return Status::Corruption("malformed idempotency record");
  }
  if (rec.last_position > LastPosition()) return std::optional<AppendResult>();
  Result<AppendResult> answer = AnswerOfRecord(rec, meta);
  if (!answer.ok()) return answer.status();
  return std::optional<AppendResult>(std::move(answer).value());
}

Result<std::uint64_t> EventStore::LoadCheckpoint(
    const std::string& subscriber) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), checkpoints_cf_,
                                AsSlice(subscriber), &value);
  if (rs.IsNotFound()) return std::uint64_t{0};
  if (!rs.ok()) return FromRocks(rs, "read checkpoint");
  if (value.size() != 8) return Status::Corruption("malformed checkpoint");
  return format::DecodePositionKey(value);
}

Status EventStore::SaveCheckpoint(
    const std::string& subscriber, std::uint64_t position,
    const std::vector<std::pair<std::string, std::string>>& own_writes) {
  // Shared is enough: checkpoints and subscriber state are no part of the
  // log, and a RocksDB write may run beside the writer's.
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  if (subscriber.empty() || subscriber.size() > kMaxNameBytes ||
      HasNul(subscriber)) {
    return Status::InvalidArgument("subscriber name must be 1-256 bytes");
  }
  rocksdb::WriteBatch batch;
  batch.Put(checkpoints_cf_, subscriber, format::PositionKey(position));
  for (const auto& [key, value] : own_writes) {
    batch.Put(substate_cf_, format::PairKey(subscriber, key), value);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  return FromRocks(db_->Write(wo, &batch), "write checkpoint");
}

Result<std::string> EventStore::LoadSubscriberState(
    const std::string& subscriber, const std::string& key) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), substate_cf_,
                                format::PairKey(subscriber, key), &value);
  if (!rs.ok()) return FromRocks(rs, "read subscriber state");
  return value;
}

bool EventStore::WaitForPosition(std::uint64_t after,
                                 std::chrono::milliseconds timeout) const {
  MutexLock lock(&durable_mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ++waiting_;
  while (LastPosition() <= after && !closing_.load()) {
    if (!durable_cv_.WaitUntil(&durable_mu_, deadline)) break;
  }
  --waiting_;
  return LastPosition() > after;
}

int EventStore::TEST_Waiting() const {
  MutexLock lock(&durable_mu_);
  return waiting_;
}

std::unique_ptr<Subscription> EventStore::Subscribe(std::uint64_t after) const {
  return std::unique_ptr<Subscription>(new Subscription(this, after));
}

}  // namespace okr
