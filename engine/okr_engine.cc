#include "engine/okr_engine.h"

#include <future>
#include <iostream>

#include "engine/okr_engine_internal.h"
#include "engine/subscription.h"
#include "events/event_codec.h"

// OkrEngine, part 1 of 3: opening, the projector, health, closing.
// okr_engine_decide.cc decides commands; okr_engine_read.cc answers reads
// of the past (time travel, history).

namespace okr {
namespace {

// Close() writes a snapshot only if at least this many events came since
// the last one (a few thousand events replay in milliseconds).
constexpr std::uint64_t kCloseSnapshotMinEvents = 10'000;

}  // namespace

using internal::Undecodable;

OkrEngine::OkrEngine(const std::string& path, EngineOptions options)
    : path_(path),
      options_(std::move(options)),
      clock_(options_.store.clock != nullptr ? options_.store.clock
                                             : SystemClock::Default()),
      snapshots_(path + "/snapshots") {
  options_.store.clock = clock_;
}

Result<std::unique_ptr<OkrEngine>> OkrEngine::Open(const std::string& path,
                                                   EngineOptions options) {
  std::unique_ptr<OkrEngine> engine(new OkrEngine(path, std::move(options)));
  if (Status s = engine->Start(); !s.ok()) return s;
  return engine;
}

void OkrEngine::Warn(std::string_view message) const {
  if (options_.warn) {
    options_.warn(message);
  } else {
    std::cerr << "okr: warning: " << message << "\n";
  }
}

Status OkrEngine::Start() {
  using Steady = std::chrono::steady_clock;
  auto ms_since = [](Steady::time_point t) {
    return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
  };
  auto t0 = Steady::now();
  auto store = EventStore::Open(path_, options_.store);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  const std::uint64_t end = store_->LastPosition();
  open_ms_[0] = ms_since(t0);
  t0 = Steady::now();

  // The newest snapshot that checks out, then the tail of the log. The
  // read state and the (compact) decision state load side by side, each
  // streaming the file (neither holds the file in memory).
  std::vector<std::uint64_t> snaps = snapshots_.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    const std::uint64_t at = *it;
    auto compact = std::async(std::launch::async, [this, at] {
      OkrState d(History::kLatestOnly);
      Status s = snapshots_.Load(at, &d);
      if (s.ok()) decision_state_ = std::move(d);
      return s;
    });
    OkrState loaded;
    Status s = LoadBoundSnapshot(at, &loaded);
    Status c = compact.get();
    if (s.ok() && c.ok()) {
      read_state_ = std::move(loaded);
      last_snapshot_ = opened_from_snapshot_ = at;
      break;
    }
    Warn("snapshot ignored, replaying the log instead: " +
         (s.ok() ? c : s).ToString());
  }
  if (opened_from_snapshot_ == 0) {
    read_state_ = OkrState();
    decision_state_ = OkrState(History::kLatestOnly);
  }
  open_ms_[1] = ms_since(t0);
  t0 = Steady::now();
  auto tail = std::async(std::launch::async, [this] {
    return ReplayInto(*store_, &decision_state_);
  });
  Status replayed = ReplayInto(*store_, &read_state_);
  Status decision_replayed = tail.get();
  // Not fatal: the engine opens degraded with the state before the event it
  // could not read, and the projector retries from there.
  if (!replayed.ok()) SetDegraded(replayed);
  if (!decision_replayed.ok()) resync_needed_ = true;
  open_ms_[2] = ms_since(t0);
  replayed_at_open_ = read_state_.last_position() - opened_from_snapshot_;
  applied_ = read_state_.last_position();
  next_position_ = end + 1;
  TidyDecisionState();  // (before the decision thread: then its own)

  decision_thread_ = std::thread([this] { DecisionLoop(); });
  projector_thread_ = std::thread([this] { ProjectorLoop(); });
  return Status::OK();
}

OkrEngine::~OkrEngine() { Close(); }

