#include "adapters/cli/reminder_driver.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <iostream>
#include <set>
#include <string>

namespace okr {

std::optional<WeeklySchedule> ParseWeeklySchedule(const std::string& text) {
  static constexpr const char* kDays[] = {"SUN", "MON", "TUE", "WED",
                                          "THU", "FRI", "SAT"};
  if (text == "always") {
    WeeklySchedule s;
    s.always = true;
    return s;
  }
  if (text.size() != 9 || text[3] != ' ' || text[6] != ':') return std::nullopt;
  std::string day = text.substr(0, 3);
  for (char& c : day) c = static_cast<char>(std::toupper(c));
  WeeklySchedule s;
  auto it = std::find_if(std::begin(kDays), std::end(kDays),
                         [&](const char* d) { return day == d; });
  if (it == std::end(kDays)) return std::nullopt;
  s.weekday = static_cast<unsigned>(it - std::begin(kDays));
  auto digits = [&](std::size_t at) -> int {
    if (!std::isdigit(static_cast<unsigned char>(text[at])) ||
        !std::isdigit(static_cast<unsigned char>(text[at + 1]))) {
      return -1;
    }
    return (text[at] - '0') * 10 + (text[at + 1] - '0');
  };
  int h = digits(4), m = digits(7);
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  s.time = std::chrono::minutes(h * 60 + m);
  return s;
}

std::optional<Date> WeeklyRunDate(const WeeklySchedule& schedule,
                                  const date::time_zone* zone,
                                  std::int64_t now_us) {
  using namespace std::chrono;
  const sys_time<microseconds> now{microseconds(now_us)};
  const auto local = zone->to_local(now);
  const auto local_day = floor<days>(local);
  if (date::weekday(local_day).c_encoding() != schedule.weekday) {
    return std::nullopt;
  }
  if (local - local_day < schedule.time) return std::nullopt;
  return Date::FromDays(
      static_cast<std::int32_t>(local_day.time_since_epoch().count()));
}

ReminderDriver::ReminderDriver(OkrEngine* engine, DriverOptions options)
    : engine_(engine), options_(std::move(options)), timer_(ioc_) {
  assert(options_.interval.count() > 0);  // REQUIRES
}

ReminderDriver::~ReminderDriver() { Stop(); }

namespace {
const std::vector<std::string> kUrgent = {"cycle_ending", "kpi_unhealthy"};
const std::vector<std::string> kWeekly = {
    "checkin_due",   "checkin_escalated", "checkin_overdue",
    "draft_pending", "grading_due",       "kpi_stale"};
}  // namespace

int ReminderDriver::Issue(IssueReminders cmd) {
  CommandRequest req;
  req.caller = Caller{"okr-reminders", Role::kAdmin};
  req.command = std::move(cmd);
  Outcome<CommandResult> out = engine_->Execute(std::move(req));
  if (!out.ok()) {
    std::cerr << "okr serve: reminders: " << out.error().detail << "\n";
    return -1;
  }
  return static_cast<int>(out.value().decision.events.size());
}

int ReminderDriver::RunOnce() {
  std::shared_ptr<const webhook::People> people =
      options_.people != nullptr ? options_.people->Get() : nullptr;
  ReminderPolicy policy;
  if (people) policy.managers = people->Managers();
  policy.skip_recent_days = options_.skip_recent_days;
  if (options_.schedule.always) return RunIncremental(policy, {});
  int issued = RunIncremental(policy, kUrgent);
  try {
    issued += RunWeekly(policy);
  } catch (const std::exception& e) {  // date::locate_zone without tzdata
    std::cerr << "okr serve: weekly reminders: " << e.what() << "\n";
  }
  return issued;
}

// Incremental within a day: the whole state on the first run of a date,
// then only the streams written since the last run (IssueReminders::
// streams), since on one date nothing else can become due.
int ReminderDriver::RunIncremental(const ReminderPolicy& policy,
                                   const std::vector<std::string>& kinds) {
  OkrEngine& engine = *engine_;
  const Date today = engine.Today();
  IssueReminders cmd;
  cmd.at = today;
  cmd.policy = policy;
  cmd.kinds = kinds;
  const std::uint64_t position =
      engine.Read([](const OkrState& s) { return s.last_position(); });
  bool complete = true;
  if (last_date_ == today) {
    std::set<std::string> streams;
    for (std::uint64_t from = last_position_ + 1; from <= position;) {
      auto page = engine.store().ReadAll(
          from, std::min<std::uint64_t>(4096, position - from + 1));
      if (!page.ok() || page.value().empty()) {
        complete = false;  // streams may be missing
        break;
      }
      for (const RecordedEvent& e : page.value()) streams.insert(e.stream);
      from = page.value().back().position + 1;
    }
    if (complete) cmd.streams.emplace(streams.begin(), streams.end());
  }
  // After an incomplete read, this run and the next evaluate everything.
  last_date_ = complete ? std::optional<Date>(today) : std::nullopt;
  last_position_ = position;
  if (cmd.streams && cmd.streams->empty()) return 0;
  int issued = Issue(std::move(cmd));
  if (issued < 0) {
    last_date_.reset();  // evaluate everything again next time
    return 0;
  }
  return issued;
}

int ReminderDriver::RunWeekly(const ReminderPolicy& policy) {
  std::shared_ptr<const webhook::People> people =
      options_.people != nullptr ? options_.people->Get() : nullptr;
  // People by time zone; everyone else (and "admins") is in UTC.
  std::map<std::string, std::set<std::string>> zones;
  std::set<std::string> not_utc;
  if (people) {
    for (const webhook::Person& p : people->all()) {
      if (p.zone->name() == "UTC" || p.zone->name() == "Etc/UTC") continue;
      zones[p.zone->name()].insert(p.actor);
      not_utc.insert(p.actor);
    }
  }
  const std::int64_t now = engine_->NowMicros();
  int issued = 0;
  auto run_zone = [&](const std::string& zone_name, const date::time_zone* z,
                      std::optional<std::set<std::string>> only) {
    std::optional<Date> day = WeeklyRunDate(options_.schedule, z, now);
    if (!day) return;
    auto done = weekly_done_.find(zone_name);
    if (done != weekly_done_.end() && done->second == *day) return;
    IssueReminders cmd;
    cmd.at = *day;
    cmd.policy = policy;
    cmd.kinds = kWeekly;
    // A zone east of UTC reaches its Monday while UTC is still on Sunday.
    cmd.ahead_days = 1;
    if (only) {
      cmd.only_recipients = std::move(only);
    } else {
      cmd.except_recipients = not_utc;
    }
    int n = Issue(std::move(cmd));
    if (n < 0) return;  // tried again at the next tick
    weekly_done_[zone_name] = *day;
    issued += n;
  };
  run_zone("UTC", date::locate_zone("UTC"), std::nullopt);
  for (auto& [name, actors] : zones) {
    run_zone(name, date::locate_zone(name), actors);
  }
  return issued;
}

void ReminderDriver::Arm() {
  timer_.expires_after(options_.interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopping
    int issued = RunOnce();
    if (issued > 0) {
      std::cout << "okr serve: issued " << issued << " reminders" << std::endl;
    }
    Arm();
  });
}

void ReminderDriver::Start() {
  Arm();
  thread_ = std::thread([this] { ioc_.run(); });
}

void ReminderDriver::Stop() {
  // stop() ends run() even when the timer's handler is already queued
  // (a cancel posted behind it would find nothing to cancel).
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace okr
