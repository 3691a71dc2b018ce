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

  // One evaluation for `today`: returns how many reminders it issued.
  static int RunOnce(OkrEngine& engine, Date today);

 private:
  void Arm();

  OkrEngine* const engine_;
  const std::chrono::seconds interval_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
};

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_
