// ReminderDriver: in `okr serve`, an Asio timer on its own thread that every
// `interval` issues what is due (IssueReminders, as the admin actor
// "okr-reminders"). The first run is one interval after Start().
//
// The schedule governs issuing (docs/domain-rules.md, "Reminders"):
// - the urgent kinds (kpi_unhealthy, cycle_ending) on every run, for today
//   (UTC, by the engine's clock);
// - the other kinds (the check-in kinds, grading_due, draft_pending,
//   kpi_stale) once a week for each person, at the schedule's day and time
//   in the person's own time zone (the people file; UTC without one, and
//   for "admins"), evaluated for `at` = that person's local date. The run
//   happens at the first timer tick from that time to the end of that
//   local day: a server down all that day skips the week for those people
//   (the next week's run issues what is still due).
//
// Thread safety: Start() and Stop() from one thread; RunOnce() on the
// timer's thread (or a test's, with the driver not started).
#ifndef OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_
#define OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_

// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "adapters/webhook/people.h"
#include "engine/okr_engine.h"

namespace okr {

// "MON 09:00": a weekday (MON..SUN, any case) and a 24-hour time; or
// "always": every kind on every run, as the urgent ones (small teams,
// tests).
struct WeeklySchedule {
  unsigned weekday = 1;  // 0 Sunday .. 6 Saturday (C encoding)
  std::chrono::minutes time{9 * 60};
  bool always = false;
};
std::optional<WeeklySchedule> ParseWeeklySchedule(const std::string& text);

// The local date of the weekly run due for a time zone at `now_us` (UTC
// microseconds): the schedule's day, when local time is at or after the
// schedule's time that day; nullopt otherwise.
std::optional<Date> WeeklyRunDate(const WeeklySchedule& schedule,
                                  const date::time_zone* zone,
                                  std::int64_t now_us);

struct DriverOptions {
  std::chrono::seconds interval{60};  // REQUIRES: > 0
  WeeklySchedule schedule;
  int skip_recent_days = 3;
  // Time zones and managers; null: everyone in UTC, no managers.
  const webhook::PeopleDirectory* people = nullptr;
};

class ReminderDriver {
 public:
  // *engine (and *options.people) must outlive the driver.
  ReminderDriver(OkrEngine* engine, DriverOptions options);
  ~ReminderDriver();

  void Start();
  void Stop();  // idempotent

  // One run at the engine's clock: the urgent kinds for today, and the
  // weekly kinds for every time zone whose run is due and not yet made.
  // Returns how many reminders it issued.
  int RunOnce();

 private:
  void Arm();
  // `kinds` (empty: all) for today, incrementally within a day.
  int RunIncremental(const ReminderPolicy& policy,
                     const std::vector<std::string>& kinds);
  int RunWeekly(const ReminderPolicy& policy);
  // Executes one IssueReminders; the number issued (0 on a refusal, said
  // on stderr).
  int Issue(IssueReminders cmd);

  // Touched only by the thread that runs RunOnce().
  std::optional<Date> last_date_;
  std::uint64_t last_position_ = 0;
  std::map<std::string, Date> weekly_done_;  // time zone -> local date

  OkrEngine* const engine_;
  const DriverOptions options_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
};

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_REMINDER_DRIVER_H_
