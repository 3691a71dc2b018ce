#include "adapters/cli/reminder_driver.h"

#include <iostream>

#include "projections/reminders.h"

namespace okr {

ReminderDriver::ReminderDriver(OkrEngine* engine, std::chrono::seconds interval)
    : engine_(engine), interval_(interval), timer_(ioc_) {}

ReminderDriver::~ReminderDriver() { Stop(); }

int ReminderDriver::RunOnce(OkrEngine& engine, Date today) {
  IssueReminders cmd{today, {}};
  engine.Read([&](const OkrState& s) { cmd.due = DueReminders(s, today); });
  if (cmd.due.empty()) return 0;
  CommandRequest req;
  req.caller = Caller{"okr-reminders", Role::kAdmin};
  req.command = std::move(cmd);
  Outcome<CommandResult> out = engine.Execute(std::move(req));
  if (!out.ok()) {
    std::cerr << "okr serve: reminders: " << out.error().detail << "\n";
    return 0;
  }
  return static_cast<int>(out.value().decision.events.size());
}

void ReminderDriver::Arm() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopping
    int issued = RunOnce(*engine_, engine_->Today());
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
