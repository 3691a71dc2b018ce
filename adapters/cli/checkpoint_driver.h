// CheckpointDriver: in `okr serve --signing-key`, a thread that every
// `interval` signs the chain head and appends it to the log as a
// ChainHeadSigned event (RecordCheckpoint, as the admin actor
// "okr-checkpoints"), when the head moved since the last checkpoint: a
// head that is itself a checkpoint is not signed again, so an idle server
// appends nothing. A command that slips in between the read of the head
// and the checkpoint's decision makes the engine refuse it (head-moved);
// the next run signs the new head.
//
// Thread safety: Start() and Stop() from one thread; RunOnce() on the
// driver's thread (or a test's, with the driver not started).
#ifndef OKR_ADAPTERS_CLI_CHECKPOINT_DRIVER_H_
#define OKR_ADAPTERS_CLI_CHECKPOINT_DRIVER_H_

#include <chrono>

#include "engine/chain_signer.h"
#include "engine/okr_engine.h"
#include "engine/worker_thread.h"

namespace okr {

class CheckpointDriver {
 public:
  // *engine and *signer must outlive the driver. REQUIRES: interval > 0.
  CheckpointDriver(OkrEngine* engine, const ChainSigner* signer,
                   std::chrono::seconds interval);
  ~CheckpointDriver();

  void Start();
  void Stop();  // idempotent

  // Signs and appends the head if it moved; true if a checkpoint was
  // appended. Refusals and errors go to stderr.
  bool RunOnce();

 private:
  OkrEngine* const engine_;
  const ChainSigner* const signer_;
  const std::chrono::seconds interval_;
  WorkerThread worker_;
};

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_CHECKPOINT_DRIVER_H_
