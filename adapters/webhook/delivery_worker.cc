#include "adapters/webhook/delivery_worker.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "adapters/http/json_text.h"
#include "adapters/webhook/webhook_client.h"
#include "engine/sha256.h"
#include "events/event_codec.h"

namespace okr::webhook {

std::string DeliveryWorker::SubscriberFor(const std::string& url) {
  return std::string(kLegacySubscriber) + ":" +
         HashToHex(Sha256Of(url)).substr(0, 12);
}

DeliveryWorker::DeliveryWorker(OkrEngine* engine, DeliveryOptions options)
    : LogFollower(engine, SubscriberFor(options.url), kLegacySubscriber),
      options_(std::move(options)) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

Status DeliveryWorker::Start() {
  if (!ValidWebhookUrl(options_.url)) {
    return Status::InvalidArgument(
        "a --webhook URL must be http(s)://host[:port][/path] without a user "
        "name or password, not \"" +
        Redacted(options_.url) + "\"");
  }
  StartThread();
  return Status::OK();
}

bool DeliveryWorker::HandlePage(const std::vector<RecordedEvent>& page,
                                std::uint64_t*) {
  for (const RecordedEvent& e : page) {
    if (e.type == events::ReminderIssued::kType && !Deliver(e)) return false;
  }
  return true;
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
  bool recorded_before = false;
  WaitForOwnRecords();
  engine_->Read([&](const OkrState& s) {
    auto it = s.reminders().find(r.reminder_id);
    recorded_before = it != s.reminders().end() &&
                      it->second.outcomes.count(options_.url) != 0;
  });
  if (recorded_before) return true;
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
  auto sent = SendWithRetries(options_, r.reminder_id, [&] {
    // Each attempt is signed at its own time, by the engine's clock.
    const std::int64_t now_seconds = engine_->NowMicros() / 1'000'000;
    return PostSigned(options_.url, options_.tls, body, options_.secret,
                      r.reminder_id, now_seconds, options_.timeout);
  });
  if (!sent) return false;  // stopping: not recorded, sent again later
  return Record(options_.actor, r.reminder_id,
                RecordReminderOutcome{r.reminder_id, options_.url, sent->second,
                                      sent->first.ok, sent->first.error});
}

}  // namespace okr::webhook
