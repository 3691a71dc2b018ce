// EventStore: the append-only, hash-chained event log of DESIGN §2 on an
// embedded RocksDB database. The on-disk format is in storage_format.h.
//
// Thread safety: an EventStore is safe for concurrent use by any number of
// threads. Appends are decided and written by one internal writer thread
// (group commit: every command queued while one batch is being fsynced goes
// into the next batch and shares its fsync). Reads go straight to RocksDB and
// never wait for the writer or an fsync.
//
// Visibility: every read, wait and subscription is bounded by the durable
// position, LastPosition(): an event becomes visible only after the batch
// that holds it was written (and, in kSync mode, fsynced). Queries therefore
// never show an event that could still be lost.
//
// Failed writes: RocksDB refuses every write after one failed (a failed
// WAL write or fsync is a fatal background error; DB::Resume cannot clear
// it). The store then turns unhealthy: the failed batch is answered IOError
// and every later command too, at once, without touching the disk; reads
// keep working. The writer thread retries after kRecoveryInterval, then
// twice as long after each failed try up to 4 s (also with no command
// waiting), by reopening RocksDB; if the disk still fails, it
// opens the store read-only so that reads go on, and tries again later.
// Once a reopening succeeds, writes resume without a restart. A batch whose
// fsync failed may have reached the disk all the same: the reopening then
// finds it in the WAL and it becomes part of the log (never acknowledged,
// but there; the chain stays whole). Commands decided before such a
// recovery are refused (the state they were decided against is gone) and
// must be retried.
//
// Lifetimes: a Subscription must not outlive the EventStore that made it.
// The Clock passed in StoreOptions must outlive the store. Reads may race
// Close(): Close waits for reads in progress, and reads after it answer
// Closed. Close() must not be called from an append callback or a durable
// listener (they run on the writer thread, which Close joins).
#ifndef OKR_ENGINE_EVENT_STORE_H_
#define OKR_ENGINE_EVENT_STORE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/clock.h"
#include "engine/status.h"
#include "engine/storage_format.h"
#include "events/envelope.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
}  // namespace rocksdb

namespace okr {

class Subscription;

enum class Durability {
  kSync,   // acknowledged only after the batch is fsynced (the default)
  kAsync,  // acknowledged after the write reaches the OS; a crash of the
           // machine (not the process) may lose the latest commands
};

struct StoreOptions {
  Durability durability = Durability::kSync;
  Clock* clock = nullptr;  // nullptr: SystemClock::Default(). Not owned.
  // Most commands one group commit may hold.
  std::size_t max_group_commands = 4096;
  // Test hook: a RocksDB Env to run on (fault injection). Not owned.
  rocksdb::Env* TEST_env = nullptr;
};

// "The stream must be at exactly this version when the command is written";
// 0 means the stream must not exist yet.
struct StreamCondition {
  std::string stream;
  std::uint64_t expected_version = 0;
};

struct CommandMeta {
  std::string actor;  // who issued the command; required
  // Correlates the events of one command. Empty: the store assigns
  // "cmd-<first position>".
  std::string command_id;
  // Optional, scoped per actor, kept as long as the log. A command whose
  // (actor, key) was already applied is not appended again.
  std::string idempotency_key;
  // What the key stands for (for example a hash of the request). The same key
  // with another fingerprint is refused with IdempotencyMismatch.
  std::string fingerprint;
  // Remembered with the key and handed back on a replay (the original
  // response of an API call).
  std::string response;
};

// A subscriber checkpoint written in the same batch as the command's events.
struct CheckpointUpdate {
  std::string subscriber;
  std::uint64_t position = 0;
};

struct AppendRequest {
  std::vector<NewEvent> events;  // at least one
  std::vector<StreamCondition> conditions;
  CommandMeta meta;
  std::optional<CheckpointUpdate> checkpoint;
};

struct AppendResult {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::int64_t recorded_at_us = 0;
  std::string command_id;
  // The version each event got in its stream, in request order. Empty on a
  // replay.
  std::vector<std::uint64_t> versions;
  // True when the idempotency key had already been applied: nothing was
  // appended and the fields above describe the original command.
  bool replayed = false;
  std::string response;  // on a replay: CommandMeta::response of the original
};

// Counters for /metrics and the benchmark. Monotonic.
struct StoreStats {
  std::uint64_t commands = 0;        // commands appended
  std::uint64_t events = 0;          // events appended
  std::uint64_t commit_groups = 0;   // RocksDB writes (fsyncs in kSync mode)
  std::uint64_t conflicts = 0;       // commands refused for a version conflict
  std::uint64_t replays = 0;         // idempotent replays answered
  std::uint64_t write_failures = 0;  // batches RocksDB failed to write
  std::uint64_t recoveries = 0;      // reopenings after a failed write
  // Commands per commit group: group_sizes[i] counts groups of at most
  // 2^i commands (the last bucket: more than 2^(kGroupBuckets - 2)).
  static constexpr int kGroupBuckets = 14;
  std::array<std::uint64_t, kGroupBuckets> group_sizes{};
};

class EventStore {
 public:
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  using DurableListener = std::function<void(std::uint64_t last_position)>;

