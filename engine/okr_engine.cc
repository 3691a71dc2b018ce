#include "engine/okr_engine.h"

#include <future>
#include <iostream>

#include "engine/subscription.h"
#include "events/event_codec.h"

namespace okr {
namespace {

// Close() writes a snapshot only if at least this many events came since
// the last one (a few thousand events replay in milliseconds).
constexpr std::uint64_t kCloseSnapshotMinEvents = 10'000;

std::string KeyOf(const std::string& actor, const std::string& key) {
  return actor + '\n' + key;
}

Status Undecodable(std::uint64_t position, const std::string& error) {
  return Status::Corruption("position " + std::to_string(position) +
                            " does not decode: " + error);
}

DomainError FromStatus(const Status& s) {
  if (s.IsVersionConflict()) {
    return DomainError::Conflict("concurrent-change", s.message());
  }
  if (s.IsIdempotencyMismatch()) {
    return DomainError::Conflict("idempotency-key-reused", s.message(),
                                 "Idempotency-Key");
  }
  return DomainError::Unavailable(s.ToString());
}

}  // namespace

Result<std::optional<Hash>> ChainHashAt(const EventStore& store,
                                        std::uint64_t position) {
  if (position == 0) return std::optional<Hash>(Hash{});
  auto got = store.ReadAll(position, 1);
  if (!got.ok()) return got.status();
  if (got->empty() || got->front().position != position) {
    return std::optional<Hash>();
  }
  return std::optional<Hash>(got->front().hash);
}

Status OkrEngine::ReadBoundSnapshot(std::uint64_t at, std::string* body) const {
  Hash bound{};
  if (Status s = snapshots_.ReadBody(at, body, &bound); !s.ok()) return s;
  auto log_hash = ChainHashAt(*store_, at);
  if (!log_hash.ok()) return log_hash.status();
  return SnapshotStore::CheckBinding(snapshots_.PathOf(at), at, bound,
                                     log_hash.value());
}

Status ReplayInto(const EventStore& store, OkrState* state,
                  std::uint64_t to_position,
                  const std::function<void(std::uint64_t)>& progress) {
  if (to_position != 0 && state->last_position() >= to_position) {
    return Status::OK();
  }
  Status failed;
  events::Event event;
  std::string error;
  Status s =
      store.ForEach(state->last_position() + 1, [&](const RecordedEvent& e) {
        if (to_position != 0 && e.position > to_position) return false;
        if (!events::Decode(e, &event, &error)) {
          failed = Undecodable(e.position, error);
          return false;
        }
        state->Apply(e, event);
        if (progress && e.position % 65536 == 0) progress(e.position);
        return true;
      });
  if (!s.ok()) return s;
  if (progress) progress(state->last_position());
  return failed;
}

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
  // read state and the (compact) decision state load side by side.
  std::vector<std::uint64_t> snaps = snapshots_.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    const std::uint64_t at = *it;
    std::string body;
    Status s = ReadBoundSnapshot(at, &body);
    if (!s.ok()) {
      Warn("snapshot ignored, replaying the log instead: " + s.ToString());
      continue;
    }
    auto compact = std::async(std::launch::async, [this, at, &body] {
      OkrState d(History::kLatestOnly);
      Status s = SnapshotStore::Parse(body, at, &d);
      if (s.ok()) decision_state_ = std::move(d);
      return s;
    });
    OkrState loaded;
    s = SnapshotStore::Parse(body, at, &loaded);
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
  std::lock_guard lock(applied_mu_);
  s.applied_position = applied_;
  return s;
}

void OkrEngine::Submit(CommandRequest request, Done done) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(Queued{std::move(request), std::move(done)});
      queue_cv_.notify_all();
      return;
    }
  }
  done(DomainError::Unavailable("the engine is shutting down"));
}

