#include "tools/bench_org.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>

#include "adapters/demo/org_generator.h"
#include "adapters/http/json_text.h"
#include "adapters/http/views.h"
#include "engine/okr_engine.h"
#include "events/event_codec.h"
#include "tools/bench_util.h"

namespace okr::bench {
namespace {

std::uint64_t DiskBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

struct OpenFigures {
  double startup_s = 0;
  std::uint64_t replayed = 0, snapshot = 0;
  long hwm_kib = 0;
};

// Start-up measured in a fresh process, so its memory is the engine's own.
OpenFigures MeasureOpen(const std::string& dir) {
  std::string cmd = "/proc/" + std::to_string(::getpid()) +
                    "/exe org-open --dir '" + dir + "'";
  OpenFigures f;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return f;
  char line[512];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    unsigned long long replayed = 0, snapshot = 0;
    long hwm = 0;
    double s = 0;
    if (std::sscanf(line, "startup %lf replayed %llu snapshot %llu hwm_kib %ld",
                    &s, &replayed, &snapshot, &hwm) == 4) {
      f = OpenFigures{s, replayed, snapshot, hwm};
    } else {
      std::fputs(line, stdout);  // the breakdown
    }
  }
  ::pclose(p);
  return f;
}

std::unique_ptr<OkrEngine> OpenEngine(const std::string& dir,
                                      ManualClock* clock,
                                      std::uint64_t snapshot_every) {
  EngineOptions options;
  options.store.clock = clock;
  if (snapshot_every != 0) options.snapshot_every = snapshot_every;
  auto engine = OkrEngine::Open(dir, options);
  if (!engine.ok()) {
    std::cerr << "okr-bench: " << engine.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(engine).value();
}

}  // namespace

// as_of latency at random instants over the whole log: the view alone, and
// a random objective rendered as of the instant beside the same objective
// rendered now. Non-zero if a read fails.
int MeasureAsOf(OkrEngine& engine, int queries) {
  const std::uint64_t events = engine.store().LastPosition();
  std::int64_t first_us = 0, last_us = 0;
  {
    auto a = engine.store().ReadAll(1, 1);
    auto b = engine.store().ReadAll(events, 1);
    if (a.ok() && !a->empty()) first_us = a->front().recorded_at_us;
    if (b.ok() && !b->empty()) last_us = b->front().recorded_at_us;
  }
  // Each query: a random instant and a random objective of the log; the
  // objective (with its key results) rendered as of that instant, beside
  // the same objective rendered now (the baseline of the same run).
  std::vector<std::string> ids;
  engine.Read([&](const OkrState& st) {
    for (const auto& [id, ob] : st.objectives()) ids.push_back(id);
  });
  std::mt19937_64 rng(7);
  std::vector<double> latencies, live_latencies, view_latencies;
  std::size_t sink = 0, found = 0;
  const Date today = Date::FromMicros(last_us);
  for (int i = 0; i < queries && !ids.empty(); ++i) {
    std::int64_t at =
        std::uniform_int_distribution<std::int64_t>(first_us, last_us)(rng);
    const std::string& id =
        ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)];
    auto start = Clock::now();
    Status s = engine.ReadAsOf(
        at, [&](const StateView& st) { sink += st.last_position(); });
    view_latencies.push_back(Seconds(Clock::now() - start) * 1000);
    start = Clock::now();
    if (s.ok()) {
      s = engine.ReadAsOf(at, [&](const StateView& st) {
        if (const Objective* ob = st.FindObjective(id)) {
          sink += http::JsonText(http::ObjectiveJson(st, *ob, today)).size();
          ++found;
        }
      });
    }
    latencies.push_back(Seconds(Clock::now() - start) * 1000);
    if (!s.ok()) {
      std::cerr << "okr-bench: as_of: " << s.ToString() << "\n";
      return 1;
    }
    start = Clock::now();
    engine.Read([&](const OkrState& st) {
      if (const Objective* ob = st.FindObjective(id)) {
        sink += http::JsonText(http::ObjectiveJson(st, *ob, today)).size();
      }
    });
    live_latencies.push_back(Seconds(Clock::now() - start) * 1000);
  }
  auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
  };
  Figure("as_of view at random instants (the state as of it), p50",
         pct(view_latencies, 0.50), "ms", 3);
  Figure("as_of view at random instants, p99", pct(view_latencies, 0.99), "ms",
         3);
  Figure("objective JSON as_of random instants, p50", pct(latencies, 0.50),
         "ms", 3);
  Figure("objective JSON as_of random instants, p99", pct(latencies, 0.99),
         "ms", 3);
  Figure("baseline: the same objectives' JSON now, p50",
         pct(live_latencies, 0.50), "ms", 3);
  Figure("baseline: the same objectives' JSON now, p99",
         pct(live_latencies, 0.99), "ms", 3);
  Ratio("ratio as_of / now, p99", pct(latencies, 0.99),
        pct(live_latencies, 0.99));
  std::printf("  (%zu of %d objectives existed at their instant)\n", found,
              queries);
  return 0;
}

