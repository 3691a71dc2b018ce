// Publisher: the log, published to NATS JetStream (okr serve --publish).
// Every durable event becomes one message of the organisation's stream,
// exactly once and in order, so that the stream's sequence is the log's
// position: message n is the event at position n.
//
//   subject   okr.<org>.<stream kind>  (the envelope stream's prefix:
//             cycle, objective, kr, kpi, reminder, digest, chain)
//   body      the event exactly as one line of `okr export`
//   headers   Nats-Msg-Id: <org>/<position>
//             Nats-Expected-Last-Sequence: <position - 1>
//
// Exactly once across crashes of either side: the stream itself says what
// it holds. Before publishing, and again after any refusal or failure, the
// publisher reads the stream's last sequence and goes on from the position
// after it. The expected last sequence makes the stream refuse a message
// that would leave a gap or land twice (whatever the duplicate window);
// the message id makes a retry of a message already stored (its answer
// lost in a crash) a duplicate that is dropped. A stream that holds more
// messages than the log has events, or whose last message is not the
// log's event at that position (a store restored from an older backup), is
// another log's: the publisher publishes nothing and says so (state "down",
// with the reason).
//
// The durable checkpoint (the store's subscriber "publisher:<stream>")
// records the last position the stream acknowledged, so the lag is known
// while NATS is away and after a restart. It is saved at most once a
// second while publishing, and whenever the publisher is caught up or loses
// the stream (the stream's own last sequence, not the checkpoint, says
// where publishing resumes). While NATS is down the engine
// takes writes as ever; the publisher catches up when it returns.
//
// Thread safety: Start() and Stop() from one thread; status() from any.
#ifndef OKR_ADAPTERS_NATS_PUBLISHER_H_
#define OKR_ADAPTERS_NATS_PUBLISHER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/okr_engine.h"
#include "engine/worker_thread.h"

namespace okr::nats {

struct PublisherOptions {
  std::string url;     // nats://HOST:PORT
  std::string stream;  // the JetStream stream (made if missing)
  std::string org;     // the organisation: okr.<org>.* subjects
  std::chrono::milliseconds wait{5000};  // for each batch's answers
  std::size_t batch = 512;               // events published per round
};

// okr_publisher_* in /metrics and "publisher" in /healthz.
struct PublisherStatus {
  std::string state;            // "ok" (caught up), "behind" or "down"
  std::uint64_t lag = 0;        // durable events not yet in the stream
  std::uint64_t published = 0;  // messages stored by this process
  std::string error;            // why "down", when it is
};

// "" if the options can make a publisher, else why not (naming the flag).
std::string CheckPublisherOptions(const PublisherOptions& o);

class Publisher {
 public:
  // *engine must outlive the publisher.
  Publisher(OkrEngine* engine, PublisherOptions options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void Start();
  void Stop();  // idempotent; an exchange in flight ends within `wait`

  PublisherStatus status() const;

  // The subject of an event of envelope stream `stream` ("kr/nps").
  static std::string SubjectOf(const std::string& org,
                               const std::string& stream);

 private:
  void Run();
  // One connection's life: sync with the stream, then publish as the log
  // grows; returns after a failure (to be retried) or when stopping.
  void Serve(class JetStream& js);
  bool SleepFor(std::chrono::milliseconds d);
  // Why the stream, holding `last` messages, is not a copy of this log of
  // `head` events (more messages, or its last one not the log's event
  // there); "" when it is.
  std::string NotThisLog(class JetStream& js, std::uint64_t last,
                         std::uint64_t head);
  void SetDown(const std::string& why);
  // The stream acknowledged up to `position`: the lag follows it at once,
  // the checkpoint when `save` or a second has passed since the last save.
  void SetPublished(std::uint64_t position, bool save);

  OkrEngine* const engine_;
  const PublisherOptions options_;
  const std::string checkpoint_name_;
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_: why down; "" when connected
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> stream_last_{0};  // acknowledged position
  std::atomic<std::uint64_t> published_{0};
  // The publisher thread's: the checkpoint saved, and when.
  std::uint64_t saved_ = 0;
  std::chrono::steady_clock::time_point saved_at_{};
  WorkerThread worker_;  // last: its thread uses the members above
};

}  // namespace okr::nats

#endif  // OKR_ADAPTERS_NATS_PUBLISHER_H_
