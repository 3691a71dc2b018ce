// OkrEngine: the OKR workflow on top of the event store. Commands are
// decided one at a time on one decision thread against the state they will
// change, appended through the store's group commit, and folded into the
// read state that queries see.
//
// Thread safety: every public method may be called from any thread.
//
// Two states, both folds of the same log (projections/okr_state.h):
//   decision state  owned by the decision thread; includes the commands
//                   already decided and handed to the store but not yet
//                   durable, so the next command is decided against them
//                   (pipelining: deciding never waits for an fsync). Kept
//                   compact (History::kLatestOnly).
//   read state      what queries see: durable events only, folded by the
//                   projector thread that follows the log (catch-up, then
//                   live). Guarded by a shared mutex: reads run
//                   concurrently with each other and never wait for an
//                   fsync.
// A command's completion fires only once the read state holds its events,
// so a client that was answered reads its own write.
//
// If an append fails (I/O error, the store closing) the decision state may
// hold events that never became durable: the decision thread then waits for
// the commands in flight, and rebuilds its state from the read state before
// deciding anything else. The failed command's outcome is kUnavailable
// ("outcome unknown": see EventStore::Append). While the store is unhealthy
// after a failed write, commands are refused kUnavailable at once, without
// deciding; the store reopens itself (EventStore "Failed writes") and the
// first command after that rebuilds the decision state. Queries keep
// answering from the read state throughout.
//
// Snapshots: every `snapshot_every` events the projector writes the read
// state to the SnapshotStore (outside any lock: it is the only writer of
// that state), then prunes old ones (snapshot_keep_every); a clean Close()
// writes one at the end of the log, so the next start replays nothing. Each
// snapshot is bound to the log by the chain hash at its position. Open()
// loads the newest snapshot that checks out and whose chain hash equals the
// log's there, and replays the tail; a corrupt or old-format one, or one of
// another log (past the end of a log a crash shortened, copied from another
// store), is skipped with a warning naming the file. ReadAsOf does the same.
//
// Degraded: the read state cannot follow the log. A read error of the log or
// an event that does not decode (the one policy at open, live and in
// History: never skipped, never fatal, named by its position) stops the
// fold just before it; the engine turns degraded (healthy() false,
// HealthError() says why), refuses every command kUnavailable at once
// (nothing is written while the state it would be decided against lags),
// and keeps answering queries from the state it has. The projector retries
// from the first event it could not apply, after kProjectorRetryMin, then
// twice as long after each failure up to kProjectorRetryMax; once a batch
// applies, the engine is healthy again without a restart. Open() does not
// fail on such an error: it opens degraded. History() reads the events the
// read state holds, so it stops before the same position (and answers
// Corruption naming a position should one not decode all the same).
//
// Time travel (ReadAsOf): the state as of an instant is the read state seen
// through a position filter (projections/state_view.h): the full state
// keeps each entity's revisions and the positions of its check-ins, so the
// state as of position P needs no snapshot and no replay, and costs about
// what the same query costs now. Snapshots serve start-up only.
#ifndef OKR_ENGINE_OKR_ENGINE_H_
#define OKR_ENGINE_OKR_ENGINE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "engine/chain_signer.h"
#include "engine/command_handlers.h"
#include "engine/commands.h"
#include "engine/domain_error.h"
#include "engine/event_store.h"
#include "engine/snapshot_store.h"
#include "projections/audit_history.h"
#include "projections/okr_state.h"
#include "projections/state_view.h"

