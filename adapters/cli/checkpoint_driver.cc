#include "adapters/cli/checkpoint_driver.h"

#include <iostream>

namespace okr {

CheckpointDriver::CheckpointDriver(OkrEngine* engine, const ChainSigner* signer,
                                   std::chrono::seconds interval)
    : engine_(engine), signer_(signer), interval_(interval) {}

CheckpointDriver::~CheckpointDriver() { Stop(); }

void CheckpointDriver::Start() {
  worker_.Start([this] {
    while (worker_.SleepFor(interval_)) RunOnce();
  });
}

void CheckpointDriver::Stop() { worker_.Stop(); }

bool CheckpointDriver::RunOnce() {
  Result<ChainHead> head = engine_->Head();
  if (!head.ok()) {
    std::cerr << "okr serve: checkpoint: " << head.status().ToString() << "\n";
    return false;
  }
  if (head->position == 0 || head->type == events::ChainHeadSigned::kType) {
    return false;  // nothing new to sign
  }
  Result<events::ChainHeadSigned> signed_head = signer_->Sign(*head);
  if (!signed_head.ok()) {
    std::cerr << "okr serve: checkpoint: " << signed_head.status().ToString()
              << "\n";
    return false;
  }
  CommandRequest req;
  req.caller = Caller{"okr-checkpoints", Role::kAdmin};
  req.command = RecordCheckpoint{std::move(signed_head.value())};
  Outcome<CommandResult> done = engine_->Execute(std::move(req));
  if (!done.ok()) {
    // head-moved: a command came in between; the next run signs anew.
    if (done.error().slug != "head-moved") {
      std::cerr << "okr serve: checkpoint: " << done.error().detail << "\n";
    }
    return false;
  }
  return true;
}

}  // namespace okr
