// okr-bench reminders: the reminder rules on a generated organisation
// (10,000 people by default) halfway through a quarter: a full evaluation
// of the whole state, and the incremental evaluation per appended event
// (DueRemindersFor of the event's stream), beside the baseline of folding
// the same events into the state.
//
// Thread safety: run from main().
#ifndef OKR_TOOLS_BENCH_REMINDERS_H_
#define OKR_TOOLS_BENCH_REMINDERS_H_

#include <string>

namespace okr::bench {

struct RemindersBenchOptions {
  int departments = 10;
  int teams_per_department = 200;
  int people_per_team = 5;
  int days = 45;  // into the quarter
  std::string dir = "/tmp/okr-bench";
  bool keep = false;
};

int RunRemindersBench(const RemindersBenchOptions& options);

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_REMINDERS_H_