Outcome<CommandResult> OkrEngine::Execute(CommandRequest request) {
  std::promise<Outcome<CommandResult>> promise;
  auto future = promise.get_future();
  Submit(std::move(request), [&promise](Outcome<CommandResult> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

void OkrEngine::DecisionLoop() {
  for (;;) {
    Queued q;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      q = std::move(queue_.front());
      queue_.pop_front();
    }
    DecideOne(std::move(q));
  }
}

bool OkrEngine::Resync() {
  {
    std::unique_lock lock(queue_mu_);
    queue_cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  std::uint64_t end = store_->LastPosition();
  // The read state must hold the whole durable log before it is copied: if
  // the projector cannot get there (degraded), decide nothing on a state
  // that lags; the resync is tried again with the next command.
  if (!WaitApplied(end, std::chrono::seconds(60))) return false;
  {
    std::lock_guard lock(queue_mu_);
    resync_needed_ = false;
  }
  {
    std::shared_lock lock(read_mu_);
    decision_state_ = read_state_;
  }
  decision_state_.Compact();
  next_position_ = end + 1;
  Warn(
      "an append failed: decision state rebuilt from the durable log at "
      "position " +
      std::to_string(end));
  return true;
}

std::optional<DomainError> OkrEngine::RefusalBeforeDeciding() {
  bool resync;
  {
    std::lock_guard lock(queue_mu_);
    resync = resync_needed_;
  }
  // A degraded engine (the read state cannot follow the log): answer at
  // once; the projector retries on its own thread.
  if (degraded_.load()) {
    return DomainError::Unavailable(
        "the engine is degraded (" + HealthError() +
        "); nothing was written; retry once it is healthy");
  }
  // A store refusing writes after a failed one: answer at once (it heals
  // on its own thread); the state is rebuilt on the first command after.
  if (!store_->healthy()) {
    return DomainError::Unavailable(
        "the store is refusing writes after a failed write (" +
        store_->HealthError() +
        "); nothing was written; retry once it is healthy");
  }
  if (resync && !Resync()) {
    return DomainError::Unavailable(
        "the engine's state has not caught up with the log after a failed "
        "write (" +
        (degraded_.load() ? HealthError() : std::string("still replaying")) +
        "); nothing was written; retry");
  }
  return std::nullopt;
}

// One command, in named steps: refused before deciding (degraded store or
// state), answered by its idempotency key (parked behind the same key in
// flight, replayed from the durable record, or refused as reused), decided
// against the decision state, then answered unchanged or appended.
void OkrEngine::DecideOne(Queued q) {
  if (std::optional<DomainError> refused = RefusalBeforeDeciding()) {
    return Refuse(std::move(q), *refused);
  }
  std::string key;
  if (!q.request.idempotency_key.empty()) {
    key = KeyOf(q.request.caller.actor, q.request.idempotency_key);
    if (AnsweredByIdempotencyKey(q, key)) return;
  }
  const CommandRequest& req = q.request;
  const Date today = Date::FromMicros(clock_->NowMicros());
  Outcome<Decision> decided =
      Decide(decision_state_, options_.limits, req.caller, today, req.command,
             req.if_match);
  if (!decided.ok()) return Refuse(std::move(q), decided.error());
  if (decided.value().events.empty()) {
    return AnswerUnchanged(std::move(q), std::move(decided.value()));
  }
  Append(std::move(q), std::move(key), std::move(decided.value()));
}

void OkrEngine::Refuse(Queued q, const DomainError& why) {
  ++stat_refused_;
  q.done(why);
}

bool OkrEngine::AnsweredByIdempotencyKey(Queued& q, const std::string& key) {
  const CommandRequest& req = q.request;
  {
    std::lock_guard lock(queue_mu_);
    auto it = pending_keys_.find(key);
    if (it != pending_keys_.end()) {
      it->second.push_back(std::move(q));  // decided when the first is done
      return true;
    }
  }
  auto record =
      store_->LookupIdempotency(req.caller.actor, req.idempotency_key);
  if (!record.ok()) {
    Refuse(std::move(q), FromStatus(record.status()));
    return true;
  }
  if (!record.value()) return false;
  const format::IdempotencyRecord& rec = *record.value();
  if (rec.fingerprint != req.fingerprint) {
    Refuse(std::move(q), DomainError::Conflict(
                             "idempotency-key-reused",
                             "Idempotency-Key \"" + req.idempotency_key +
                                 "\" was already used for a different request",
                             "Idempotency-Key"));
    return true;
  }
  ++stat_replayed_;
  CommandResult result;
  result.decision.stream = TargetStream(req.command);
  result.first_position = rec.first_position;
  result.last_position = rec.last_position;
  result.recorded_at_us = rec.recorded_at_us;
  result.replayed = true;
  result.response = rec.response;
  WhenApplied(rec.last_position,
              [done = std::move(q.done), result = std::move(result)] {
                done(std::move(result));
              });
  return true;
}

void OkrEngine::AnswerUnchanged(Queued q, Decision decision) {
  // Nothing to append: answer once everything decided so far is in the
  // read state, so the answer shows no event that is not yet durable.
  CommandResult result;
  result.version = decision_state_.StreamVersion(decision.stream);
  if (q.request.render) {
    result.response = q.request.render(decision_state_, decision);
  }
  result.decision = std::move(decision);
  WhenApplied(next_position_ - 1,
              [done = std::move(q.done), result = std::move(result)] {
                done(std::move(result));
              });
}

AppendRequest OkrEngine::FoldDecided(const CommandRequest& req,
                                     const Decision& decision) {
  // The decided events go into the decision state at the positions the
  // store will give them (this thread is the store's only appender), and
  // the store checks the versions they were decided against.
  AppendRequest append;
  std::map<std::string, std::uint64_t> before;
  const std::int64_t now = clock_->NowMicros();
  for (const events::Event& e : decision.events) {
    NewEvent ne = events::ToNewEvent(e);
    before.emplace(ne.stream, decision_state_.StreamVersion(ne.stream));
    RecordedEvent r;
    r.position = next_position_++;
    r.stream = ne.stream;
    r.version = decision_state_.StreamVersion(ne.stream) + 1;
    r.type = ne.type;
    r.schema_version = ne.schema_version;
    r.recorded_at_us = now;
    r.actor = req.caller.actor;
    decision_state_.Apply(r, e);
    append.events.push_back(std::move(ne));
  }
  for (const auto& [stream, version] : before) {
    append.conditions.push_back(StreamCondition{stream, version});
  }
  append.meta.actor = req.caller.actor;
  append.meta.idempotency_key = req.idempotency_key;
  append.meta.fingerprint = req.fingerprint;
  if (req.render) append.meta.response = req.render(decision_state_, decision);
  return append;
}

void OkrEngine::Append(Queued q, std::string key, Decision decision) {
  AppendRequest append = FoldDecided(q.request, decision);
  const std::uint64_t version = decision_state_.StreamVersion(decision.stream);
  std::string response = append.meta.response;
  {
    std::lock_guard lock(queue_mu_);
    ++in_flight_;
    if (!key.empty()) pending_keys_[key];
  }
  store_->AppendAsync(
      std::move(append),
      [this, key = std::move(key), version, response = std::move(response),
       decision = std::move(decision),
       done = std::move(q.done)](Result<AppendResult> appended) mutable {
        ReleaseKey(key, appended.ok());
        if (!appended.ok()) {
          ++stat_refused_;
          done(FromStatus(appended.status()));
          return;
        }
        ++stat_decided_;
        CommandResult result;
        result.decision = std::move(decision);
        result.version = version;
        result.first_position = appended->first_position;
        result.last_position = appended->last_position;
        result.recorded_at_us = appended->recorded_at_us;
        result.replayed = appended->replayed;
        result.response =
            appended->replayed ? appended->response : std::move(response);
        std::uint64_t last = result.last_position;
        WhenApplied(last, [done = std::move(done),
                           result = std::move(result)]() mutable {
          done(std::move(result));
        });
      });
}

void OkrEngine::ReleaseKey(const std::string& key, bool appended) {
  {
    std::lock_guard lock(queue_mu_);
    --in_flight_;
    if (!appended) resync_needed_ = true;
    if (!key.empty()) {
      auto it = pending_keys_.find(key);
      if (it != pending_keys_.end()) {
        // Decide the parked duplicates next: they now find the record (or,
        // after a failure, decide afresh).
        for (auto p = it->second.rbegin(); p != it->second.rend(); ++p) {
          queue_.push_front(std::move(*p));
        }
        pending_keys_.erase(it);
      }
    }
  }
  queue_cv_.notify_all();
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

Status OkrEngine::ReadAsOf(std::int64_t as_of_us,
                           const std::function<void(const OkrState&)>& fn) {
  auto position = store_->PositionAsOf(as_of_us);
  if (!position.ok()) return position.status();
  const std::uint64_t p = position.value();
  WaitApplied(p, std::chrono::seconds(10));
  {
    std::shared_lock lock(read_mu_);
    if (read_state_.last_position() == p) {
      fn(read_state_);
      return Status::OK();
    }
  }
  std::lock_guard lock(as_of_mu_);
  std::uint64_t base = as_of_cache_ && as_of_cache_->last_position() <= p
                           ? as_of_cache_->last_position()
                           : 0;
  std::vector<std::uint64_t> snaps = snapshots_.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    if (*it > p) continue;
    if (*it <= base) break;  // the cached state is at least as close
    auto loaded = std::make_unique<OkrState>();
    std::string body;
    Status s = ReadBoundSnapshot(*it, &body);
    if (s.ok()) s = SnapshotStore::Parse(body, *it, loaded.get());
    if (s.ok()) {
      as_of_cache_ = std::move(loaded);
      base = *it;
      break;
    }
    if (!s.IsNotFound()) {  // NotFound: pruned since List()
      Warn("snapshot ignored for time travel: " + s.ToString());
    }
  }
  if (p == 0) {  // before the first event: nothing to replay
    OkrState empty;
    fn(empty);
    return Status::OK();
  }
  if (!as_of_cache_ || as_of_cache_->last_position() > p) {
    as_of_cache_ = std::make_unique<OkrState>();
  }
  if (Status s = ReplayInto(*store_, as_of_cache_.get(), p); !s.ok()) {
    as_of_cache_.reset();
    return s;
  }
  fn(*as_of_cache_);
  return Status::OK();
}

Result<std::vector<HistoryEntry>> OkrEngine::History(HistoryOf kind,
                                                     const std::string& id) {
  std::vector<std::string> streams;
  std::uint64_t upto = 0;
  Read([&](const OkrState& s) {
    upto = s.last_position();
    if (kind == HistoryOf::kObjective) {
      if (const Objective* o = s.FindObjective(id)) {
        streams.push_back("objective/" + id);
        for (const std::string& k : o->key_results) {
          streams.push_back("kr/" + k);
        }
      }
    } else if (s.FindKeyResult(id) != nullptr) {
      streams.push_back("kr/" + id);
    }
  });
  if (streams.empty()) return Status::NotFound("no such " + id);
  std::vector<RecordedEvent> all;
  for (const std::string& stream : streams) {
    auto got = store_->ReadStream(stream, 1, std::size_t{1} << 30);
    if (!got.ok()) return got.status();
    for (RecordedEvent& e : *got) {
      if (e.position <= upto) all.push_back(std::move(e));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const RecordedEvent& a, const RecordedEvent& b) {
              return a.position < b.position;
            });
  AuditHistory history;
  events::Event event;
  std::string error;
  for (const RecordedEvent& e : all) {
    if (!events::Decode(e, &event, &error)) {
      return Undecodable(e.position, error);
    }
    history.Apply(e, event);
  }
  return history.entries();
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