  // Opens (creating if missing) the store in directory `path`. Fails with
  // Corruption if the directory holds another format version or a log whose
  // head record disagrees with its last event, IOError if RocksDB cannot
  // open it (for example another process holds it).
  static Result<std::unique_ptr<EventStore>> Open(const std::string& path,
                                                  const StoreOptions& options);

  // Drains the queued commands, stops the writer and closes RocksDB.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends all events of one command atomically, after checking every
  // condition. Blocks until the batch is durable.
  // On success: the positions and versions assigned (or, for an idempotent
  // replay, those of the original command with replayed = true).
  // VersionConflict: a condition did not hold; nothing was written.
  // IdempotencyMismatch: the key was applied with another fingerprint;
  // nothing was written. InvalidArgument: a malformed request (no events, a
  // bad stream name, an empty actor, NUL in a name); nothing was written.
  // IOError: the batch could not be written, and nothing of it is visible
  // now. The outcome is unknown all the same: if the WAL record reached the
  // disk before a failed fsync, a restart may replay it. Retry with an
  // idempotency key to be safe.
  // Closed: the store is shutting down.
  Result<AppendResult> Append(AppendRequest request);

  // The single-stream form: `expected_version` nullopt means "any version".
  Result<AppendResult> Append(const std::string& stream,
                              std::optional<std::uint64_t> expected_version,
                              std::vector<NewEvent> events, CommandMeta meta);

  // As Append, but returns at once; `done` runs on the writer thread once the
  // outcome is known, so it must be short and must not call Append and wait.
  void AppendAsync(AppendRequest request, AppendCallback done);

  // The last durable position; 0 for an empty log.
  std::uint64_t LastPosition() const {
    return durable_position_.load(std::memory_order_acquire);
  }

  // Events with position >= from_position, at most max_count, in order.
  Result<std::vector<RecordedEvent>> ReadAll(std::uint64_t from_position,
                                             std::size_t max_count) const;

  // Calls fn for every durable event from from_position on, in order, until
  // fn returns false. The end is fixed when the scan starts.
  Status ForEach(std::uint64_t from_position,
                 const std::function<bool(const RecordedEvent&)>& fn) const;

  // Events of `stream` with version >= from_version, at most max_count.
  // An unknown stream gives an empty list.
  Result<std::vector<RecordedEvent>> ReadStream(const std::string& stream,
                                                std::uint64_t from_version,
                                                std::size_t max_count) const;

  // The last durable position whose recorded_at <= as_of_us (0 if none):
  // where a time-travel query stops reading. recorded_at never decreases
  // along the log, so this is a binary search: O(log N) point reads.
  Result<std::uint64_t> PositionAsOf(std::int64_t as_of_us) const;

  // The durable version of `stream`; 0 if it has no events.
  Result<std::uint64_t> StreamVersion(const std::string& stream) const;

  // The record of an applied idempotency key, or nullopt if it was never
  // applied (or its command is not durable yet).
  Result<std::optional<format::IdempotencyRecord>> LookupIdempotency(
      const std::string& actor, const std::string& key) const;

  // Durable subscriber checkpoints (0 when none was stored).
  Result<std::uint64_t> LoadCheckpoint(const std::string& subscriber) const;
  // Stores the checkpoint and the subscriber's own key/values in one fsynced
  // batch, so that a subscriber's state and its position never disagree.
  Status SaveCheckpoint(
      const std::string& subscriber, std::uint64_t position,
      const std::vector<std::pair<std::string, std::string>>& own_writes);
  // A value written by SaveCheckpoint; NotFound if absent.
  Result<std::string> LoadSubscriberState(const std::string& subscriber,
                                          const std::string& key) const;

  // Blocks until LastPosition() > after, the timeout passes or the store
  // closes. Returns LastPosition() > after.
  bool WaitForPosition(std::uint64_t after,
                       std::chrono::milliseconds timeout) const;
  // Test hook: how many threads wait in WaitForPosition now. A thread is
  // counted only while it sleeps on the durable position (it saw nothing
  // new under the lock the next durable batch takes to publish), so one
  // counted here is woken by that batch, not by its timeout.
  int TEST_Waiting() const;

  // A reader of the log from position after + 1: catch-up, then live.
  std::unique_ptr<Subscription> Subscribe(std::uint64_t after) const;

  // `listener` runs on the writer thread after each durable batch. It must be
  // short and must not append. Listeners live as long as the store.
  void AddDurableListener(DurableListener listener);

  // Restores events exactly as recorded elsewhere (okr import): positions,
  // versions, times, actors, command ids and hashes kept. The batch must
  // continue this store's chain: the next position, prev_hash equal to the
  // head's hash, every hash recomputed equal, stream versions gapless,
  // recorded_at not decreasing. Corruption naming the position otherwise,
  // and nothing written. The batch is one WriteBatch.
  // REQUIRES: no Append runs concurrently (an offline store).
  Status ImportBatch(const std::vector<RecordedEvent>& events);

