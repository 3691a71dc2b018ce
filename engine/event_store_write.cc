// EventStore's write path: validation, the queue, the writer thread and
// group commit. Every command queued while one batch is being written goes
// into the next batch; the writer decides each command against the state
// the batches before it left (its idempotency record is written in the same
// batch as its events) and publishes the new position once the batch is
// durable.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <future>
#include <limits>

#include "engine/event_store.h"
#include "engine/event_store_internal.h"

namespace okr {

using store_internal::AnswerOfRecord;
using store_internal::FromRocks;
using store_internal::HasNul;
using store_internal::kMaxDataBytes;
using store_internal::kMaxNameBytes;

struct EventStore::GroupState {
  rocksdb::WriteBatch batch;
  std::uint64_t next_position = 0;
  Hash prev_hash{};
  std::int64_t last_recorded_at = 0;
  bool wrote = false;
  // Tentative versions of the streams this group touches.
  std::unordered_map<std::string, std::uint64_t> versions;
  // Idempotency keys applied by this group (key: PairKey(actor, key)).
  std::unordered_map<std::string, format::IdempotencyRecord> idem;
};

Status EventStore::ValidateRequest(const AppendRequest& r) const {
  if (r.events.empty()) {
    return Status::InvalidArgument("a command must append at least one event");
  }
  const CommandMeta& m = r.meta;
  if (m.actor.empty() || m.actor.size() > kMaxNameBytes || HasNul(m.actor)) {
    return Status::InvalidArgument("actor must be 1-256 bytes without NUL");
  }
  if (m.command_id.size() > kMaxNameBytes ||
      m.idempotency_key.size() > kMaxNameBytes || HasNul(m.idempotency_key)) {
    return Status::InvalidArgument(
        "command_id and idempotency key must be at most 256 bytes without "
        "NUL");
  }
  for (const NewEvent& e : r.events) {
    if (!ValidStreamName(e.stream)) {
      return Status::InvalidArgument("invalid stream name '" + e.stream + "'");
    }
    if (e.type.empty() || e.type.size() > kMaxNameBytes) {
      return Status::InvalidArgument("event type must be 1-256 bytes");
    }
    if (e.actor.size() > kMaxNameBytes || HasNul(e.actor)) {
      return Status::InvalidArgument(
          "an event's own actor must be at most 256 bytes without NUL");
    }
    if (e.data.size() > kMaxDataBytes) {
      return Status::InvalidArgument("event data over 4 MiB");
    }
  }
  for (const StreamCondition& c : r.conditions) {
    if (!ValidStreamName(c.stream)) {
      return Status::InvalidArgument("invalid stream name '" + c.stream + "'");
    }
  }
  if (r.checkpoint && (r.checkpoint->subscriber.empty() ||
                       r.checkpoint->subscriber.size() > kMaxNameBytes ||
                       HasNul(r.checkpoint->subscriber))) {
    return Status::InvalidArgument("subscriber name must be 1-256 bytes");
  }
  return Status::OK();
}

Result<AppendResult> EventStore::Append(AppendRequest request) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  auto future = promise->get_future();
  AppendAsync(std::move(request), [promise](Result<AppendResult> r) {
    promise->set_value(std::move(r));
  });
  return future.get();
}

Result<AppendResult> EventStore::Append(
    const std::string& stream, std::optional<std::uint64_t> expected_version,
    std::vector<NewEvent> events, CommandMeta meta) {
  AppendRequest request;
  for (NewEvent& e : events) {
    if (e.stream.empty()) e.stream = stream;
  }
  request.events = std::move(events);
  if (expected_version)
    request.conditions.push_back({stream, *expected_version});
  request.meta = std::move(meta);
  return Append(std::move(request));
}

void EventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  Status valid = ValidateRequest(request);
  if (!valid.ok()) {
    done(valid);
    return;
  }
  auto pending = std::make_unique<Pending>();
  pending->request = std::move(request);
  pending->done = std::move(done);
  {
    MutexLock lock(&queue_mu_);
    if (stop_writer_) {
      lock.Unlock();
      pending->done(Status::Closed("the event store is closed"));
      return;
    }
    queue_.push_back(std::move(pending));
  }
  queue_cv_.Signal();
}

