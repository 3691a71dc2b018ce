#include "adapters/cli/checkpoint_driver.h"

#include <iostream>

namespace okr {

CheckpointDriver::CheckpointDriver(OkrEngine* engine, const ChainSigner* signer,
                                   std::chrono::seconds interval)
    : engine_(engine), signer_(signer), interval_(interval) {}

CheckpointDriver::~CheckpointDriver() { Stop(); }

void CheckpointDriver::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void CheckpointDriver::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

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
