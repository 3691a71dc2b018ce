// OrgGenerator: a realistic organisation's OKR history, sent as commands
// through an OkrEngine: a company, departments, teams and people; per
// quarter company -> department -> team -> individual objectives aligned
// top-down, key results, weekly check-ins on a trajectory with noise, moved
// targets with reasons, alignment changes, abandoned objectives, and the
// close that grades them. Used by `okr-bench org` (10,000 people) and
// `okr demo` (a few dozen).
//
// Thread safety: Run() from one thread; the engine is shared as usual.
//
// Determinism: the same shape and seed give the same commands in the same
// order, at the same clock times.
#ifndef OKR_ADAPTERS_DEMO_ORG_GENERATOR_H_
#define OKR_ADAPTERS_DEMO_ORG_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>

#include "engine/clock.h"
#include "engine/okr_engine.h"

namespace okr {

struct OrgShape {
  int departments = 10;
  int teams_per_department = 200;
  int people_per_team = 5;
  int quarters = 4;
  Date first_quarter_start;  // a quarter's first day
  int key_results_per_objective = 4;
  bool close_last_quarter = false;  // the last quarter stays active if false
  // Stop the last quarter at this date (its check-ins up to it); 0: full.
  std::optional<Date> stop_at;
  double target_change_rate = 0.05;  // of key results, per quarter
  double realign_rate = 0.02;        // of individual objectives, per quarter
  double abandon_rate = 0.01;        // of individual objectives, per quarter
  std::uint32_t seed = 1;
  std::size_t window = 4096;  // commands in flight at most
  // The clock never goes past this instant (the demo's "now"); 0: no limit.
  std::int64_t clock_limit_us = 0;
  // People by first name ("amara") and teams by name when there are few
  // enough (the demo); else p00001, t0001.
  bool names = false;
  // The admin who creates and closes cycles and owns company objectives.
  std::string admin = "ceo";
};

struct OrgStats {
  std::uint64_t commands = 0;
  std::uint64_t refused = 0;
  std::string first_refusal;  // "slug: detail" of the first one
  std::uint64_t people = 0, objectives = 0, key_results = 0, check_ins = 0;
};

// The first day of the quarter `n` quarters after the one starting at `d`.
Date AddQuarters(Date d, int n);

class OrgGenerator {
 public:
  // `clock` is the engine's clock (EngineOptions::store.clock); the
  // generator moves it through the simulated days. Both must outlive this.
  OrgGenerator(OkrEngine& engine, ManualClock& clock, OrgShape shape);

  // Sends the whole history. `progress`, if set, is called after each day
  // with the date and the commands sent so far.
  OrgStats Run(const std::function<void(Date, std::uint64_t)>& progress = {});

 private:
  struct Impl;
  OkrEngine& engine_;
  ManualClock& clock_;
  OrgShape shape_;
};

}  // namespace okr

#endif  // OKR_ADAPTERS_DEMO_ORG_GENERATOR_H_
