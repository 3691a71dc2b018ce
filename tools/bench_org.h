// okr-bench org: the OKR engine on a generated organisation (10,000 people
// by default): generation through the engine, rebuild of the current state
// against a raw scan + decode of the same log, start-up with snapshots at
// event-count marks, as_of query latency, peak RSS.
//
// Thread safety: run from main().
#ifndef OKR_TOOLS_BENCH_ORG_H_
#define OKR_TOOLS_BENCH_ORG_H_

#include <cstdint>
#include <string>
#include <vector>

namespace okr::bench {

struct OrgBenchOptions {
  int quarters = 4;
  int departments = 10;
  int teams_per_department = 200;
  int people_per_team = 5;
  std::uint64_t snapshot_every = 0;  // 0: the engine's default
  int as_of_queries = 200;
  // Measure start-up (in a fresh process) once the log passes each mark.
  std::vector<std::uint64_t> startup_marks{1'000'000, 10'000'000};
  std::string dir = "/tmp/okr-bench";
  bool keep = false;
};

int RunOrgBench(const OrgBenchOptions& options);
// The child side of the start-up measurement: opens the engine on `dir`,
// prints "startup <seconds> replayed <n> snapshot <position> hwm_kib <n>".
int RunOrgOpen(const std::string& dir);
// Rebuild (beside a raw scan + decode) and as_of latency on a store left
// by `org --keep` (DIR/org).
int RunOrgAsOf(const std::string& dir, int queries);

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_ORG_H_
