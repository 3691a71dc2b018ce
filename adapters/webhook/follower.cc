#include "adapters/webhook/follower.h"

#include <algorithm>
#include <iostream>
#include <random>

#include "engine/subscription.h"

namespace okr::webhook {

LogFollower::LogFollower(OkrEngine* engine, std::string subscriber,
                         std::string legacy_subscriber)
    : engine_(engine),
      subscriber_(std::move(subscriber)),
      legacy_(std::move(legacy_subscriber)) {}

LogFollower::~LogFollower() { Stop(); }

void LogFollower::StartThread() {
  worker_.Start([this] { Run(); });
}

void LogFollower::RequestStop() { worker_.RequestStop(); }

void LogFollower::Stop() { worker_.Stop(); }

bool LogFollower::stopping() { return worker_.stopping(); }

bool LogFollower::SleepFor(std::chrono::milliseconds d) {
  return worker_.SleepFor(d);
}

std::optional<LogFollower::Sent> LogFollower::SendWithRetries(
    const RetryPolicy& policy, const std::string& id,
    const std::function<SendResult()>& send) {
  if (auto it = unrecorded_.find(id); it != unrecorded_.end()) {
    return it->second;  // sent before; only its record failed
  }
  std::mt19937 rng(policy.seed != 0
                       ? policy.seed + static_cast<std::uint32_t>(
                                           std::hash<std::string>{}(id))
                       : std::random_device{}());
  SendResult last;
  int attempt = 0;
  while (attempt < std::max(1, policy.max_attempts)) {
    if (stopping()) return std::nullopt;
    ++attempt;
    ++attempts_;
    last = send();
    if (last.ok || attempt == policy.max_attempts) break;
    auto backoff = std::min<std::int64_t>(policy.max_backoff.count(),
                                          policy.base_backoff.count()
                                              << std::min(attempt - 1, 20));
    double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
    if (!SleepFor(std::chrono::milliseconds(
            static_cast<std::int64_t>(backoff * jitter)))) {
      return std::nullopt;  // stopping: not recorded, sent again later
    }
  }
  return unrecorded_[id] = std::make_pair(last, attempt);
}

bool LogFollower::Record(const std::string& actor, const std::string& what,
                         Command command) {
  CommandRequest req;
  req.caller = Caller{actor, Role::kAdmin};
  req.command = std::move(command);
  Outcome<CommandResult> out = engine_->Execute(std::move(req));
  if (!out.ok()) {
    std::cerr << "okr: " << subscriber_ << ": recording " << what << ": "
              << out.error().detail << "\n";
    return false;
  }
  unrecorded_.erase(what);
  recorded_upto_ = std::max(recorded_upto_, out.value().last_position);
  return true;
}

void LogFollower::WaitForOwnRecords() {
  if (recorded_upto_ > 0) {
    engine_->WaitApplied(recorded_upto_, std::chrono::seconds(10));
  }
}

void LogFollower::Run() {
  EventStore& store = engine_->store();
  auto fail = [&](const Status& s) {
    std::cerr << "okr: " << subscriber_ << " stopped: " << s.ToString() << "\n";
  };
  Result<std::uint64_t> checkpoint = store.LoadCheckpoint(subscriber_);
  if (!checkpoint.ok()) return fail(checkpoint.status());
  std::uint64_t saved = checkpoint.value();
  if (store.LoadSubscriberState(subscriber_, "started").status().IsNotFound()) {
    saved = store.LastPosition();
    if (!legacy_.empty() &&
        store.LoadSubscriberState(legacy_, "started").ok()) {
      Result<std::uint64_t> old = store.LoadCheckpoint(legacy_);
      if (old.ok()) saved = old.value();
    }
    if (Status s = store.SaveCheckpoint(subscriber_, saved, {{"started", "1"}});
        !s.ok()) {
      return fail(s);
    }
  }
  std::unique_ptr<Subscription> sub = store.Subscribe(saved);
  while (!stopping()) {
    auto page = sub->Next(256, std::chrono::milliseconds(200));
    if (!page.ok()) {
      std::cerr << "okr: " << subscriber_ << ": " << page.status().ToString()
                << "\n";
      if (!SleepFor(std::chrono::seconds(1))) return;
      continue;
    }
    if (page.value().empty()) {
      if (sub->state() == Subscription::State::kClosed) return;
      continue;
    }
    std::uint64_t resume = sub->position();
    if (!HandlePage(page.value(), &resume)) {
      // No checkpoint; after a pause the page is read again from the last
      // one (what has an outcome by then is not sent again).
      if (!SleepFor(std::chrono::seconds(1))) return;
      sub = store.Subscribe(saved);
      continue;
    }
    if (Status s = store.SaveCheckpoint(subscriber_, resume, {}); s.ok()) {
      saved = resume;
    } else {
      std::cerr << "okr: " << subscriber_ << " checkpoint: " << s.ToString()
                << "\n";
    }
    if (resume > sub->position()) sub = store.Subscribe(resume);
  }
}

}  // namespace okr::webhook
