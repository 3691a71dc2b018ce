// DeliveryWorker: delivers every issued reminder (ReminderIssued) to every
// configured webhook and records each outcome in the log
// (ReminderDelivered, or ReminderDeliveryFailed with the last error after
// the last attempt).
//
// Thread safety: Start() and Stop() from one thread; the worker runs on its
// own thread, so a slow or dead webhook never holds up the API (it only
// delays the reminders queued behind it).
//
// Exactly-once effect. The worker is a subscriber of the durable log with a
// durable checkpoint in the store (EventStore::SaveCheckpoint, subscriber
// "webhook-delivery"), saved after each page of events it has finished.
// Its first start ever begins at the end of the log (reminders issued from
// then on; the store's past is not replayed to a new webhook).
// After a crash it resumes from the checkpoint: a reminder whose outcome
// for a webhook is already in the log is not sent again; one that was sent
// but whose outcome was not recorded is sent again with the same
// Idempotency-Key (its reminder id), which receivers use to drop the
// repeat. Reminders are issued once by the engine, whatever the worker does.
//
// Signing: each attempt carries X-Okr-Timestamp (Unix seconds by the
// engine's clock, OkrEngine::NowMicros) and X-Okr-Signature over
// "<timestamp>.<body>" (webhook_client.h). The body is JSON; stored text
// that is not UTF-8 is sent with U+FFFD in its place.
//
// Retries: attempt n (from 1) failing waits min(max_backoff, base_backoff
// x 2^(n-1)) scaled by a random factor in [0.5, 1) (jitter), up to
// max_attempts attempts.
#ifndef OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_
#define OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/okr_engine.h"

namespace okr::webhook {

struct DeliveryOptions {
  std::vector<std::string> urls;  // http:// only
  std::string secret;
  int max_attempts = 6;
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds timeout{10'000};  // per attempt
  std::uint32_t seed = 0;                     // jitter; 0: random
  std::string actor = "okr-delivery";         // who records the outcomes
};

class DeliveryWorker {
 public:
  // *engine must outlive the worker.
  DeliveryWorker(OkrEngine* engine, DeliveryOptions options);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // InvalidArgument if a URL is not http://host[:port]/path.
  Status Start();
  // Interrupts waits and backoffs; an attempt in flight ends within its
  // timeout. Idempotent.
  void Stop();

  static constexpr char kSubscriber[] = "webhook-delivery";

  // Attempts made so far (for tests and metrics).
  std::uint64_t attempts() const { return attempts_.load(); }

 private:
  void Run();
  // To every webhook without a recorded outcome; false when stopping or
  // when an outcome could not be recorded (the page is then read again).
  bool Deliver(const RecordedEvent& issued);
  // Sleeps up to `d`; false once stopping.
  bool SleepFor(std::chrono::milliseconds d);

  OkrEngine* const engine_;
  const DeliveryOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
  std::atomic<std::uint64_t> attempts_{0};
};

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_DELIVERY_WORKER_H_