void EventStore::WriterLoop() {
  // RocksDB's per-thread perf counters cost a TLS lookup per key comparison
  // in the memtable; the writer has no use for them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::vector<std::unique_ptr<Pending>> group;
  for (;;) {
    {
      MutexLock lock(&queue_mu_);
      if (!WaitForCommands()) {
        // Nothing to write: try to heal anyway, so writes resume before
        // the next command arrives.
        lock.Unlock();
        MutexLock commit(&commit_mu_);
        Recover();
        continue;
      }
      if (queue_.empty()) return;  // stop_writer_ and drained
      std::size_t n = std::min(queue_.size(), options_.max_group_commands);
      for (std::size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    {
      MutexLock commit(&commit_mu_);
      CommitGroup(group);
    }
    group.clear();
  }
}

bool EventStore::WaitForCommands() {
  if (healthy_) {
    while (!stop_writer_ && queue_.empty()) queue_cv_.Wait(&queue_mu_);
    return true;
  }
  const auto deadline = std::chrono::steady_clock::now() + kRecoveryInterval;
  while (!stop_writer_ && queue_.empty()) {
    if (!queue_cv_.WaitUntil(&queue_mu_, deadline)) {
      return stop_writer_ || !queue_.empty();
    }
  }
  return true;
}

Result<std::uint64_t> EventStore::CurrentVersion(const std::string& stream,
                                                 GroupState& g) {
  if (auto it = g.versions.find(stream); it != g.versions.end()) {
    return it->second;
  }
  if (auto it = stream_versions_.find(stream); it != stream_versions_.end()) {
    return it->second;
  }
  // Called by the writer only: everything in RocksDB is written, so the
  // newest indexed version is current.
  Result<std::uint64_t> version =
      LastIndexedVersion(stream, std::numeric_limits<std::uint64_t>::max());
  if (version.ok()) stream_versions_.emplace(stream, version.value());
  return version;
}

std::optional<Result<AppendResult>> EventStore::Replay(
    Pending& p, GroupState& g, const std::string& idem_key) {
  const CommandMeta& meta = p.request.meta;
  std::optional<format::IdempotencyRecord> seen;
  if (auto it = g.idem.find(idem_key); it != g.idem.end()) {
    seen = it->second;
    p.needs_write = true;
  } else {
    std::string value;
    rocksdb::Status rs =
        db_->Get(rocksdb::ReadOptions(), idem_cf_, idem_key, &value);
    if (rs.ok()) {
      format::IdempotencyRecord rec;
      if (!format::DecodeIdempotency(value, &rec)) {
        return Status::Corruption("malformed idempotency record");
      }
      seen = std::move(rec);
    } else if (!rs.IsNotFound()) {
      return FromRocks(rs, "read idempotency key");
    }
  }
  if (!seen) return std::nullopt;
  Result<AppendResult> answer = AnswerOfRecord(*seen, meta);
  if (answer.ok()) stat_replays_.fetch_add(1);
  return answer;
}

Result<AppendResult> EventStore::Decide(Pending& p, GroupState& g) {
  const AppendRequest& req = p.request;
  const CommandMeta& meta = req.meta;
  std::string idem_key;
  if (!meta.idempotency_key.empty()) {
    idem_key = format::PairKey(meta.actor, meta.idempotency_key);
    std::optional<Result<AppendResult>> replay = Replay(p, g, idem_key);
    if (replay) return std::move(*replay);
  }

  // Resolve every stream's current version before touching the batch, so a
  // refused or failed command leaves nothing behind.
  for (const StreamCondition& c : req.conditions) {
    Result<std::uint64_t> current = CurrentVersion(c.stream, g);
    if (!current.ok()) return current.status();
    if (current.value() != c.expected_version) {
      stat_conflicts_.fetch_add(1);
      return Status::VersionConflict("stream " + c.stream + " is at version " +
                                     std::to_string(current.value()) +
                                     ", expected " +
                                     std::to_string(c.expected_version));
    }
  }
  for (const NewEvent& e : req.events) {
    Result<std::uint64_t> current = CurrentVersion(e.stream, g);
    if (!current.ok()) return current.status();
  }

  AppendResult result;
  std::int64_t now = std::max(clock_->NowMicros(), g.last_recorded_at);
  g.last_recorded_at = now;
  result.recorded_at_us = now;
  result.first_position = g.next_position;
  result.command_id = meta.command_id.empty()
                          ? "cmd-" + std::to_string(g.next_position)
                          : meta.command_id;
  RecordedEvent ev;
  for (const NewEvent& e : req.events) {
    std::uint64_t version = CurrentVersion(e.stream, g).value() + 1;
    g.versions[e.stream] = version;
    ev.position = g.next_position++;
    ev.stream = e.stream;
    ev.version = version;
    ev.type = e.type;
    ev.schema_version = e.schema_version;
    ev.recorded_at_us = now;
    ev.actor = e.actor.empty() ? meta.actor : e.actor;
    ev.command_id = result.command_id;
    ev.data = e.data;
    ev.prev_hash = g.prev_hash;
    std::string envelope = format::EncodeEnvelope(ev);
    // hash = SHA-256(prev_hash || envelope); see storage_format.h.
    ev.hash = format::HashEnvelope(ev.prev_hash, envelope);
    envelope.append(reinterpret_cast<const char*>(ev.hash.data()),
                    ev.hash.size());
    std::string pos_key = format::PositionKey(ev.position);
    g.batch.Put(log_cf_, pos_key, envelope);
    g.batch.Put(streams_cf_, format::StreamIndexKey(e.stream, version),
                pos_key);
    g.prev_hash = ev.hash;
    result.versions.push_back(version);
  }
  result.last_position = g.next_position - 1;
  if (!idem_key.empty()) {
    format::IdempotencyRecord rec{meta.fingerprint,     result.first_position,
                                  result.last_position, now,
                                  result.command_id,    meta.response};
    g.batch.Put(idem_cf_, idem_key, format::EncodeIdempotency(rec));
    g.idem.emplace(idem_key, std::move(rec));
  }
  if (req.checkpoint) {
    g.batch.Put(checkpoints_cf_, req.checkpoint->subscriber,
                format::PositionKey(req.checkpoint->position));
  }
  g.wrote = true;
  p.needs_write = true;
  return result;
}

void EventStore::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  if (!healthy_) {
    Status refused = RecoverBeforeGroup();
    if (!refused.ok()) {
      for (auto& p : group) p->done(refused);
      return;
    }
  }
  std::optional<std::uint64_t> durable;
  {
    ReaderLock reading(&db_mu_);
    durable = DecideAndWrite(group);
  }
  if (durable) {
    PublishDurable(*durable);
    CallDurableListeners(*durable);
  }
  for (auto& p : group) p->done(std::move(p->outcome));
}

Status EventStore::RecoverBeforeGroup() {
  const std::uint64_t before = head_.position;
  if (!Recover()) {
    return Status::IOError(
        "the store is refusing writes after a failed "
        "write (" +
        HealthError() + "); writes resume once the disk is healthy");
  }
  if (head_.position != before) {
    // The batch whose fsync failed reached the disk after all: these
    // commands were decided without it.
    return Status::IOError(
        "the store recovered from a failed write and found a batch whose "
        "outcome was unknown; retry");
  }
  return Status::OK();
}

std::optional<std::uint64_t> EventStore::DecideAndWrite(
    std::vector<std::unique_ptr<Pending>>& group) {
  GroupState g;
  g.next_position = head_.position + 1;
  g.prev_hash = head_.hash;
  g.last_recorded_at = head_.recorded_at_us;
  for (auto& p : group) p->outcome = Decide(*p, g);
  if (!g.wrote) return std::nullopt;

  format::Head new_head{g.next_position - 1, g.prev_hash, g.last_recorded_at};
  g.batch.Put(meta_cf_, format::kHeadKey, format::EncodeHead(new_head));
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  rocksdb::Status rs = db_->Write(wo, &g.batch);
  if (!rs.ok()) {
    Status failed = FromRocks(rs, "write batch");
    stat_write_failures_.fetch_add(1);
    MarkUnhealthy(failed);
    for (auto& p : group) {
      if (p->needs_write) p->outcome = failed;
    }
    return std::nullopt;
  }
  head_ = new_head;
  for (auto& [stream, version] : g.versions) {
    stream_versions_[stream] = version;
  }
  std::uint64_t commands = 0;
  for (auto& p : group) {
    if (p->outcome.ok() && !p->outcome->replayed) ++commands;
  }
  CountGroup(commands, new_head.position);
  return new_head.position;
}

void EventStore::CountGroup(std::uint64_t commands,
                            std::uint64_t new_position) {
  stat_commands_.fetch_add(commands);
  int bucket = 0;
  while (bucket < StoreStats::kGroupBuckets - 1 &&
         (std::uint64_t{1} << bucket) < commands) {
    ++bucket;
  }
  stat_group_sizes_[bucket].fetch_add(1);
  stat_events_.fetch_add(new_position - durable_position_.load());
  stat_groups_.fetch_add(1);
}

}  // namespace okr