namespace okr {

struct EngineOptions {
  StoreOptions store;  // durability and clock (store.clock is also "today")
  Limits limits;
  // Write a snapshot of the read state every this many events; 0: never.
  std::uint64_t snapshot_every = 250'000;
  // Retention (SnapshotStore::Prune): the newest two, and of older ones the
  // first in each span of this many positions; 0 (the default): only the
  // newest two (start-up reads the newest that checks out; time travel
  // needs none).
  std::uint64_t snapshot_keep_every = 0;
  // Where warnings go (a skipped snapshot, a resync); default: stderr.
  std::function<void(std::string_view)> warn;
  // Test hook: called by the projector before it applies a batch starting
  // at `first_position`; a non-OK status is handled as a read error of the
  // log (the engine turns degraded and retries).
  std::function<Status(std::uint64_t first_position)> TEST_projector_fault;
};

struct CommandRequest {
  Caller caller;
  Command command;
  std::optional<std::uint64_t> if_match;  // the target stream's version
  std::string idempotency_key;            // empty: none
  std::string fingerprint;                // of the request, with the key
  // Renders the answer to remember with the idempotency key, from the
  // decision state after the command's events; called on the decision
  // thread. Optional.
  std::function<std::string(const OkrState& after, const Decision& decision)>
      render;
};

struct CommandResult {
  Decision decision;          // on a replay: only stream and id are known
  std::uint64_t version = 0;  // of decision.stream after the command
  std::uint64_t first_position = 0, last_position = 0;  // 0: nothing appended
  std::int64_t recorded_at_us = 0;
  bool replayed = false;  // an idempotent replay: nothing appended
  std::string response;   // render()'s output (on a replay: the original's)
};

struct EngineStats {
  std::uint64_t decided = 0;   // commands that appended events
  std::uint64_t refused = 0;   // commands refused with a DomainError
  std::uint64_t replayed = 0;  // idempotent replays
  std::uint64_t snapshots = 0;
  std::uint64_t applied_position = 0;  // of the read state
  // The snapshot Open() started from (0: none, the whole log replayed) and
  // how many events it replayed after it.
  std::uint64_t opened_from_snapshot = 0;
  std::uint64_t replayed_at_open = 0;
  // Where Open() spent its time (milliseconds).
  double open_store_ms = 0, load_snapshot_ms = 0, replay_tail_ms = 0;
  // The compact decision state: the objectives and key results it holds,
  // and the objectives of closed cycles it archived (their ids only).
  std::uint64_t decision_objectives = 0, decision_key_results = 0;
  std::uint64_t archived_objectives = 0;
  bool degraded = false;               // see OkrEngine::healthy()
  std::uint64_t projector_errors = 0;  // read or decode errors met, monotonic
};

class OkrEngine {
 public:
  using Done = std::function<void(Outcome<CommandResult>)>;

  // Opens (or creates) the store at `path` with its snapshots in
  // `path`/snapshots, and builds both states.
  static Result<std::unique_ptr<OkrEngine>> Open(const std::string& path,
                                                 EngineOptions options);
  ~OkrEngine();
  OkrEngine(const OkrEngine&) = delete;
  OkrEngine& operator=(const OkrEngine&) = delete;

  // Decides and appends `request`; `done` runs once, on an engine thread,
  // after the events are durable and in the read state (or at once with the
  // refusal). Keep it short: hand work to your own threads.
  void Submit(CommandRequest request, Done done);
  // Submit() and wait.
  Outcome<CommandResult> Execute(CommandRequest request);

  // Runs `fn` with the read state (durable events only) under a shared lock.
  template <class F>
  auto Read(F&& fn) const {
    std::shared_lock lock(read_mu_);
    return fn(static_cast<const OkrState&>(read_state_));
  }

  // Runs `fn`, under the read lock, with the state as of `as_of_us` (events
  // recorded at or before it; an instant at or after the last event is the
  // read state as it is). IOError if the read state cannot reach that
  // position (degraded) within 10 s.
  Status ReadAsOf(std::int64_t as_of_us,
                  const std::function<void(const StateView&)>& fn);

  // Runs `fn`, under the read lock, with the state as of `from_us` and as
  // of `to_us`: two views of one state (the window diff). IOError as
  // ReadAsOf.
  Status ReadWindow(std::int64_t from_us, std::int64_t to_us,
                    const std::function<void(const StateView& from,
                                             const StateView& to)>& fn);

