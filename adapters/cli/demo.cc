#include "adapters/cli/demo.h"

#include <iostream>

#include "adapters/cli/cli_app.h"
#include "adapters/demo/org_generator.h"
#include "engine/okr_engine.h"

namespace okr {

int RunDemo(const DemoOptions& o) {
  const std::int64_t now = SystemClock::Default()->NowMicros();
  Date today = Date::FromMicros(now);
  std::int64_t limit = now;
  if (!o.today.empty()) {
    std::optional<Date> d = Date::Parse(o.today);
    if (!d) {
      std::cerr << "okr demo: --today must be YYYY-MM-DD\n";
      return kExitUsage;
    }
    today = *d;
    limit = static_cast<std::int64_t>(today.days()) * 86'400'000'000 +
            86'399'000'000;  // the end of that day
  }
  ManualClock clock(0);
  EngineOptions eo;
  eo.store.clock = &clock;
  auto engine = OkrEngine::Open(o.data_dir, eo);
  if (!engine.ok()) {
    std::cerr << "okr demo: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  if (engine.value()->store().LastPosition() != 0) {
    std::cerr << "okr demo: " << o.data_dir
              << " is not empty; the demo seeds an empty store only\n";
    return kExitFailure;
  }
  // The quarter of today and the one before it.
  std::string iso = today.ToString();
  int month = std::stoi(iso.substr(5, 2));
  int first_month = (month - 1) / 3 * 3 + 1;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s-%02d-01", iso.substr(0, 4).c_str(),
                first_month);
  OrgShape shape;
  shape.departments = 3;
  shape.teams_per_department = 3;
  shape.people_per_team = 5;
  shape.quarters = 2;
  shape.first_quarter_start = AddQuarters(*Date::Parse(buf), -1);
  shape.key_results_per_objective = 3;
  shape.stop_at = today;
  shape.close_last_quarter = false;
  shape.target_change_rate = 0.15;
  shape.realign_rate = 0.1;
  shape.abandon_rate = 0.05;
  shape.seed = o.seed;
  shape.clock_limit_us = limit;
  shape.names = true;
  shape.admin = "admin";
  OrgStats stats = OrgGenerator(*engine.value(), clock, shape).Run();
  engine.value()->Close();
  if (stats.refused != 0) {
    std::cerr << "okr demo: " << stats.refused
              << " commands were refused; first: " << stats.first_refusal
              << "\n";
    return kExitFailure;
  }
  std::cout << "okr demo: seeded " << o.data_dir << ": " << stats.people
            << " people, " << stats.objectives << " objectives, "
            << stats.key_results << " key results, " << stats.check_ins
            << " check-ins; quarter from "
            << shape.first_quarter_start.ToString()
            << " closed and graded, the current one in progress up to "
            << today.ToString() << " (admin actor: admin)\n";
  return kExitOk;
}

}  // namespace okr
