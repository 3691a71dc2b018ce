#include "engine/subscription.h"

#include "engine/event_store.h"

namespace okr {

Subscription::State Subscription::state() const {
  if (store_->closed()) return State::kClosed;
  return position_ < store_->LastPosition() ? State::kCatchingUp : State::kLive;
}

Result<std::vector<RecordedEvent>> Subscription::Next(
    std::size_t max_count, std::chrono::milliseconds wait) {
  if (store_->closed()) return std::vector<RecordedEvent>{};
  if (store_->LastPosition() <= position_ &&
      !store_->WaitForPosition(position_, wait)) {
    return std::vector<RecordedEvent>{};
  }
  Result<std::vector<RecordedEvent>> events =
      store_->ReadAll(position_ + 1, max_count);
  if (events.status().IsClosed()) return std::vector<RecordedEvent>{};
  if (events.ok() && !events->empty()) position_ = events->back().position;
  return events;
}

}  // namespace okr
