// OkrEngine, part 2 of 3: the decision thread. Commands are queued, then
// decided one at a time against the decision state (DecideOne's steps), and
// appended through the store's group commit.
#include <future>
#include <iostream>

#include "engine/okr_engine.h"
#include "engine/okr_engine_internal.h"
#include "engine/storage_format.h"
#include "events/event_codec.h"

namespace okr {
namespace {

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

DomainError NotCaughtUp() {
  return DomainError::Unavailable(
      "the engine's read state has not caught up with the log; nothing "
      "was written; retry");
}

}  // namespace

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
    key = format::PairKey(q.request.caller.actor, q.request.idempotency_key);
    if (AnsweredByIdempotencyKey(q, key)) return;
  }
  const CommandRequest& req = q.request;
  TidyDecisionState();
  if (!ArchivedNamed(decision_state_, req.command).empty()) {
    if (std::optional<DomainError> refused = RestoreArchived(req.command)) {
      return Refuse(std::move(q), *refused);
    }
  }
  const Date today = Date::FromMicros(clock_->NowMicros());
  Outcome<Decision> decided =
      NeedsFullState(decision_state_, req.command)
          ? DecideOnReadState(req, today)
          : Decide(decision_state_, options_.limits, req.caller, today,
                   req.command, req.if_match);
  if (!decided.ok()) return Refuse(std::move(q), decided.error());
  if (decided.value().events.empty()) {
    return AnswerUnchanged(std::move(q), std::move(decided.value()));
  }
  Append(std::move(q), std::move(key), std::move(decided.value()));
}

void OkrEngine::TidyDecisionState() {
  decision_state_.ArchiveClosedCycles();
  stat_decision_objectives_ = decision_state_.objectives().size();
  stat_decision_key_results_ = decision_state_.key_results().size();
  stat_archived_objectives_ =
      decision_state_.ObjectiveCount() - decision_state_.objectives().size();
}

bool OkrEngine::ReadStateCaughtUp() {
  bool resync;
  {
    std::unique_lock lock(queue_mu_);
    queue_cv_.wait(lock, [&] { return in_flight_ == 0; });
    resync = resync_needed_;
  }
  return (!resync || Resync()) &&
         WaitApplied(next_position_ - 1, std::chrono::seconds(60));
}

Outcome<Decision> OkrEngine::DecideOnReadState(const CommandRequest& req,
                                               Date today) {
  // The decided events fold into the decision state as usual.
  if (!ReadStateCaughtUp()) return NotCaughtUp();
  std::shared_lock lock(read_mu_);
  return Decide(read_state_, options_.limits, req.caller, today, req.command,
                req.if_match);
}

std::optional<DomainError> OkrEngine::RestoreArchived(const Command& command) {
  if (!ReadStateCaughtUp()) return NotCaughtUp();
  // (A resync while catching up may have archived afresh: ask again.)
  ArchivedIds ids = ArchivedNamed(decision_state_, command);
  std::shared_lock lock(read_mu_);
  decision_state_.Restore(read_state_, ids.objectives, ids.key_results);
  return std::nullopt;
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
  // The store's answer for the key (AnswerByKey): never applied, a replay
  // of the original command, or a refusal for another request.
  CommandMeta meta;
  meta.actor = req.caller.actor;
  meta.idempotency_key = req.idempotency_key;
  meta.fingerprint = req.fingerprint;
  auto answer = store_->AnswerByKey(meta);
  if (!answer.ok()) {
    Refuse(std::move(q), FromStatus(answer.status()));
    return true;
  }
  if (!answer.value()) return false;
  const AppendResult& rec = *answer.value();
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
  for (std::size_t i = 0; i < decision.events.size(); ++i) {
    const events::Event& e = decision.events[i];
    NewEvent ne = events::ToNewEvent(e);
    if (i < decision.actors.size()) ne.actor = decision.actors[i];
    before.emplace(ne.stream, decision_state_.StreamVersion(ne.stream));
    RecordedEvent r;
    r.position = next_position_++;
    r.stream = ne.stream;
    r.version = decision_state_.StreamVersion(ne.stream) + 1;
    r.type = ne.type;
    r.schema_version = ne.schema_version;
    r.recorded_at_us = now;
    r.actor = ne.actor.empty() ? req.caller.actor : ne.actor;
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

}  // namespace okr