  // Runs `fn` with the fold of the log up to `as_of_us`, from an empty
  // state: for the rare reads that need a whole state of the past (the
  // reminders due as of an instant), and the reference time travel is
  // tested against. Replays the log up to there: a cost that grows with
  // the log, so one runs at a time (a second waits), holding at most one
  // such state in memory. Corruption naming the position if an event does
  // not decode.
  Status FoldAsOf(std::int64_t as_of_us,
                  const std::function<void(const OkrState&)>& fn) const;

  // The audit history of an objective (its own events and every event of
  // its key results) or of a key result, oldest first, up to
  // `as_of_position` (default: all the read state holds). NotFound if the
  // read state has no such objective (or key result) at that position.
  enum class HistoryOf { kObjective, kKeyResult };
  Result<std::vector<HistoryEntry>> History(
      HistoryOf kind, const std::string& id,
      std::optional<std::uint64_t> as_of_position = std::nullopt);

  // The chain's head: the last durable event (position 0 for an empty
  // log). IOError if it cannot be read.
  Result<ChainHead> Head() const;
  // The latest signed checkpoint (ChainHeadSigned) at or before
  // `position`, durable ones only; nullopt if there is none. A few point
  // reads of the stream chain/head.
  Result<std::optional<events::ChainHeadSigned>> CheckpointAt(
      std::uint64_t position) const;

  // Waits until the read state holds position `position` (or `timeout`).
  bool WaitApplied(std::uint64_t position, std::chrono::milliseconds timeout);

  // Today's date (UTC) by the engine's clock.
  Date Today() const;
  std::int64_t NowMicros() const;

  EventStore& store() { return *store_; }
  const SnapshotStore& snapshots() const { return snapshots_; }
  const EngineOptions& options() const { return options_; }
  EngineStats Stats() const;

  // False while degraded (see "Degraded" above). /healthz reports it.
  bool healthy() const { return !degraded_.load(); }
  // Why the engine is degraded (naming the position); empty when healthy.
  std::string HealthError() const;

  static constexpr std::chrono::milliseconds kProjectorRetryMin{100};
  static constexpr std::chrono::milliseconds kProjectorRetryMax{5000};

  // Stops taking commands (later ones are refused kUnavailable), finishes
  // the ones in flight, stops the threads and closes the store. Idempotent.
  void Close();

 private:
  struct Queued {
    CommandRequest request;
    Done done;
  };

  OkrEngine(const std::string& path, EngineOptions options);
  Status Start();
  void DecisionLoop();
  void DecideOne(Queued q);
  // DecideOne's steps (decision thread only).
  void Refuse(Queued q, const DomainError& why);
  // True if the key answered q (parked behind the same key in flight,
  // replayed, or refused); false if q is to be decided.
  bool AnsweredByIdempotencyKey(Queued& q, const std::string& key);
  void AnswerUnchanged(Queued q, Decision decision);
  // Folds the decided events into the decision state; the store's request.
  AppendRequest FoldDecided(const CommandRequest& req,
                            const Decision& decision);
  void Append(Queued q, std::string key, Decision decision);
  // On the store's completion: the command is out of flight; commands
  // parked behind its key are decided next. Any thread.
  void ReleaseKey(const std::string& key, bool appended);
  // Why no command can be decided now (degraded, the store unhealthy, a
  // resync that cannot reach the log), if so. Decision thread only.
  std::optional<DomainError> RefusalBeforeDeciding();
  void ProjectorLoop();
  void WhenApplied(std::uint64_t position, std::function<void()> fn);
  // False (and still needed) when the read state cannot reach the log.
  bool Resync();
  // Decides `req` against the read state (the full one) once it holds
  // everything decided: for commands the compact decision state cannot
  // answer (NeedsFullState). Decision thread only.
  Outcome<Decision> DecideOnReadState(const CommandRequest& req, Date today);
  // Brings back into the decision state, from the read state, the archived
  // entities (closed cycles') that `command` names (ArchivedNamed), so the
  // decision state decides it as the full state would. A refusal if the
  // read state does not catch up. Decision thread only.
  std::optional<DomainError> RestoreArchived(const Command& command);
  // Waits until nothing is in flight and the read state holds every event
  // decided, so the two states are at one position. False if it cannot
  // (the read state is behind the log). Decision thread only.
  bool ReadStateCaughtUp();
  // Archives what the decision state may let go of, and counts it for
  // Stats(). Decision thread only.
  void TidyDecisionState();
  void Warn(std::string_view message) const;
  // The projector met `error`: degraded (warns when the reason changes).
  void SetDegraded(const Status& error);
  void ClearDegraded();
  // Loads the snapshot at `at` into *state, only if it is bound to this log
  // (SnapshotStore::CheckBinding); Corruption saying why otherwise.
  Status LoadBoundSnapshot(std::uint64_t at, OkrState* state) const;