std::int64_t OkrEngine::NowMicros() const { return clock_->NowMicros(); }
Date OkrEngine::Today() const { return Date::FromMicros(clock_->NowMicros()); }

void OkrEngine::SetDegraded(const Status& error) {
  ++stat_projector_errors_;
  std::string why = error.ToString();
  bool changed;
  {
    std::lock_guard lock(health_mu_);
    changed = !degraded_.load() || health_error_ != why;
    health_error_ = why;
    degraded_.store(true);
  }
  if (changed) {
    Warn("degraded: the state stops at position " +
         std::to_string(read_state_.last_position()) + " (" + why +
         "); commands are refused until the projector gets past it");
  }
}

void OkrEngine::ClearDegraded() {
  {
    std::lock_guard lock(health_mu_);
    health_error_.clear();
    degraded_.store(false);
  }
  Warn("healthy again: the state follows the log");
}

std::string OkrEngine::HealthError() const {
  std::lock_guard lock(health_mu_);
  return health_error_;
}

EngineStats OkrEngine::Stats() const {
  EngineStats s;
  s.degraded = degraded_.load();
  s.projector_errors = stat_projector_errors_.load();
  s.decided = stat_decided_.load();
  s.refused = stat_refused_.load();
  s.replayed = stat_replayed_.load();
  s.snapshots = stat_snapshots_.load();
  s.opened_from_snapshot = opened_from_snapshot_;
  s.replayed_at_open = replayed_at_open_;
  s.open_store_ms = open_ms_[0];
  s.load_snapshot_ms = open_ms_[1];
  s.replay_tail_ms = open_ms_[2];
  s.decision_objectives = stat_decision_objectives_.load();
  s.decision_key_results = stat_decision_key_results_.load();
  s.archived_objectives = stat_archived_objectives_.load();
  std::lock_guard lock(applied_mu_);
  s.applied_position = applied_;
  return s;
}

void OkrEngine::WhenApplied(std::uint64_t position, std::function<void()> fn) {
  {
    std::lock_guard lock(applied_mu_);
    if (applied_ < position && !projector_stop_) {
      waiters_.emplace(position, std::move(fn));
      return;
    }
  }
  fn();
}

bool OkrEngine::WaitApplied(std::uint64_t position,
                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(applied_mu_);
  return applied_cv_.wait_for(lock, timeout, [&] {
    return applied_ >= position || projector_stop_;
  }) && applied_ >= position;
}

