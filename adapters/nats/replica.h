// Replica: a read replica's own store, built from the organisation's
// JetStream stream (okr replica). Message n must be the event at position
// n, as the publisher (publisher.h) writes it; each is imported into the
// replica's store with every check of `okr import` (EventStore::
// ImportBatch): the position, the chain (prev_hash, the hash recomputed
// over the stored bytes), stream versions, time not going back. The
// engine over that store answers the read routes as the primary does.
//
// At the first message that does not decode or does not chain, the
// replica stops consuming, keeps serving what it has, and says so (state
// "stopped", the position it holds and why); only an operator restarts
// it. The store's head is the checkpoint: after a restart reading resumes
// at the position after it.
//
// Thread safety: Start() and Stop() from one thread; status() from any.
#ifndef OKR_ADAPTERS_NATS_REPLICA_H_
#define OKR_ADAPTERS_NATS_REPLICA_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "engine/okr_engine.h"
#include "engine/worker_thread.h"

namespace okr::nats {

struct ReplicaOptions {
  std::string url;     // nats://HOST:PORT
  std::string stream;  // the organisation's stream
  std::string org;     // its subjects are okr.<org>.*
  std::chrono::milliseconds wait{5000};
  std::size_t batch = 256;  // messages imported per write, at most
};

struct ReplicaStatus {
  std::string state;  // "ok" (reading), "down" (NATS away) or "stopped"
  std::uint64_t position = 0;  // the last event its read state holds
  std::string error;           // why stopped or down
};

class Replica {
 public:
  // *engine must outlive the replica; nothing else may write its store.
  Replica(OkrEngine* engine, ReplicaOptions options);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  void Start();
  // Asks the reading to stop and returns at once (Stop() waits for it).
  void RequestStop();
  void Stop();  // idempotent

  ReplicaStatus status() const;

 private:
  void Run();
  // Reads and imports until a failure; true if the replica must stop for
  // good (an event that does not chain), false to try again.
  bool Follow(class JetStream& js);
  bool SleepFor(std::chrono::milliseconds d);
  void Set(const std::string& state, const std::string& error);
  // Imports `batch` (in position order); on an event that does not chain,
  // the events before it. The first refusal, if any.
  Status Import(const std::vector<RecordedEvent>& batch);
  // Says why `s` ended the reading; true if the replica stops for good.
  bool Failed(const Status& s);
  // Stops for good (state "stopped"), once the read state holds what the
  // store does.
  void Halt(const std::string& why);

  OkrEngine* const engine_;
  const ReplicaOptions options_;
  mutable std::mutex mu_;
  std::string state_ = "down", error_;  // guarded by mu_
  WorkerThread worker_;  // last: its thread uses the members above
};

}  // namespace okr::nats

#endif  // OKR_ADAPTERS_NATS_REPLICA_H_
