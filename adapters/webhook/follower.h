// LogFollower: what every delivery worker shares. A subscriber of the
// durable log with a durable checkpoint in the store (EventStore::
// SaveCheckpoint under its own subscriber name), on its own thread, with
// retries that back off.
//
// Checkpoints: saved after each page the worker has finished. The first
// start ever begins at the end of the log (what is issued from then on;
// the store's past is not replayed to a new receiver), made durable at
// once so a crash right after cannot move it; a worker whose own
// checkpoint was never written but whose `legacy` subscriber's was (a
// store of an earlier release) starts from that one instead. After a
// crash a worker resumes from its checkpoint: what has an outcome in the
// log is not sent again, what was sent without one is sent again with the
// same id.
//
// Retries: attempt n (from 1) failing waits min(max_backoff, base_backoff
// x 2^(n-1)) scaled by a random factor in [0.5, 1) (jitter), up to
// max_attempts attempts.
//
// Thread safety: Start() and Stop() from one thread; HandlePage() runs on
// the worker's thread. Derived classes call Stop() in their destructor.
#ifndef OKR_ADAPTERS_WEBHOOK_FOLLOWER_H_
#define OKR_ADAPTERS_WEBHOOK_FOLLOWER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/webhook/transport.h"
#include "engine/okr_engine.h"
#include "engine/worker_thread.h"

namespace okr::webhook {

struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds timeout{10'000};  // per attempt
  std::uint32_t seed = 0;                     // jitter; 0: random
};

class LogFollower {
 public:
  // *engine must outlive the follower.
  LogFollower(OkrEngine* engine, std::string subscriber,
              std::string legacy_subscriber = "");
  virtual ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Asks the worker to stop (interrupting waits and backoffs) without
  // waiting for it: a server stops all its workers at once this way, then
  // joins each with Stop().
  void RequestStop();
  // RequestStop() and waits for the thread; an attempt in flight ends
  // within its timeout. Idempotent.
  void Stop();

  const std::string& subscriber() const { return subscriber_; }
  // Attempts made so far (for tests and metrics).
  std::uint64_t attempts() const { return attempts_.load(); }

 protected:
  void StartThread();
  // Handles one page of events. False when not finished (stopping, or an
  // outcome not recorded): after a pause the page is read again from the
  // last checkpoint. *resume_after, set past the page's last position when
  // the page's handling read further on (a run of reminders longer than
  // the page), is where the checkpoint goes and reading goes on.
  virtual bool HandlePage(const std::vector<RecordedEvent>& page,
                          std::uint64_t* resume_after) = 0;

  bool stopping();
  // Sleeps up to `d`; false once stopping.
  bool SleepFor(std::chrono::milliseconds d);
  using Sent = std::pair<SendResult, int>;  // the last result, attempts
  // Calls `send` until it succeeds or max_attempts are spent, backing off
  // between attempts; `salt` varies the jitter of a seeded policy. The
  // last result and the attempts made; nullopt when stopping interrupted.
  // A message whose outcome could not be recorded (Record() false) is not
  // sent again while the worker runs: its outcome, kept under `id`, is
  // what the next try records.
  std::optional<Sent> SendWithRetries(const RetryPolicy& policy,
                                      const std::string& id,
                                      const std::function<SendResult()>& send);
  // Waits (at most 10 s) until the read state holds every outcome this
  // worker recorded, so that "recorded before" is judged on them all.
  void WaitForOwnRecords();
  // Records the outcome of message `id` through the engine, as the admin
  // actor `actor`; false (said on stderr) when it could not be recorded.
  bool Record(const std::string& actor, const std::string& id, Command command);

  OkrEngine* const engine_;

 private:
  void Run();

  const std::string subscriber_, legacy_;
  WorkerThread worker_;
  std::atomic<std::uint64_t> attempts_{0};
  std::uint64_t recorded_upto_ = 0;  // worker thread only
  // Sent, outcome not yet recorded (worker thread only).
  std::map<std::string, Sent> unrecorded_;
};

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_FOLLOWER_H_
