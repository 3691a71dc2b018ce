// ReminderDriver: in `okr serve`, an Asio timer on its own thread that every
// `interval` evaluates the reminder rules for today (UTC, by the engine's
// clock) and issues what is due (IssueReminders, as the admin actor
// "okr-reminders"). The first run is one interval after Start().
//
// Thread safety: Start() and Stop() from one thread.
#ifndef OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_
#define OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_

// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "engine/okr_engine.h"

namespace okr {

class ReminderDriver {
 public:
  // *engine must outlive the driver. REQUIRES: interval > 0.
  ReminderDriver(OkrEngine* engine, std::chrono::seconds interval);
  ~ReminderDriver();

  void Start();
  void Stop();  // idempotent

  // One run for today: IssueReminders over the whole state on the first
  // run of a day, then over the streams written since the last run
  // (IssueReminders::streams). Returns how many reminders it issued.
  int RunOnce();

 private:
  void Arm();

  // Touched only by the timer's thread.
  std::optional<Date> last_date_;
  std::uint64_t last_position_ = 0;

  OkrEngine* const engine_;
  const std::chrono::seconds interval_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
};

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_
