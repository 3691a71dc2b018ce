// EventStore's import, export and backup (okr import, okr export, okr
// backup): events restored exactly as recorded, idempotency records listed
// and restored, and a consistent copy of the store. Each writer of the log
// here holds commit_mu_, as the writer thread does, so that none of them
// runs in the middle of a group.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <limits>

#include "engine/event_store.h"
#include "engine/event_store_internal.h"

namespace okr {

using store_internal::FromRocks;
using store_internal::HasNul;
using store_internal::kMaxNameBytes;

Status EventStore::ImportBatch(const std::vector<RecordedEvent>& events) {
  std::uint64_t durable = 0;
  Status s = ImportBatchLocked(events, &durable);
  // Outside the locks, as after a commit group (the lock order).
  if (durable > 0) CallDurableListeners(durable);
  return s;
}

Status EventStore::ImportBatchLocked(const std::vector<RecordedEvent>& events,
                                     std::uint64_t* durable) {
  MutexLock no_group(&commit_mu_);
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  rocksdb::WriteBatch batch;
  format::Head head = head_;
  std::unordered_map<std::string, std::uint64_t> versions;
  for (const RecordedEvent& e : events) {
    auto bad = [&](const std::string& why) {
      return Status::Corruption("position " + std::to_string(e.position) +
                                ": " + why);
    };
    if (e.position != head.position + 1) {
      return bad("expected position " + std::to_string(head.position + 1));
    }
    if (e.prev_hash != head.hash) {
      return bad("prev_hash does not chain from the event before");
    }
    if (!ValidStreamName(e.stream)) return bad("invalid stream name");
    if (e.recorded_at_us < head.recorded_at_us) {
      return bad("recorded_at goes back in time");
    }
    if (format::ComputeHash(e) != e.hash) {
      return bad("hash does not match the event (edited?)");
    }
    auto v = versions.find(e.stream);
    std::uint64_t current = 0;
    if (v != versions.end()) {
      current = v->second;
    } else if (auto c = stream_versions_.find(e.stream);
               c != stream_versions_.end()) {
      current = c->second;
    } else {
      Result<std::uint64_t> indexed = LastIndexedVersion(
          e.stream, std::numeric_limits<std::uint64_t>::max());
      if (!indexed.ok()) return indexed.status();
      current = indexed.value();
    }
    if (e.version != current + 1) {
      return bad("stream " + e.stream + " version " +
                 std::to_string(e.version) + " after " +
                 std::to_string(current));
    }
    versions[e.stream] = e.version;
    std::string pos_key = format::PositionKey(e.position);
    batch.Put(log_cf_, pos_key, format::EncodeLogValue(e));
    batch.Put(streams_cf_, format::StreamIndexKey(e.stream, e.version),
              pos_key);
    head = format::Head{e.position, e.hash, e.recorded_at_us};
  }
  if (events.empty()) return Status::OK();
  batch.Put(meta_cf_, format::kHeadKey, format::EncodeHead(head));
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  rocksdb::Status rs = db_->Write(wo, &batch);
  if (!rs.ok()) return FromRocks(rs, "import batch");
  head_ = head;
  for (auto& [stream, version] : versions) stream_versions_[stream] = version;
  stat_events_.fetch_add(events.size());
  PublishDurable(head.position);
  *durable = head.position;
  return Status::OK();
}

Status EventStore::ForEachIdempotency(
    const std::function<bool(const IdempotencyEntry&)>& fn) const {
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), idem_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::size_t nul = key.find('\0');
    IdempotencyEntry entry;
    if (nul == std::string_view::npos ||
        !format::DecodeIdempotency(
            std::string_view(it->value().data(), it->value().size()),
            &entry.record)) {
      return Status::Corruption("malformed idempotency record");
    }
    if (entry.record.last_position > LastPosition()) continue;
    entry.actor = std::string(key.substr(0, nul));
    entry.key = std::string(key.substr(nul + 1));
    if (!fn(entry)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan idempotency");
  return Status::OK();
}

bool EventStore::EventAt(std::uint64_t position, RecordedEvent* e) const {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_cf_,
                                format::PositionKey(position), &value);
  return rs.ok() && format::DecodeLogValue(value, e);
}

Status EventStore::ImportIdempotency(
    const std::vector<IdempotencyEntry>& entries) {
  MutexLock no_group(&commit_mu_);
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, bool> seen;
  for (const IdempotencyEntry& entry : entries) {
    const format::IdempotencyRecord& rec = entry.record;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("idempotency key '" + entry.key + "' of " +
                                     entry.actor + ": " + why);
    };
    if (entry.actor.empty() || HasNul(entry.actor) || HasNul(entry.key) ||
        entry.key.empty() || entry.key.size() > kMaxNameBytes) {
      return bad("malformed actor or key");
    }
    std::string pair = format::PairKey(entry.actor, entry.key);
    if (!seen.emplace(pair, true).second) return bad("listed twice");
    std::string existing;
    rocksdb::Status rs =
        db_->Get(rocksdb::ReadOptions(), idem_cf_, pair, &existing);
    if (rs.ok()) return bad("already recorded");
    if (!rs.IsNotFound()) return FromRocks(rs, "read idempotency key");
    if (rec.first_position == 0 || rec.first_position > rec.last_position ||
        rec.last_position > head_.position) {
      return bad("points outside the log");
    }
    RecordedEvent first, last;
    if (!EventAt(rec.first_position, &first) ||
        !EventAt(rec.last_position, &last) || first.actor != entry.actor ||
        first.command_id != rec.command_id ||
        last.command_id != rec.command_id) {
      return bad("positions " + std::to_string(rec.first_position) + ".." +
                 std::to_string(rec.last_position) +
                 " are not the command it names");
    }
    batch.Put(idem_cf_, pair, format::EncodeIdempotency(rec));
  }
  if (entries.empty()) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  rocksdb::Status rs = db_->Write(wo, &batch);
  if (!rs.ok()) return FromRocks(rs, "import idempotency records");
  return Status::OK();
}

Result<std::uint64_t> EventStore::Backup(const std::string& dir) {
  MutexLock between_groups(&commit_mu_);
  ReaderLock reading(&db_mu_);
  if (db_ == nullptr || closing_) {
    return Status::Closed("the event store is closed");
  }
  if (!healthy_) {
    return Status::IOError("the store is unhealthy: " + HealthError());
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status rs = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!rs.ok()) return FromRocks(rs, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  rs = checkpoint->CreateCheckpoint(dir);
  if (!rs.ok()) return FromRocks(rs, "checkpoint into " + dir);
  return head_.position;
}

}  // namespace okr
