// EventStore: the append-only, hash-chained event log (docs/on-disk-format.md)
// on an embedded RocksDB database. The on-disk format is in storage_format.h.
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
#include "engine/mutex.h"
#include "engine/status.h"
#include "engine/storage_format.h"
#include "engine/thread_annotations.h"
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
  // along the log, so this is a binary search (by strides of powers of
  // two, so that its coarse probes are the same positions every time and
  // are answered from memory): a few point reads.
  Result<std::uint64_t> PositionAsOf(std::int64_t as_of_us) const;

  // The durable version of `stream`; 0 if it has no events.
  Result<std::uint64_t> StreamVersion(const std::string& stream) const;

  // What Append would answer for meta's (actor, idempotency key), without
  // appending: nullopt when the key was never applied (or its command is
  // not durable yet); the original command's result (replayed = true) when
  // it was applied with the same fingerprint; IdempotencyMismatch when with
  // another. Lets a caller that decides before appending (the engine)
  // answer a repeated command without deciding it again.
  // REQUIRES: !meta.idempotency_key.empty().
  Result<std::optional<AppendResult>> AnswerByKey(
      const CommandMeta& meta) const;

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
  int TEST_Waiting() const EXCLUDES(durable_mu_);

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
  // Durable listeners run after the batch, as after an append (a read
  // replica's event streams wake up with what it imports).
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
  // The implementation, one job a file (as RocksDB splits DBImpl):
  //   event_store.cc         construction, health, stats, publishing a
  //                          durable position
  //   event_store_open.cc    open, recovery and close: the states below
  //   event_store_write.cc   the group-commit write path (validation, the
  //                          writer thread, deciding, idempotency records
  //                          written with their batch)
  //   event_store_read.cc    reads, subscriptions, checkpoints, durable
  //                          waiters
  //   event_store_import.cc  import, export of idempotency records, backup
  //
  // Open and recovery. state_ is one of:
  //   kOpening   Open has not finished; no writer thread yet.
  //   kWritable  RocksDB open read-write; commands are decided and written.
  //   kFailed    A batch failed to write. RocksDB refuses every later write
  //              but still serves reads; commands are refused with IOError.
  //   kReadOnly  A reopening failed; RocksDB is open read-only so that reads
  //              go on. Commands are refused as in kFailed.
  //   kDetached  A reopening failed and so did the read-only open: no
  //              RocksDB. Reads answer Closed, commands IOError.
  //   kClosed    Close() tore RocksDB down. Final.
  // Transitions, each under commit_mu_:
  //   Open:                                 kOpening -> kWritable
  //   a batch fails to write (writer):      kWritable -> kFailed
  //   Recover (writer, once due):  kFailed, kReadOnly, kDetached
  //                                -> kWritable, or kReadOnly, or kDetached
  //   Close:                                     any -> kClosed
  // healthy() is false in kFailed, kReadOnly and kDetached; kClosed keeps
  // the value it had.
  //
  // Lock order. A thread holding one of these takes only those after it:
  //   close_mu_ -> commit_mu_ -> listeners_mu_ -> db_mu_ -> health_mu_
  //             -> queue_mu_ -> durable_mu_ -> probes_mu_
  // The writer commits a group under commit_mu_ and db_mu_ shared, releases
  // db_mu_, then publishes (durable_mu_) and calls the listeners
  // (listeners_mu_). A listener may read the store (db_mu_ comes after
  // listeners_mu_) but not append. An append callback runs on the writer
  // under commit_mu_ alone (or, for a command refused before it was queued,
  // on the caller's thread under none). No lock is held while a command
  // waits for its outcome.
  enum class OpenState {
    kOpening,
    kWritable,
    kFailed,
    kReadOnly,
    kDetached,
    kClosed,
  };
  struct Pending;
  struct GroupState;

  EventStore(const std::string& path, const StoreOptions& options);

  // Open, recovery and close (event_store_open.cc).
  //
  // Opens RocksDB at Open(): kOpening -> kWritable on success.
  Status OpenAtStart() EXCLUDES(commit_mu_, db_mu_);
  // Opens RocksDB and reads the head. Read-only: for reads only, while the
  // disk refuses writes (the head and positions are left as they were).
  // REQUIRES: db_mu_ exclusive, commit_mu_ held.
  Status OpenDb(bool read_only = false) REQUIRES(commit_mu_, db_mu_);
  // Destroys the handles and closes RocksDB. REQUIRES: db_mu_ exclusive.
  void CloseDb() REQUIRES(db_mu_);
  // Moves to `next` and publishes healthy() for it.
  void SetState(OpenState next) REQUIRES(commit_mu_);
  // Writer thread: reopens RocksDB after a failed write; true when healthy
  // again. At most once per kRecoveryInterval (then doubling, up to 4 s).
  bool Recover() REQUIRES(commit_mu_)
      EXCLUDES(db_mu_, health_mu_, listeners_mu_, durable_mu_);
  // kWritable -> kFailed after a batch failed to write.
  void MarkUnhealthy(const Status& failure) REQUIRES(commit_mu_)
      EXCLUDES(health_mu_);

  // The write path (event_store_write.cc).
  Status ValidateRequest(const AppendRequest& r) const;
  void WriterLoop() EXCLUDES(commit_mu_, queue_mu_);
  // Waits until a command is queued or the writer is told to stop. While
  // the store is unhealthy, gives up after kRecoveryInterval and returns
  // false, so that the writer can try to heal with no command waiting.
  bool WaitForCommands() REQUIRES(queue_mu_);
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group)
      REQUIRES(commit_mu_) EXCLUDES(db_mu_);
  // While unhealthy: tries to recover; the refusal for the whole group if
  // the store is still unhealthy or recovered a batch the group was not
  // decided against, OK otherwise.
  Status RecoverBeforeGroup() REQUIRES(commit_mu_) EXCLUDES(db_mu_);
  // Decides every command of the group and writes the batch. The new
  // durable position if a batch was written, nullopt otherwise.
  std::optional<std::uint64_t> DecideAndWrite(
      std::vector<std::unique_ptr<Pending>>& group) REQUIRES(commit_mu_)
      REQUIRES_SHARED(db_mu_) EXCLUDES(health_mu_);
  // Decides one command against the group's tentative state; on success adds
  // it to the batch. Returns the outcome to report.
  Result<AppendResult> Decide(Pending& p, GroupState& g) REQUIRES(commit_mu_)
      REQUIRES_SHARED(db_mu_);
  // A replay of an applied idempotency key (or a refusal); nullopt when
  // the key is new and the command is to be decided.
  std::optional<Result<AppendResult>> Replay(Pending& p, GroupState& g,
                                             const std::string& idem_key)
      REQUIRES_SHARED(db_mu_);
  Result<std::uint64_t> CurrentVersion(const std::string& stream, GroupState& g)
      REQUIRES(commit_mu_) REQUIRES_SHARED(db_mu_);
  void CountGroup(std::uint64_t commands, std::uint64_t new_position);

  // Publishing a durable position (event_store.cc).
  //
  // Stores `position` as LastPosition() and wakes the waiters.
  void PublishDurable(std::uint64_t position) EXCLUDES(durable_mu_);
  // Wakes the waiters, so that they look at the position and closing_.
  void WakeDurableWaiters() const EXCLUDES(durable_mu_);
  void CallDurableListeners(std::uint64_t position) EXCLUDES(listeners_mu_);
  // ImportBatch under its locks; *durable: the new head (0: none).
  Status ImportBatchLocked(const std::vector<RecordedEvent>& events,
                           std::uint64_t* durable);

  // Reads (event_store_read.cc).
  Result<std::uint64_t> DurableStreamVersion(const std::string& stream) const
      EXCLUDES(db_mu_);
  // The newest version of `stream` whose event is at or before max_position.
  Result<std::uint64_t> LastIndexedVersion(const std::string& stream,
                                           std::uint64_t max_position) const
      REQUIRES_SHARED(db_mu_);
  Status Scan(std::uint64_t from_position, bool long_scan,
              const std::function<bool(const RecordedEvent&)>& fn) const
      EXCLUDES(db_mu_);

  // Import (event_store_import.cc).
  //
  // The event at `position`; false if it is absent or does not decode.
  bool EventAt(std::uint64_t position, RecordedEvent* e) const
      REQUIRES_SHARED(db_mu_);

  // Constant after construction.
  const std::string path_;
  const StoreOptions options_;
  Clock* const clock_;

  // Held by Close around stopping the writer, so that a second Close waits
  // for the first.
  Mutex close_mu_;
  bool closed_ GUARDED_BY(close_mu_) = false;
  std::thread writer_ GUARDED_BY(close_mu_);

  // Serialises everything that writes the log or moves the state: the
  // writer around each group and each recovery, ImportBatch and
  // ImportIdempotency, Backup (so that a backup falls between two groups),
  // Open and Close.
  Mutex commit_mu_ ACQUIRED_AFTER(close_mu_);
  OpenState state_ GUARDED_BY(commit_mu_) = OpenState::kOpening;
  format::Head head_ GUARDED_BY(commit_mu_);
  std::unordered_map<std::string, std::uint64_t> stream_versions_
      GUARDED_BY(commit_mu_);
  // When Recover may try next, and the wait after that.
  std::chrono::steady_clock::time_point next_recovery_ GUARDED_BY(commit_mu_){};
  std::chrono::milliseconds recovery_backoff_ GUARDED_BY(commit_mu_){
      kRecoveryInterval};

  // Durable listeners; they run under listeners_mu_.
  Mutex listeners_mu_ ACQUIRED_AFTER(commit_mu_);
  std::vector<DurableListener> listeners_ GUARDED_BY(listeners_mu_);

  // RocksDB. Reads and the writer's groups hold db_mu_ shared; Recover and
  // Close hold it exclusively while they reopen or tear RocksDB down.
  // db_ == nullptr before Open, after Close and in kDetached.
  mutable SharedMutex db_mu_ ACQUIRED_AFTER(listeners_mu_);
  std::unique_ptr<rocksdb::DB> db_ GUARDED_BY(db_mu_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles_ GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* meta_cf_ GUARDED_BY(db_mu_) = nullptr;
  rocksdb::ColumnFamilyHandle* log_cf_ GUARDED_BY(db_mu_) = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf_ GUARDED_BY(db_mu_) = nullptr;
  rocksdb::ColumnFamilyHandle* idem_cf_ GUARDED_BY(db_mu_) = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_cf_ GUARDED_BY(db_mu_) = nullptr;
  rocksdb::ColumnFamilyHandle* substate_cf_ GUARDED_BY(db_mu_) = nullptr;

  // Why the store is unhealthy (see "Failed writes" above).
  mutable Mutex health_mu_ ACQUIRED_AFTER(db_mu_);
  std::string health_error_ GUARDED_BY(health_mu_);

  // The commands waiting for the writer.
  Mutex queue_mu_ ACQUIRED_AFTER(health_mu_);
  CondVar queue_cv_;  // signalled on a new command and on stop_writer_
  std::deque<std::unique_ptr<Pending>> queue_ GUARDED_BY(queue_mu_);
  bool stop_writer_ GUARDED_BY(queue_mu_) = false;

  // Guards no data (durable_position_ and closing_ are atomic). A waiter
  // holds it from its check to its wait, and whoever changes what it checks
  // takes it before signalling, so no signal falls between the two.
  mutable Mutex durable_mu_ ACQUIRED_AFTER(queue_mu_);
  mutable CondVar durable_cv_;
  // Threads asleep in WaitForPosition (TEST_Waiting).
  mutable int waiting_ GUARDED_BY(durable_mu_) = 0;

  // PositionAsOf's coarse probes: recorded_at of positions that are
  // multiples of kProbeCacheStride, the same positions for every query.
  // Durable events never change, so an entry never goes stale.
  static constexpr std::uint64_t kProbeCacheStride = 256;
  static constexpr std::size_t kProbeCacheMax = std::size_t{1} << 20;
  mutable Mutex probes_mu_ ACQUIRED_AFTER(durable_mu_);
  mutable std::unordered_map<std::uint64_t, std::int64_t> probes_
      GUARDED_BY(probes_mu_);

  // Atomic: read without a lock. durable_position_ is written by the
  // writer (and Open, Recover, ImportBatch) after each durable batch;
  // healthy_ only by SetState.
  std::atomic<std::uint64_t> durable_position_{0};
  std::atomic<bool> closing_{false};
  std::atomic<bool> healthy_{true};
  std::atomic<std::uint64_t> stat_commands_{0};
  std::atomic<std::uint64_t> stat_events_{0};
  std::atomic<std::uint64_t> stat_groups_{0};
  std::atomic<std::uint64_t> stat_conflicts_{0};
  std::atomic<std::uint64_t> stat_replays_{0};
  std::array<std::atomic<std::uint64_t>, StoreStats::kGroupBuckets>
      stat_group_sizes_{};
  std::atomic<std::uint64_t> stat_write_failures_{0};
  std::atomic<std::uint64_t> stat_recoveries_{0};
};

}  // namespace okr

#endif  // OKR_ENGINE_EVENT_STORE_H_
