// Clock: where the engine reads the time, so that tests and replays can set
// it.
//
// Thread safety: implementations are safe to call from any thread.
#ifndef OKR_ENGINE_CLOCK_H_
#define OKR_ENGINE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace okr {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC. May step backwards (a wall clock
  // does); the store keeps recorded_at monotonic on its own.
  virtual std::int64_t NowMicros() = 0;
};

// The machine's wall clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  std::int64_t NowMicros() override;
  // A process-wide instance; never destroyed.
  static SystemClock* Default();
};

// A clock that only moves when told to: for tests and deterministic replays.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_micros) : now_(start_micros) {}
  std::int64_t NowMicros() override { return now_.load(); }
  void Set(std::int64_t micros) { now_.store(micros); }
  void Advance(std::int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<std::int64_t> now_;
};

// A clock that moves by `step_micros` on every read, from `start_micros`:
// each reader sees a later instant than the one before it, whatever the
// machine's load. For end-to-end tests that need distinct instants (okr
// serve --test-clock-start); never for production, where "today" must
// follow the calendar.
// REQUIRES: step_micros >= 0.
class SteppingClock final : public Clock {
 public:
  SteppingClock(std::int64_t start_micros, std::int64_t step_micros)
      : next_(start_micros), step_(step_micros) {}
  std::int64_t NowMicros() override { return next_.fetch_add(step_); }

 private:
  std::atomic<std::int64_t> next_;
  const std::int64_t step_;
};

}  // namespace okr

#endif  // OKR_ENGINE_CLOCK_H_