// Rebuild of the current state from the log beside a raw scan + decode of
// the same events (the floor of any replay), in the same run.
int MeasureRebuild(const std::string& dir) {
  {
    StoreOptions so;
    auto store = EventStore::Open(dir, so);
    if (!store.ok()) return 1;
    auto scan = RawScanAndDecode(*store.value());
    if (!scan) return 1;
    double raw = scan->events / scan->seconds;
    Figure("baseline raw scan + decode", raw, "events/s");
    auto start = Clock::now();
    OkrState state;
    Status s = ReplayInto(*store.value(), &state);
    if (!s.ok()) {
      std::cerr << "okr-bench: " << s.ToString() << "\n";
      return 1;
    }
    double rebuild = state.last_position() / Seconds(Clock::now() - start);
    Figure("rebuild of the current state from the log", rebuild, "events/s");
    Ratio("ratio rebuild / raw scan + decode", rebuild, raw);
    std::printf("  (%zu objectives, %zu key results)\n",
                state.objectives().size(), state.key_results().size());
  }
  return 0;
}

int RunOrgAsOf(const std::string& dir, int queries) {
  if (MeasureRebuild(dir) != 0) return 1;
  auto engine = OkrEngine::Open(dir, EngineOptions{});
  if (!engine.ok()) {
    std::cerr << "okr-bench: " << engine.status().ToString() << "\n";
    return 1;
  }
  int status = MeasureAsOf(*engine.value(), queries);
  engine.value()->Close();
  return status;
}

int RunOrgOpen(const std::string& dir) {
  auto start = Clock::now();
  EngineOptions options;
  auto engine = OkrEngine::Open(dir, options);
  if (!engine.ok()) {
    std::cerr << "okr-bench: " << engine.status().ToString() << "\n";
    return 1;
  }
  double s = Seconds(Clock::now() - start);
  EngineStats stats = engine.value()->Stats();
  engine.value()->Close();
  std::printf("startup %.3f replayed %llu snapshot %llu hwm_kib %ld\n", s,
              static_cast<unsigned long long>(stats.replayed_at_open),
              static_cast<unsigned long long>(stats.opened_from_snapshot),
              RssKiB("VmHWM:"));
  std::printf(
      "  (open store %.0f ms, load snapshot %.0f ms, replay tail %.0f "
      "ms)\n",
      stats.open_store_ms, stats.load_snapshot_ms, stats.replay_tail_ms);
  return 0;
}

