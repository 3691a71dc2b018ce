// EventStore's core: construction, health, stats, and publishing a durable
// position to waiters and listeners. The other jobs are in
// event_store_open.cc, event_store_write.cc, event_store_read.cc and
// event_store_import.cc (the list is in event_store.h).
#include "engine/event_store.h"

#include <rocksdb/db.h>

#include "engine/event_store_internal.h"

namespace okr {

namespace store_internal {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

Result<AppendResult> AnswerOfRecord(const format::IdempotencyRecord& applied,
                                    const CommandMeta& meta) {
  if (applied.fingerprint != meta.fingerprint) {
    return Status::IdempotencyMismatch(
        "idempotency key \"" + meta.idempotency_key +
        "\" was already used for a different request");
  }
  AppendResult r;
  r.first_position = applied.first_position;
  r.last_position = applied.last_position;
  r.recorded_at_us = applied.recorded_at_us;
  r.command_id = applied.command_id;
  r.replayed = true;
  r.response = applied.response;
  return r;
}

}  // namespace store_internal

EventStore::EventStore(const std::string& path, const StoreOptions& options)
    : path_(path),
      options_(options),
      clock_(options.clock != nullptr ? options.clock
                                      : SystemClock::Default()) {}

std::string EventStore::HealthError() const {
  MutexLock lock(&health_mu_);
  return health_error_;
}

StoreStats EventStore::Stats() const {
  StoreStats s;
  s.commands = stat_commands_.load();
  s.events = stat_events_.load();
  s.commit_groups = stat_groups_.load();
  s.conflicts = stat_conflicts_.load();
  s.replays = stat_replays_.load();
  s.write_failures = stat_write_failures_.load();
  s.recoveries = stat_recoveries_.load();
  for (int i = 0; i < StoreStats::kGroupBuckets; ++i) {
    s.group_sizes[i] = stat_group_sizes_[i].load();
  }
  return s;
}

void EventStore::AddDurableListener(DurableListener listener) {
  MutexLock lock(&listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void EventStore::PublishDurable(std::uint64_t position) {
  {
    MutexLock lock(&durable_mu_);
    durable_position_.store(position, std::memory_order_release);
  }
  durable_cv_.SignalAll();
}

void EventStore::WakeDurableWaiters() const {
  // Empty: a waiter holds durable_mu_ from its check to its wait, so once
  // this has held it every waiter is either waiting or will see the change.
  { MutexLock lock(&durable_mu_); }
  durable_cv_.SignalAll();
}

void EventStore::CallDurableListeners(std::uint64_t position) {
  MutexLock lock(&listeners_mu_);
  for (auto& listener : listeners_) listener(position);
}

}  // namespace okr
