// Helpers shared by the okr-bench subcommands: timing, figures printed as
// "<figure>: <value> <unit>", and the process's memory.
//
// Thread safety: Figure() and Ratio() write whole lines to stdout.
#ifndef OKR_TOOLS_BENCH_UTIL_H_
#define OKR_TOOLS_BENCH_UTIL_H_

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "adapters/demo/org_generator.h"
#include "engine/event_store.h"
#include "engine/okr_engine.h"
#include "events/event_codec.h"

namespace okr::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

inline void Figure(const std::string& name, double value,
                   const std::string& unit, int decimals = 0) {
  std::printf("%-64s %14.*f %s\n", (name + ":").c_str(), decimals, value,
              unit.c_str());
  std::fflush(stdout);
}

inline void Ratio(const std::string& name, double ours, double base) {
  std::printf("%-64s %14.2f x\n", (name + ":").c_str(),
              base > 0 ? ours / base : 0.0);
  std::fflush(stdout);
}

// A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"); -1 if absent.
inline long RssKiB(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string want(field);
  while (std::getline(status, line)) {
    if (line.rfind(want, 0) == 0) return std::stol(line.substr(want.size()));
  }
  return -1;
}

// The floor of any answer built from the log: every event read from the
// store and its payload decoded. Returns how many decoded, and how long it
// took; nullopt if the store could not be read.
struct ScanFigures {
  std::uint64_t events = 0;
  double seconds = 0;
};
inline std::optional<ScanFigures> RawScanAndDecode(const EventStore& store) {
  auto start = Clock::now();
  ScanFigures f;
  events::Event e;
  std::string error;
  Status s = store.ForEach(1, [&](const RecordedEvent& r) {
    f.events += events::Decode(r, &e, &error) ? 1 : 0;
    return true;
  });
  if (!s.ok()) return std::nullopt;
  f.seconds = Seconds(Clock::now() - start);
  return f;
}

// An engine on a new store with one generated quarter (from 2025-01-01) of
// an organisation of the given size; prints the events generated and the
// commands refused (which must be 0). The clock outlives the engine.
struct GeneratedQuarter {
  ManualClock clock{0};
  std::unique_ptr<OkrEngine> engine;
  OrgStats stats;
};
inline std::unique_ptr<GeneratedQuarter> GenerateQuarter(
    const std::string& dir, int departments, int teams_per_department,
    int people_per_team, std::optional<Date> stop_at, bool close) {
  auto g = std::make_unique<GeneratedQuarter>();
  EngineOptions options;
  options.store.clock = &g->clock;
  auto opened = OkrEngine::Open(dir, options);
  if (!opened.ok()) {
    std::cerr << "okr-bench: " << opened.status().ToString() << "\n";
    return nullptr;
  }
  g->engine = std::move(opened).value();
  OrgShape shape;
  shape.departments = departments;
  shape.teams_per_department = teams_per_department;
  shape.people_per_team = people_per_team;
  shape.quarters = 1;
  shape.first_quarter_start = *Date::Parse("2025-01-01");
  shape.stop_at = stop_at;
  shape.close_last_quarter = close;
  g->stats = OrgGenerator(*g->engine, g->clock, shape).Run();
  Figure("generated events",
         static_cast<double>(g->engine->store().LastPosition()), "events");
  Figure("refused commands (must be 0)", static_cast<double>(g->stats.refused),
         "commands");
  return g;
}

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_UTIL_H_
