#include "tools/bench_reminders.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "adapters/demo/org_generator.h"
#include "engine/okr_engine.h"
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
  engine.Close();
  if (!o.keep) std::filesystem::remove_all(dir);
  return stats.refused == 0 ? 0 : 1;
}

}  // namespace okr::bench