int RunOrgBench(const OrgBenchOptions& o) {
  const std::string dir = o.dir + "/org";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int people = o.departments * o.teams_per_department * o.people_per_team;
  std::printf(
      "okr-bench org: %d people, %d teams, %d quarters, %u cores, data in %s\n",
      people, o.departments * o.teams_per_department, o.quarters,
      std::thread::hardware_concurrency(), dir.c_str());

  // 1. Generation, a quarter at a time, measuring start-up at the marks.
  ManualClock clock(0);
  auto engine = OpenEngine(dir, &clock, o.snapshot_every);
  std::vector<std::uint64_t> marks = o.startup_marks;
  std::sort(marks.begin(), marks.end());
  std::size_t next_mark = 0;
  double gen_seconds = 0;
  OrgStats total;
  for (int q = 0; q < o.quarters; ++q) {
    OrgShape shape;
    shape.departments = o.departments;
    shape.teams_per_department = o.teams_per_department;
    shape.people_per_team = o.people_per_team;
    shape.quarters = 1;
    shape.first_quarter_start = *Date::Parse("2025-01-01");
    // One quarter per call, each after the last.
    shape.first_quarter_start = AddQuarters(shape.first_quarter_start, q);
    shape.close_last_quarter = q != o.quarters - 1;
    shape.seed = static_cast<std::uint32_t>(q + 1);
    auto start = Clock::now();
    OrgStats s = OrgGenerator(*engine, clock, shape).Run();
    gen_seconds += Seconds(Clock::now() - start);
    total.commands += s.commands;
    total.refused += s.refused;
    total.check_ins += s.check_ins;
    if (total.first_refusal.empty()) total.first_refusal = s.first_refusal;
    std::uint64_t events = engine->store().LastPosition();
    std::printf("  quarter %d: %llu events, %.0f s so far\n", q + 1,
                static_cast<unsigned long long>(events), gen_seconds);
    std::fflush(stdout);
    while (next_mark < marks.size() && events >= marks[next_mark]) {
      engine->Close();
      engine.reset();
      OpenFigures f = MeasureOpen(dir);
      Figure("start-up with snapshots at " + std::to_string(events) + " events",
             f.startup_s * 1000, "ms");
      Figure("  events replayed after the snapshot (at " +
                 std::to_string(f.snapshot) + ")",
             static_cast<double>(f.replayed), "events");
      Figure("  peak RSS of that process", f.hwm_kib / 1024.0, "MiB");
      engine = OpenEngine(dir, &clock, o.snapshot_every);
      ++next_mark;
    }
  }
  const std::uint64_t events = engine->store().LastPosition();
  Figure("generated events", static_cast<double>(events), "events");
  Figure("generated commands", static_cast<double>(total.commands), "commands");
  Figure("refused commands (must be 0)", static_cast<double>(total.refused),
         "commands");
  if (!total.first_refusal.empty()) {
    std::printf("  first refusal: %s\n", total.first_refusal.c_str());
  }
  Figure("generation through the engine (durable, pipelined)",
         events / gen_seconds, "events/s");
  Figure("snapshots kept on disk",
         static_cast<double>(engine->snapshots().List().size()), "files");
  Figure("disk: log + snapshots", DiskBytes(dir) / 1048576.0, "MiB");
  Figure("disk: snapshots", DiskBytes(dir + "/snapshots") / 1048576.0, "MiB");

  // 2. as_of latency at random instants over the whole log.
  if (MeasureAsOf(*engine, o.as_of_queries) != 0) return 1;
  Figure("RSS of the generating process now", RssKiB("VmRSS:") / 1024.0, "MiB");
  engine->Close();
  engine.reset();

  // 3. Rebuild of the current state from the log, beside a raw scan +
  //    decode of the same events (the floor of any replay).
  if (MeasureRebuild(dir) != 0) return 1;
  OpenFigures f = MeasureOpen(dir);
  Figure("start-up with snapshots at " + std::to_string(events) + " events",
         f.startup_s * 1000, "ms");
  Figure("  peak RSS of that process", f.hwm_kib / 1024.0, "MiB");
  if (!o.keep) std::filesystem::remove_all(dir);
  return total.refused == 0 ? 0 : 1;
}

}  // namespace okr::bench