void OkrEngine::ProjectorLoop() {
  std::unique_ptr<Subscription> sub = store_->Subscribe(applied_);
  events::Event event;
  std::string error;
  std::chrono::milliseconds backoff = kProjectorRetryMin;
  Hash last_hash{};  // of the last event applied in this loop
  for (;;) {
    Status failed;
    auto batch = sub->Next(4096, std::chrono::milliseconds(100));
    if (!batch.ok()) {
      failed = batch.status();
    } else if (batch->empty()) {
      std::lock_guard lock(applied_mu_);
      if (projector_stop_ || sub->state() == Subscription::State::kClosed) {
        break;
      }
      continue;
    } else if (options_.TEST_projector_fault) {
      failed = options_.TEST_projector_fault(batch->front().position);
    }
    const std::uint64_t before = read_state_.last_position();
    if (failed.ok()) {
      // One policy for an event that does not decode: the fold stops just
      // before it (never skipped) and the engine turns degraded.
      std::unique_lock lock(read_mu_);
      for (const RecordedEvent& e : *batch) {
        if (!events::Decode(e, &event, &error)) {
          failed = Undecodable(e.position, error);
          break;
        }
        read_state_.Apply(e, event);
        last_hash = e.hash;
      }
    }
    const std::uint64_t at = read_state_.last_position();
    if (at > before) {
      std::vector<std::function<void()>> ready;
      {
        std::lock_guard lock(applied_mu_);
        applied_ = at;
        auto end = waiters_.upper_bound(at);
        for (auto it = waiters_.begin(); it != end; ++it) {
          ready.push_back(std::move(it->second));
        }
        waiters_.erase(waiters_.begin(), end);
      }
      applied_cv_.notify_all();
      for (auto& fn : ready) fn();
      // Snapshots: this thread is the read state's only writer, so reading
      // it here needs no lock.
      if (options_.snapshot_every != 0 &&
          at - last_snapshot_ >= options_.snapshot_every) {
        Status s = snapshots_.Write(read_state_, last_hash);
        if (s.ok()) {
          ++stat_snapshots_;
          snapshots_.Prune(options_.snapshot_keep_every, 2);
        } else {
          Warn("snapshot not written: " + s.ToString());
        }
        last_snapshot_ = at;
      }
    }
    if (failed.ok()) {
      if (degraded_.load()) ClearDegraded();
      backoff = kProjectorRetryMin;
      continue;
    }
    // Degraded: answer the commands already durable that waited for the
    // state to show them (their answers were rendered when they were
    // decided; the state shows them once the projector gets past the
    // error), then wait (or stop) and read again from the first event not
    // applied.
    SetDegraded(failed);
    {
      std::multimap<std::uint64_t, std::function<void()>> durable;
      {
        std::lock_guard lock(applied_mu_);
        durable.swap(waiters_);
      }
      for (auto& [pos, fn] : durable) fn();
    }
    {
      std::unique_lock lock(applied_mu_);
      if (applied_cv_.wait_for(lock, backoff,
                               [&] { return projector_stop_; })) {
        break;
      }
    }
    backoff = std::min(backoff * 2, kProjectorRetryMax);
    sub = store_->Subscribe(read_state_.last_position());
  }
  // Whatever still waits is answered: the engine is closing.
  std::multimap<std::uint64_t, std::function<void()>> left;
  {
    std::lock_guard lock(applied_mu_);
    projector_stop_ = true;
    left.swap(waiters_);
  }
  applied_cv_.notify_all();
  for (auto& [pos, fn] : left) fn();
}

void OkrEngine::Close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  std::deque<Queued> refused;
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
    refused.swap(queue_);
  }
  queue_cv_.notify_all();
  for (Queued& q : refused) {
    q.done(DomainError::Unavailable("the engine is shutting down"));
  }
  if (decision_thread_.joinable()) decision_thread_.join();
  {
    // Commands in flight complete (their appends are queued in the store).
    std::unique_lock lock(queue_mu_);
    queue_cv_.wait(lock, [&] { return in_flight_ == 0; });
    refused.swap(queue_);  // parked duplicates released by completions
    for (auto& [k, parked] : pending_keys_) {
      for (Queued& q : parked) refused.push_back(std::move(q));
    }
    pending_keys_.clear();
  }
  for (Queued& q : refused) {
    q.done(DomainError::Unavailable("the engine is shutting down"));
  }
  // (Degraded, the state may never get there: do not wait for it.)
  if (store_ && !degraded_.load()) {
    WaitApplied(store_->LastPosition(), std::chrono::seconds(60));
  }
  {
    std::lock_guard lock(applied_mu_);
    projector_stop_ = true;
  }
  applied_cv_.notify_all();  // a degraded projector waits on it to retry
  if (projector_thread_.joinable()) projector_thread_.join();
  // A clean close leaves a snapshot at the end of the log, so the next
  // start-up replays nothing (when enough happened since the last one).
  if (store_ && options_.snapshot_every != 0 &&
      read_state_.last_position() >= last_snapshot_ + kCloseSnapshotMinEvents) {
    auto bound = ChainHashAt(*store_, read_state_.last_position());
    Status s = !bound.ok()      ? bound.status()
               : !bound.value() ? Status::Corruption("the log ends before it")
                                : snapshots_.Write(read_state_, **bound);
    if (s.ok()) {
      ++stat_snapshots_;
      last_snapshot_ = read_state_.last_position();
      snapshots_.Prune(options_.snapshot_keep_every, 2);
    } else {
      Warn("snapshot at close not written: " + s.ToString());
    }
  }
  if (store_) store_->Close();
}

}  // namespace okr
