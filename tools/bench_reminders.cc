#include "tools/bench_reminders.h"

#include <date/date.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "adapters/demo/org_generator.h"
#include "adapters/webhook/digest.h"
#include "adapters/webhook/people.h"
#include "engine/okr_engine.h"
#include "engine/reminder_id.h"
#include "events/event_codec.h"
#include "projections/reminders.h"
#include "tools/bench_util.h"

namespace okr::bench {

int RunRemindersBench(const RemindersBenchOptions& o) {
  const std::string dir = o.dir + "/reminders";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("okr-bench reminders: %d people, %d days into a quarter\n",
              o.departments * o.teams_per_department * o.people_per_team,
              o.days);
  const Date stop_at = Date::Parse("2025-01-01")->AddDays(o.days);
  auto quarter = GenerateQuarter(dir, o.departments, o.teams_per_department,
                                 o.people_per_team, stop_at, /*close=*/false);
  if (!quarter) return 1;
  OkrEngine& engine = *quarter->engine;
  const OrgStats& stats = quarter->stats;
  const std::uint64_t last = engine.store().LastPosition();
  const Date at = stop_at.AddDays(1);

  // 1. The full evaluation, five times; the median.
  std::vector<double> full;
  std::size_t due = 0, key_results = 0;
  for (int i = 0; i < 5; ++i) {
    engine.Read([&](const OkrState& s) {
      key_results = s.key_results().size();
      auto start = Clock::now();
      due = DueReminders(s, at).size();
      full.push_back(Seconds(Clock::now() - start) * 1000);
    });
  }
  std::sort(full.begin(), full.end());
  Figure("full evaluation of " + std::to_string(key_results) +
             " key results (" + std::to_string(due) + " due), median",
         full[2], "ms", 1);

  // 2. Incremental: the last 200,000 events, each re-evaluated by its
  //    stream, beside folding them into a state (the baseline every event
  //    pays anyway).
  const std::uint64_t n = std::min<std::uint64_t>(200'000, last);
  auto events = engine.store().ReadAll(last - n + 1, n);
  if (!events.ok()) return 1;
  std::size_t found = 0;
  double eval_s = 0;
  engine.Read([&](const OkrState& s) {
    auto start = Clock::now();
    for (const RecordedEvent& e : events.value()) {
      found += DueRemindersFor(s, at, e.stream).size();
    }
    eval_s = Seconds(Clock::now() - start);
  });
  Figure("incremental evaluation per appended event (by its stream)",
         eval_s / n * 1e6, "us", 2);
  double fold_s = 0;
  {
    OkrState state;  // the state just before those events
    if (!ReplayInto(engine.store(), &state, last - n).ok()) return 1;
    std::vector<events::Event> decoded(events.value().size());
    std::string error;
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      events::Decode(events.value()[i], &decoded[i], &error);
    }
    auto start = Clock::now();
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      state.Apply(events.value()[i], decoded[i]);
    }
    fold_s = Seconds(Clock::now() - start);
  }
  Figure("baseline: folding a decoded event into the full state",
         fold_s / n * 1e6, "us", 2);
  std::printf("  (%zu reminders found over the %llu events)\n", found,
              static_cast<unsigned long long>(n));

  // 3. A Monday's digests: everything due issued in one run, one digest per
  //    person built and rendered for Slack, Teams and email, for a people
  //    file of everyone (read and checked first), beside the evaluation
  //    that found the reminders (its median above).
  Date monday = at;
  while (
      date::weekday(date::sys_days(date::days(monday.days()))).c_encoding() !=
      1) {
    monday = monday.AddDays(1);
  }
  std::vector<events::ReminderIssued> run;
  std::set<std::string> owners;
  engine.Read([&](const OkrState& s) {
    for (const DueReminder& r : DueReminders(s, monday)) {
      run.push_back({ReminderId(r.kind, r.key), r.kind, r.subject, r.recipient,
                     r.key, r.message, monday});
    }
    for (const auto& [id, o] : s.objectives()) owners.insert(o.owner);
    for (const auto& [id, k] : s.kpis()) owners.insert(k.owner);
  });
  static constexpr const char* kZones[] = {"UTC", "Europe/Madrid",
                                           "America/New_York", "Asia/Tokyo"};
  std::string file = "{\"people\": [";
  std::size_t i = 0;
  for (const std::string& a : owners) {
    file += std::string(i == 0 ? "" : ",") + "{\"actor\": \"" + a +
            "\", \"display_name\": \"Person " + std::to_string(i) +
            "\", \"email\": \"" + a +
            "@example.com\", \"slack_member_id\": \"U" +
            std::to_string(100000 + i) + "\", \"time_zone\": \"" +
            kZones[i % 4] + "\"}";
    ++i;
  }
  file += "]}";
  auto start = Clock::now();
  Result<webhook::People> people = webhook::People::Parse("bench", file);
  if (!people.ok()) {
    std::cerr << people.status().ToString() << "\n";
    return 1;
  }
  Figure(
      "reading a people file of " + std::to_string(owners.size()) + " people",
      Seconds(Clock::now() - start) * 1000, "ms", 1);
  std::size_t digests = 0, bytes = 0;
  start = Clock::now();
  engine.Read([&](const OkrState& s) {
    for (const char* channel : {"slack", "teams", "email"}) {
      for (const webhook::Digest& d :
           webhook::BuildDigests(s, run, {}, channel, "bench")) {
        const webhook::Person* p = people.value().Find(d.recipient);
        ++digests;
        if (std::string(channel) == "slack") {
          bytes += webhook::SlackPayload(d, p, "https://okr/#/week").size();
        } else if (std::string(channel) == "teams") {
          bytes += webhook::TeamsPayload(d, p, "https://okr/#/week").size();
        } else if (p != nullptr) {
          bytes += webhook::EmailMessage(d, *p, "okr@example.com",
                                         "https://okr/#/week", 0)
                       .size();
        }
      }
    }
  });
  Figure("every digest of a Monday (" + std::to_string(run.size()) +
             " reminders, " + std::to_string(digests) +
             " digests on 3 channels) built and rendered",
         Seconds(Clock::now() - start) * 1000, "ms", 1);
  std::printf("  (%zu bytes of payloads)\n", bytes);
  engine.Close();
  if (!o.keep) std::filesystem::remove_all(dir);
  return stats.refused == 0 ? 0 : 1;
}

}  // namespace okr::bench
