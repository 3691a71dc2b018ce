// The reminder routes of the route table (routes.cc): /v1/reminders and
// below.
#include <optional>
#include <utility>
#include <vector>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"
#include "projections/reminders.h"

namespace okr::http {
namespace {

using nlohmann::json;

// The body of POST /v1/reminders/run: the reminders the run issued.
ApiCall::RenderBody IssuedBody(Date at) {
  return [at](const OkrState& st, const Decision& d, Date) {
    json list = json::array();
    for (const events::Event& e : d.events) {
      const auto& issued = std::get<events::ReminderIssued>(e);
      DueReminder r{issued.kind, issued.subject, issued.recipient, issued.key,
                    issued.message};
      list.push_back(ReminderJson(r, st.FindReminder(r.kind, r.key)));
    }
    return json{{"at", at.ToString()}, {"reminders", std::move(list)}};
  };
}

ReminderPolicy PolicyOf(const ApiCall& c) {
  return c.options.reminder_policy ? c.options.reminder_policy()
                                   : ReminderPolicy{};
}

}  // namespace

void GetReminders(ApiCall& c, const PathParams&) {
  const std::string* recipient = c.Query("recipient");
  // Evaluated under the read lock; the answer is built after it.
  std::vector<std::pair<DueReminder, std::optional<IssuedReminder>>> due;
  Date at;
  const ReminderPolicy policy = PolicyOf(c);
  if (!c.ReadWholeAt([&](const OkrState& st, Date when) {
        at = when;
        for (DueReminder& r : DueReminders(st, when, policy)) {
          if (recipient != nullptr && r.recipient != *recipient) continue;
          const IssuedReminder* issued = st.FindReminder(r.kind, r.key);
          due.emplace_back(std::move(r),
                           issued ? std::optional(*issued) : std::nullopt);
        }
      })) {
    return;
  }
  json list = json::array();
  for (const auto& [r, issued] : due) {
    list.push_back(ReminderJson(r, issued ? &*issued : nullptr));
  }
  c.Json(200, json{{"at", at.ToString()}, {"reminders", std::move(list)}});
}

void PostRemindersRun(ApiCall& c, const PathParams&) {
  Date at = c.engine.Today();
  if (const std::string* a = c.Query("at")) {
    std::optional<Date> d = Date::Parse(*a);
    if (!d) {
      return c.Error(
          DomainError::Invalid("at", "at must be a date YYYY-MM-DD"));
    }
    at = *d;
  }
  JsonBody b = c.Body();
  if (!c.Finish(b)) return;
  // At once, every kind, whatever the schedule of the automatic driver.
  IssueReminders cmd;
  cmd.at = at;
  cmd.policy = PolicyOf(c);
  c.Mutate(std::move(cmd), IssuedBody(at), 200, nullptr);
}

}  // namespace okr::http