  // Constant after construction.
  const std::string path_;
  EngineOptions options_;
  Clock* clock_ = nullptr;
  SnapshotStore snapshots_;
  std::unique_ptr<EventStore> store_;

  // Decision thread only.
  OkrState decision_state_{History::kLatestOnly};
  std::uint64_t next_position_ = 1;

  // Guarded by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::size_t in_flight_ = 0;  // appended, completion not yet seen
  bool resync_needed_ = false;
  // Idempotency keys (format::PairKey(actor, key), as the store keeps them)
  // of commands in flight, with the commands that carry the same key and
  // wait for its outcome. Whether a durable key answers a command is the
  // store's rule (EventStore::AnswerByKey).
  std::map<std::string, std::vector<Queued>> pending_keys_;

  // The read state: written by the projector thread only.
  mutable std::shared_mutex read_mu_;
  OkrState read_state_;

  // Guarded by applied_mu_.
  mutable std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  std::uint64_t applied_ = 0;
  std::multimap<std::uint64_t, std::function<void()>> waiters_;
  bool projector_stop_ = false;

  // FoldAsOf: one at a time.
  mutable std::mutex fold_mu_;

  // Health (see "Degraded" above). health_error_ guarded by health_mu_.
  std::atomic<bool> degraded_{false};
  mutable std::mutex health_mu_;
  std::string health_error_;
  std::atomic<std::uint64_t> stat_projector_errors_{0};

  // Counters.
  std::atomic<std::uint64_t> stat_decided_{0}, stat_refused_{0},
      stat_replayed_{0}, stat_snapshots_{0};
  // What the decision state holds and has archived, as of the last
  // decision's start (set by the decision thread: TidyDecisionState()).
  std::atomic<std::uint64_t> stat_decision_objectives_{0},
      stat_decision_key_results_{0}, stat_archived_objectives_{0};
  std::uint64_t last_snapshot_ = 0;  // projector thread only
  std::uint64_t opened_from_snapshot_ = 0, replayed_at_open_ = 0;
  double open_ms_[3] = {0, 0, 0};

  std::mutex close_mu_;
  bool closed_ = false;
  std::thread decision_thread_;
  std::thread projector_thread_;
};

// The log's hash at `position`: 32 zero bytes at 0, nullopt past the end.
Result<std::optional<Hash>> ChainHashAt(const EventStore& store,
                                        std::uint64_t position);

// Folds the events after state->last_position() up to `to_position` (0: the
// end of the log) into *state, scanning and decoding on a thread of its own
// while the caller's thread folds. Corruption naming the position if an event
// does not decode (*state then holds every event before it).
// `progress`, if set, is called now and then with the position reached.
Status ReplayInto(const EventStore& store, OkrState* state,
                  std::uint64_t to_position = 0,
                  const std::function<void(std::uint64_t)>& progress = {});

}  // namespace okr

#endif  // OKR_ENGINE_OKR_ENGINE_H_
