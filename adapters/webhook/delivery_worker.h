// DeliveryWorker: delivers every issued reminder (ReminderIssued) to one
// generic webhook (--webhook URL, http:// or https://), one signed JSON
// message per reminder, for machines, and records each outcome in the log
// (ReminderDelivered, or ReminderDeliveryFailed with the last error after
// the last attempt). Each webhook has its own worker, queue and checkpoint
// (follower.h), so a dead or slow one delays only its own messages.
//
// Thread safety: Start() and Stop() from one thread; the worker runs on its
// own thread, so a slow or dead webhook never holds up the API.
//
// Exactly-once effect: a reminder whose outcome for this webhook is in the
// log is not sent again; one that was sent but whose outcome was not
// recorded (a crash) is sent again with the same Idempotency-Key (its
// reminder id), which receivers use to drop the repeat. Reminders are
// issued once by the engine, whatever the worker does.
//
// Signing: each attempt carries X-Okr-Timestamp (Unix seconds by the
// engine's clock, OkrEngine::NowMicros) and X-Okr-Signature over
// "<timestamp>.<body>" (webhook_client.h). The body is JSON; stored text
// that is not UTF-8 is sent with U+FFFD in its place.
#ifndef OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_
#define OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_

#include <string>

#include "adapters/webhook/follower.h"

namespace okr::webhook {

struct DeliveryOptions : RetryPolicy {
  std::string url;  // http:// or https://
  std::string secret;
  Tls tls;
  std::string actor = "okr-delivery";  // who records the outcomes
};

class DeliveryWorker : public LogFollower {
 public:
  // *engine must outlive the worker.
  DeliveryWorker(OkrEngine* engine, DeliveryOptions options);
  ~DeliveryWorker() override;

  // InvalidArgument if the URL is not http(s)://host[:port][/path].
  Status Start();

  // The checkpoint's subscriber name of the webhook at `url`:
  // "webhook-delivery:" and 12 hex digits of its SHA-256 (the URL itself,
  // which may hold a secret, is not written down). A store of an earlier
  // release, with one worker for all webhooks, kept "webhook-delivery":
  // each webhook's first start goes on from there.
  static std::string SubscriberFor(const std::string& url);
  static constexpr char kLegacySubscriber[] = "webhook-delivery";

 private:
  bool HandlePage(const std::vector<RecordedEvent>& page,
                  std::uint64_t* resume_after) override;
  // False when stopping or when the outcome could not be recorded.
  bool Deliver(const RecordedEvent& issued);

  const DeliveryOptions options_;
};

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_
