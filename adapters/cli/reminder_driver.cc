#include "adapters/cli/reminder_driver.h"

#include <algorithm>
#include <cassert>
#include <iostream>
#include <set>
#include <string>

namespace okr {

ReminderDriver::ReminderDriver(OkrEngine* engine, std::chrono::seconds interval)
    : engine_(engine), interval_(interval), timer_(ioc_) {
  assert(interval.count() > 0);  // REQUIRES
}

ReminderDriver::~ReminderDriver() { Stop(); }

int ReminderDriver::RunOnce() {
  OkrEngine& engine = *engine_;
  const Date today = engine.Today();
  IssueReminders cmd{today, std::nullopt};
  const std::uint64_t position =
      engine.Read([](const OkrState& s) { return s.last_position(); });
  bool complete = true;
  if (last_date_ == today) {
    // The streams written since the last run, up to the state's position.
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
  CommandRequest req;
  req.caller = Caller{"okr-reminders", Role::kAdmin};
  req.command = std::move(cmd);
  Outcome<CommandResult> out = engine.Execute(std::move(req));
  if (!out.ok()) {
    std::cerr << "okr serve: reminders: " << out.error().detail << "\n";
    last_date_.reset();  // evaluate everything again next time
    return 0;
  }
  return static_cast<int>(out.value().decision.events.size());
}

void ReminderDriver::Arm() {
  timer_.expires_after(interval_);
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
  boost::asio::post(ioc_, [this] { timer_.cancel(); });
  if (thread_.joinable()) thread_.join();
}

}  // namespace okr
