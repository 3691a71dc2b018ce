// Subscription: reads the log from a position on, first catching up with
// history, then following live appends.
//
// Thread safety: a Subscription is used by one thread at a time. It must not
// outlive the EventStore that made it.
//
// States:
//   kCatchingUp  position() < the durable head seen at the last call: Next()
//                returns history at once, in pages of up to max_count.
//   kLive        position() == the durable head: Next() waits up to `wait`
//                for the next durable batch.
//   kClosed      the store closed; Next() returns an empty list forever.
//
// The seam: both states read one source, the durable log, from position() + 1
// on, and position() advances only past events returned. So the move from
// catch-up to live has nothing to reconcile: no event is skipped and none is
// returned twice, whatever appends race the switch. To resume after a
// restart, store position() as a checkpoint (EventStore::SaveCheckpoint, or
// with the subscriber's own appends) and subscribe again from it.
#ifndef OKR_ENGINE_SUBSCRIPTION_H_
#define OKR_ENGINE_SUBSCRIPTION_H_

#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/status.h"
#include "events/envelope.h"

namespace okr {

class EventStore;

class Subscription {
 public:
  enum class State { kCatchingUp, kLive, kClosed };

  // The next events after position(), at most max_count, in log order. Waits
  // up to `wait` only when there is nothing to return yet. An empty list
  // means nothing new arrived in time (or the store closed).
  Result<std::vector<RecordedEvent>> Next(std::size_t max_count,
                                          std::chrono::milliseconds wait);

  // The position of the last event returned (the checkpoint to store).
  std::uint64_t position() const { return position_; }
  State state() const;

 private:
  friend class EventStore;
  Subscription(const EventStore* store, std::uint64_t after)
      : store_(store), position_(after) {}

  const EventStore* const store_;
  std::uint64_t position_;
};

}  // namespace okr

#endif  // OKR_ENGINE_SUBSCRIPTION_H_