  // One applied idempotency key, as okr export writes it beside the log.
  struct IdempotencyEntry {
    std::string actor;
    std::string key;
    format::IdempotencyRecord record;
  };
  // Calls fn for every idempotency record whose command is durable, in key
  // order, until fn returns false. Corruption on a record that does not
  // decode.
  Status ForEachIdempotency(
      const std::function<bool(const IdempotencyEntry&)>& fn) const;
  // Restores idempotency records (okr import), after the events they name
  // were imported: each must point inside the log at the first and last
  // event of one command (first_position's actor is the entry's actor, and
  // the events at first_position and last_position carry the record's
  // command id), and its key must be new. InvalidArgument naming the key
  // otherwise, and nothing written. One WriteBatch.
  // REQUIRES: no Append runs concurrently (an offline store).
  Status ImportIdempotency(const std::vector<IdempotencyEntry>& entries);

  // Consistent copy of the store into `dir` (which must not exist), taken
  // between two commit groups: a RocksDB checkpoint (tables hard-linked when
  // on the same filesystem, copied otherwise). Writes wait meanwhile. Returns
  // the last position the copy holds.
  Result<std::uint64_t> Backup(const std::string& dir);

  // False from a failed write until the store is reopened (see above).
  bool healthy() const { return healthy_.load(); }
  // Why the store is unhealthy; empty when healthy.
  std::string HealthError() const;

  static constexpr std::chrono::milliseconds kRecoveryInterval{250};

  StoreStats Stats() const;
  Durability durability() const { return options_.durability; }
  bool closed() const { return closing_.load(); }

  // Stops taking commands, writes the queued ones, and stops the writer.
  // Idempotent; the destructor calls it.
  void Close();

 private:
  struct Pending;
  struct GroupState;

  EventStore(const std::string& path, const StoreOptions& options);
  // Opens RocksDB and reads the head. Read-only: for reads only, while the
  // disk refuses writes (the head and positions are left as they were).
  Status OpenDb(bool read_only = false);
  // Destroys the handles and closes RocksDB. REQUIRES: db_mu_ exclusive.
  void CloseDb();
  // Writer thread: reopens RocksDB after a failed write; true when healthy
  // again. At most once per kRecoveryInterval.
  bool Recover();
  void MarkUnhealthy(const Status& failure);
  void WriterLoop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  // Decides one command against the group's tentative state; on success adds
  // it to the batch. Returns the outcome to report.
  Result<AppendResult> Decide(Pending& p, GroupState& g);
  Result<std::uint64_t> CurrentVersion(const std::string& stream,
                                       GroupState& g);
  Status ValidateRequest(const AppendRequest& r) const;
  Result<std::uint64_t> DurableStreamVersion(const std::string& stream) const;
  // The newest version of `stream` whose event is at or before max_position.
  Result<std::uint64_t> LastIndexedVersion(const std::string& stream,
                                           std::uint64_t max_position) const;
  Status Scan(std::uint64_t from_position, bool long_scan,
              const std::function<bool(const RecordedEvent&)>& fn) const;

  // Constant after construction.
  const std::string path_;
  const StoreOptions options_;
  Clock* const clock_;

  // Set by Open; constant until Close. Readers hold db_mu_ shared; Close
  // holds it exclusively while it tears RocksDB down. The writer thread uses
  // db_ without it: Close joins the writer first.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* log_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* idem_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* substate_cf_ = nullptr;

  // Owned by the writer thread (and by Open before it starts).
  format::Head head_;
  std::unordered_map<std::string, std::uint64_t> stream_versions_;

  // Protected by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stop_writer_ = false;

  // Published by the writer after each durable batch.
  std::atomic<std::uint64_t> durable_position_{0};
  mutable std::mutex durable_mu_;
  mutable std::condition_variable durable_cv_;
  mutable int waiting_ = 0;  // guarded by durable_mu_ (TEST_Waiting)
  std::atomic<bool> closing_{false};

  // Protected by listeners_mu_.
  std::mutex listeners_mu_;
  std::vector<DurableListener> listeners_;

  std::atomic<std::uint64_t> stat_commands_{0};
  std::atomic<std::uint64_t> stat_events_{0};
  std::atomic<std::uint64_t> stat_groups_{0};
  std::atomic<std::uint64_t> stat_conflicts_{0};
  std::atomic<std::uint64_t> stat_replays_{0};
  std::array<std::atomic<std::uint64_t>, StoreStats::kGroupBuckets>
      stat_group_sizes_{};

  // Health (see "Failed writes" above).
  std::atomic<bool> healthy_{true};
  mutable std::mutex health_mu_;
  std::string health_error_;  // guarded by health_mu_
  // Writer thread only.
  std::chrono::steady_clock::time_point next_recovery_{};
  std::chrono::milliseconds recovery_backoff_{kRecoveryInterval};
  std::atomic<std::uint64_t> stat_write_failures_{0};
  std::atomic<std::uint64_t> stat_recoveries_{0};

  // Held by the writer around each group and each recovery, and by
  // Backup, so that a backup falls between two groups.
  std::mutex commit_mu_;

  std::mutex close_mu_;
  bool closed_ = false;  // guarded by close_mu_
  std::thread writer_;
};

}  // namespace okr

#endif  // OKR_ENGINE_EVENT_STORE_H_
