#include "adapters/webhook/delivery_worker.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "adapters/http/json_text.h"
#include "adapters/webhook/webhook_client.h"
#include "engine/subscription.h"
#include "events/event_codec.h"

namespace okr::webhook {

DeliveryWorker::DeliveryWorker(OkrEngine* engine, DeliveryOptions options)
    : engine_(engine), options_(std::move(options)) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

Status DeliveryWorker::Start() {
  for (const std::string& url : options_.urls) {
    if (!ParseUrl(url)) {
      return Status::InvalidArgument(
          "webhook URL must be http://host[:port]"
          "[/path], not \"" +
          url + "\"");
    }
  }
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool DeliveryWorker::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void DeliveryWorker::Run() {
  EventStore& store = engine_->store();
  Result<std::uint64_t> checkpoint = store.LoadCheckpoint(kSubscriber);
  if (!checkpoint.ok()) {
    std::cerr << "okr: webhook delivery stopped: "
              << checkpoint.status().ToString() << "\n";
    return;
  }
  std::uint64_t saved = checkpoint.value();
  // The first start ever delivers what is issued from then on, not the
  // reminders of the store's past: the start is made durable at once, so a
  // crash right after cannot move it.
  if (store.LoadSubscriberState(kSubscriber, "started").status().IsNotFound()) {
    saved = store.LastPosition();
    if (Status s = store.SaveCheckpoint(kSubscriber, saved, {{"started", "1"}});
        !s.ok()) {
      std::cerr << "okr: webhook delivery stopped: " << s.ToString() << "\n";
      return;
    }
  }
  std::unique_ptr<Subscription> sub = store.Subscribe(saved);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto page = sub->Next(256, std::chrono::milliseconds(200));
    if (!page.ok()) {
      std::cerr << "okr: webhook delivery: " << page.status().ToString()
                << "\n";
      if (!SleepFor(std::chrono::seconds(1))) return;
      continue;
    }
    if (page.value().empty()) {
      if (sub->state() == Subscription::State::kClosed) return;
      continue;
    }
    bool done = true;
    for (const RecordedEvent& e : page.value()) {
      if (e.type == events::ReminderIssued::kType && !Deliver(e)) {
        done = false;
        break;
      }
    }
    if (!done) {
      // Stopping, or an outcome not recorded: no checkpoint; after a pause
      // the page is read again from the last checkpoint (what has an
      // outcome by then is not sent again).
      if (!SleepFor(std::chrono::seconds(1))) return;
      sub = store.Subscribe(saved);
      continue;
    }
    if (Status s = store.SaveCheckpoint(kSubscriber, sub->position(), {});
        s.ok()) {
      saved = sub->position();
    } else {
      std::cerr << "okr: webhook delivery checkpoint: " << s.ToString() << "\n";
    }
  }
}

bool DeliveryWorker::Deliver(const RecordedEvent& recorded) {
  events::Event decoded;
  std::string error;
  if (!events::Decode(recorded, &decoded, &error)) {
    // Not deliverable ever (the verifier would name it): skipped.
    std::cerr << "okr: webhook delivery: position " << recorded.position << ": "
              << error << "\n";
    return true;
  }
  const auto& r = std::get<events::ReminderIssued>(decoded);
  // Stored text need not be UTF-8 (a store of an older release may hold
  // such bytes): JsonText writes U+FFFD in their place, never throws.
  const std::string body = http::JsonText(
      nlohmann::json{{"id", r.reminder_id},
                     {"kind", r.kind},
                     {"subject", r.subject},
                     {"recipient", r.recipient},
                     {"key", r.key},
                     {"message", r.message},
                     {"at", r.at.ToString()},
                     {"position", recorded.position},
                     {"issued_at", FormatInstant(recorded.recorded_at_us)}});
  std::mt19937 rng(options_.seed != 0 ? options_.seed + recorded.position
                                      : std::random_device{}());
  for (const std::string& url : options_.urls) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
    }
    bool recorded_before = false;
    engine_->Read([&](const OkrState& s) {
      auto it = s.reminders().find(r.reminder_id);
      recorded_before =
          it != s.reminders().end() && it->second.outcomes.count(url) != 0;
    });
    if (recorded_before) continue;
    const Url target = *ParseUrl(url);
    PostResult last;
    int attempt = 0;
    while (attempt < options_.max_attempts) {
      ++attempt;
      ++attempts_;
      // Each attempt is signed at its own time, by the engine's clock.
      const std::int64_t now_seconds = engine_->NowMicros() / 1'000'000;
      last = PostSigned(target, body, options_.secret, r.reminder_id,
                        now_seconds, options_.timeout);
      if (last.ok || attempt == options_.max_attempts) break;
      auto backoff = std::min<std::int64_t>(options_.max_backoff.count(),
                                            options_.base_backoff.count()
                                                << std::min(attempt - 1, 20));
      double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
      if (!SleepFor(std::chrono::milliseconds(
              static_cast<std::int64_t>(backoff * jitter)))) {
        return false;  // stopping: not recorded, sent again after a restart
      }
    }
    CommandRequest req;
    req.caller = Caller{options_.actor, Role::kAdmin};
    req.command =
        RecordReminderOutcome{r.reminder_id, url, attempt, last.ok, last.error};
    Outcome<CommandResult> out = engine_->Execute(std::move(req));
    if (!out.ok()) {
      std::cerr << "okr: webhook delivery: recording " << r.reminder_id << ": "
                << out.error().detail << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace okr::webhook
