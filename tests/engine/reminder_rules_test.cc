// The reminder rules of DESIGN §3 at each boundary, on a virtual clock,
// through the real engine; and "each issued at most once per key".
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <vector>

#include "projections/reminders.h"
#include "tests/support/engine_harness.h"

namespace okr::testing {
namespace {

// Quarter 2026-07-01 .. 2026-09-30, started on 07-01. maria's active
// objective love with nps 45 -> 60 (added 07-01) and churn 20 -> 10 (met
// on 07-01: done, never reminded); maria's draft idea (with a key result);
// john's abandoned dropped and achieved won (with key results: never
// reminded); maria's KPI uptime (healthy >= 99, every 7 days, defined
// 07-01).
struct Reminders : EngineHarness {
  Reminders() : EngineHarness("2026-07-01") {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    Objective("maria", "love", true);
    Metric("maria", "love", "nps", 45, 60);
    Metric("maria", "love", "churn", 20, 10);
    CheckIn("maria", "churn", 9, "2026-07-01");
    Objective("maria", "idea", false);
    Metric("maria", "idea", "pilot", 0, 5);
    Objective("john", "dropped", true);
    Metric("john", "dropped", "dx", 0, 5);
    Must(Member("john", TransitionObjective{"dropped",
                                            ObjectiveAction::kAbandon, "no"}));
    Objective("john", "won", true);
    Metric("john", "won", "w", 0, 5);
    Must(Member("john", TransitionObjective{"won", ObjectiveAction::kAchieve,
                                            std::nullopt}));
    DefineKpi k;
    k.id = "uptime";
    k.name = "Uptime";
    k.unit = "%";
    k.healthy_min = 99;
    k.cadence_days = 7;
    Must(Member("maria", k));
  }

  void Objective(const std::string& owner, const std::string& id,
                 bool activate) {
    CreateObjective c;
    c.id = id;
    c.cycle_id = "q3";
    c.title = "Objective " + id;
    c.level = "team";
    Must(Member(owner, c));
    if (activate) {
      Must(Member(owner, TransitionObjective{id, ObjectiveAction::kActivate,
                                             std::nullopt}));
    }
  }
  void Metric(const std::string& owner, const std::string& objective,
              const std::string& id, double start, double target) {
    AddKeyResult k;
    k.objective_id = objective;
    k.id = id;
    k.title = "KR " + id;
    k.kind = "metric";
    k.start = start;
    k.target = target;
    Must(Member(owner, k));
  }
  void CheckIn(const std::string& owner, const std::string& kr, double value,
               const char* date) {
    RecordCheckIn c;
    c.kr_id = kr;
    c.value = value;
    c.date = D(date);
    Must(Member(owner, c));
  }
  void Today(const char* date) { clock().Set(NoonOf(date)); }

  // "kind key recipient" of everything due at `at` whose kind starts with
  // `prefix`, in (kind, key) order.
  std::vector<std::string> Due(const char* at, const std::string& prefix = "") {
    std::vector<std::string> out;
    engine().Read([&](const OkrState& s) {
      for (const DueReminder& r : DueReminders(s, D(at))) {
        if (r.kind.rfind(prefix, 0) == 0) {
          out.push_back(r.kind + " " + r.key + " " + r.recipient);
        }
      }
    });
    return out;
  }
  using List = std::vector<std::string>;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reminder_rules, Reminders)

// No check-in yet: nps counts from the later of starts_on and the day it
// was added (both 07-01). Day 6 nothing; 7 the 7-day reminder; 13 still
// only that; 14 the 14-day one too; 20 no overdue yet; 21 overdue to the
// admins, the 7- and 14-day ones still due.
BOOST_AUTO_TEST_CASE(checkin_due_at_7_and_14_days_overdue_at_21) {
  BOOST_TEST(Due("2026-07-07", "checkin") == List{});
  BOOST_TEST(Due("2026-07-08", "checkin") ==
             List{"checkin_due nps/2026-07-01/7 maria"});
  BOOST_TEST(Due("2026-07-14", "checkin") ==
             List{"checkin_due nps/2026-07-01/7 maria"});
  List both{"checkin_due nps/2026-07-01/14 maria",
            "checkin_due nps/2026-07-01/7 maria"};
  BOOST_TEST(Due("2026-07-15", "checkin") == both);
  BOOST_TEST(Due("2026-07-21", "checkin") == both);
  List all = both;
  all.insert(all.begin(), "checkin_overdue nps/2026-07-01 admins");
  std::sort(all.begin(), all.end());
  BOOST_TEST(Due("2026-07-22", "checkin") == all);
}

// A check-in resets the count; a backdated one counts from its date when it
// is the latest by date, and changes nothing when an later one exists; a
// check-in dated after `at` is not seen at `at`.
BOOST_AUTO_TEST_CASE(check_ins_reset_the_count_backdated_ones_by_their_date) {
  Today("2026-07-20");
  CheckIn("maria", "nps", 50, "2026-07-20");
  BOOST_TEST(Due("2026-07-22", "checkin") == List{});
  BOOST_TEST(Due("2026-07-26", "checkin") == List{});  // day 6
  BOOST_TEST(Due("2026-07-27", "checkin") ==
             List{"checkin_due nps/2026-07-20/7 maria"});
  // Seen from 07-19 the 07-20 check-in is not there yet.
  BOOST_TEST(Due("2026-07-19", "checkin") ==
             (List{"checkin_due nps/2026-07-01/14 maria",
                   "checkin_due nps/2026-07-01/7 maria"}));
  Today("2026-07-30");
  CheckIn("maria", "nps", 52, "2026-07-25");  // backdated, the latest date
  CheckIn("maria", "nps", 40, "2026-07-10");  // backdated, older than 07-25
  BOOST_TEST(Due("2026-07-31", "checkin") == List{});
  BOOST_TEST(Due("2026-08-01", "checkin") ==
             List{"checkin_due nps/2026-07-25/7 maria"});
}

// Draft objectives are reminded to leave the draft from day 7 of the cycle;
// cycle_ending from 14 days before ends_on to ends_on for at_risk and
// off_track objectives; grading_due the day after the end.
BOOST_AUTO_TEST_CASE(draft_cycle_ending_and_grading_boundaries) {
  BOOST_TEST(Due("2026-07-07", "draft") == List{});
  BOOST_TEST(Due("2026-07-08", "draft") == List{"draft_pending idea maria"});
  // love at 09-16: nps never checked in (progress 0), expected 77/91:
  // off_track; churn done.
  BOOST_TEST(Due("2026-09-15", "cycle") == List{});  // 15 days before
  BOOST_TEST(Due("2026-09-16", "cycle") ==
             List{"cycle_ending love/q3 maria"});  // 14 days before
  BOOST_TEST(Due("2026-09-30", "cycle") ==
             List{"cycle_ending love/q3 maria"});  // the last day
  BOOST_TEST(Due("2026-10-01", "cycle") == List{});
  BOOST_TEST(Due("2026-09-30", "grading") == List{});
  BOOST_TEST(Due("2026-10-01", "grading") == List{"grading_due q3 admins"});
  // On track objectives get no cycle_ending: nps met on 09-10.
  Today("2026-09-10");
  CheckIn("maria", "nps", 60, "2026-09-10");
  BOOST_TEST(Due("2026-09-16", "cycle") == List{});
  BOOST_TEST(Due("2026-09-20", "checkin") == List{});  // done: no check-ins
  // A closed cycle reminds nothing more.
  Today("2026-10-02");
  Must(Admin(CloseCycle{"q3"}));
  BOOST_TEST(Due("2026-10-05") == (List{"kpi_stale uptime/2026-07-01 maria"}));
}

// kpi_stale at cadence_days since the last measurement (or since it was
// defined); kpi_unhealthy once per measurement outside the range.
BOOST_AUTO_TEST_CASE(kpi_stale_and_unhealthy) {
  BOOST_TEST(Due("2026-07-07", "kpi") == List{});
  BOOST_TEST(Due("2026-07-08", "kpi") ==
             List{"kpi_stale uptime/2026-07-01 maria"});
  Today("2026-07-12");
  RecordMeasurement m{"uptime", 98.5, D("2026-07-10")};
  CommandResult r = Must(Member("maria", m));
  const std::string unhealthy =
      "kpi_unhealthy uptime/" + std::to_string(r.first_position) + " maria";
  BOOST_TEST(Due("2026-07-16", "kpi") == List{unhealthy});  // 6 days
  BOOST_TEST(Due("2026-07-17", "kpi") ==
             (List{"kpi_stale uptime/2026-07-10 maria", unhealthy}));
  Must(Member("maria", RecordMeasurement{"uptime", 99.5, D("2026-07-12")}));
  BOOST_TEST(Due("2026-07-13", "kpi") == List{});  // healthy again
}

// Issued once per (kind, key): a second run issues nothing; members may
// not issue; what was issued is listed as issued.
BOOST_AUTO_TEST_CASE(each_reminder_is_issued_once) {
  Today("2026-07-22");
  std::vector<DueReminder> due;
  engine().Read(
      [&](const OkrState& s) { due = DueReminders(s, D("2026-07-22")); });
  BOOST_TEST_REQUIRE(due.size() == 5u);  // 3 nps, draft, kpi
  const IssueReminders run{D("2026-07-22"), std::nullopt};
  std::uint64_t before = LastPosition();
  Outcome<CommandResult> refused = Member("maria", run);
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().slug == "forbidden");
  BOOST_TEST(LastPosition() == before);
  CommandResult r = Must(Admin(run));
  BOOST_TEST_REQUIRE(r.decision.events.size() == 5u);
  for (std::size_t i = 0; i < due.size(); ++i) {
    const auto& issued = std::get<events::ReminderIssued>(r.decision.events[i]);
    BOOST_TEST(issued.kind == due[i].kind);
    BOOST_TEST(issued.key == due[i].key);
    BOOST_TEST(issued.recipient == due[i].recipient);
  }
  BOOST_TEST(LastPosition() == before + 5);
  // Again, whole or by streams that share entities: nothing new.
  BOOST_TEST(Must(Admin(run)).decision.events.empty());
  IssueReminders by_streams{D("2026-07-22"),
                            std::vector<std::string>{"kr/nps", "objective/love",
                                                     "kpi/uptime", "cycle/q3"}};
  BOOST_TEST(Must(Admin(by_streams)).decision.events.empty());
  BOOST_TEST(LastPosition() == before + 5);
  // Later the 07-01 reminders are still due, issued; nothing new until the
  // kpi_stale key changes.
  engine().Read([&](const OkrState& s) {
    for (const DueReminder& d : DueReminders(s, D("2026-07-23"))) {
      BOOST_TEST(s.FindReminder(d.kind, d.key) != nullptr, d.key);
    }
  });
  // After a restart the issued ones are still known.
  Today("2026-07-23");
  Reopen();
  BOOST_TEST(Must(Admin(IssueReminders{D("2026-07-23"), std::nullopt}))
                 .decision.events.empty());
}

// The keys a run issued, in order.
std::vector<std::string> IssuedKeys(const CommandResult& r) {
  std::vector<std::string> keys;
  for (const events::Event& e : r.decision.events) {
    keys.push_back(std::get<events::ReminderIssued>(e).key);
  }
  return keys;
}

// Narrowed to streams, a run issues what those streams' entities make due,
// each once even when two streams share it (a key result and its
// objective), and nothing of other entities (idea's draft, the KPI).
BOOST_AUTO_TEST_CASE(a_run_by_streams_issues_what_they_make_due) {
  Today("2026-07-22");
  CommandResult r = Must(Admin(IssueReminders{
      D("2026-07-22"), std::vector<std::string>{"kr/nps", "objective/love"}}));
  // nps, never checked in, added 07-01: 21 days, the two checkin_due keys
  // and the checkin_overdue one; churn is done.
  BOOST_TEST(IssuedKeys(r) == (std::vector<std::string>{"nps/2026-07-01/14",
                                                        "nps/2026-07-01/7",
                                                        "nps/2026-07-01"}),
             boost::test_tools::per_element());
}

// A run for an earlier date is decided against every check-in, not only
// the latest that the decision state keeps: nps checked in on 07-03 and
// 07-20 (both with a confidence); a run on 07-25 for 07-14 finds the 07-03
// check-in 11 days back (one checkin_due, of 7 days), where the latest
// alone would say "none since 07-01".
BOOST_AUTO_TEST_CASE(a_run_for_an_earlier_date_sees_every_check_in) {
  Today("2026-07-20");
  for (const char* date : {"2026-07-03", "2026-07-20"}) {
    RecordCheckIn c;
    c.kr_id = "nps";
    c.value = 47;
    c.confidence = 7;
    c.date = D(date);
    Must(Member("maria", c));
  }
  Today("2026-07-25");
  CommandResult r = Must(Admin(
      IssueReminders{D("2026-07-14"), std::vector<std::string>{"kr/nps"}}));
  BOOST_TEST(IssuedKeys(r) == (std::vector<std::string>{"nps/2026-07-03/7"}),
             boost::test_tools::per_element());
  // Deciding goes on from the compact state: today's run finds nps checked
  // in 5 days ago, nothing due.
  CommandResult today = Must(Admin(
      IssueReminders{D("2026-07-25"), std::vector<std::string>{"kr/nps"}}));
  BOOST_TEST(today.decision.events.empty());
}

// A run for a date after today is refused (422 naming at) and issues
// nothing: grading_due, draft_pending and checkin_due keys do not hold the
// date, so a run for 2099 would spend them all before they are due.
BOOST_AUTO_TEST_CASE(a_run_for_a_later_date_is_refused) {
  Today("2026-07-22");
  bool due_later = engine().Read([&](const OkrState& s) {
    return !DueReminders(s, D("2026-07-23")).empty();
  });
  BOOST_TEST_REQUIRE(due_later);
  std::uint64_t before = LastPosition();
  Outcome<CommandResult> r =
      Admin(IssueReminders{D("2026-07-23"), std::nullopt});
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().slug == "reminder-run-in-future");
  BOOST_TEST(r.error().field == "at");
  BOOST_TEST(static_cast<int>(r.error().kind) ==
             static_cast<int>(ErrorKind::kRule));
  BOOST_TEST(LastPosition() == before);
  // Today itself is fine.
  std::size_t due_today = engine().Read([&](const OkrState& s) {
    return DueReminders(s, D("2026-07-22")).size();
  });
  BOOST_TEST(Must(Admin(IssueReminders{D("2026-07-22"), std::nullopt}))
                 .decision.events.size() == due_today);
}

// The incremental evaluation per stream finds exactly what the full one
// finds, over the union of every entity's stream, at every date of the
// quarter; and each stream's answer is a part of the full one.
BOOST_AUTO_TEST_CASE(per_stream_evaluation_adds_up_to_the_full_one) {
  Today("2026-07-20");
  CheckIn("maria", "nps", 50, "2026-07-20");
  Must(Member("maria", RecordMeasurement{"uptime", 98.5, D("2026-07-10")}));
  engine().Read([&](const OkrState& s) {
    std::vector<std::string> streams;
    for (const auto& [id, c] : s.cycles()) streams.push_back("cycle/" + id);
    for (const auto& [id, o] : s.objectives()) {
      streams.push_back("objective/" + id);
    }
    for (const auto& [id, k] : s.key_results()) streams.push_back("kr/" + id);
    for (const auto& [id, k] : s.kpis()) streams.push_back("kpi/" + id);
    int nonempty = 0;
    for (Date at = D("2026-07-01"); at <= D("2026-10-05"); at = at.AddDays(1)) {
      std::vector<DueReminder> full = DueReminders(s, at);
      std::set<std::pair<std::string, std::string>> want, got;
      for (const DueReminder& r : full) want.insert({r.kind, r.key});
      for (const std::string& stream : streams) {
        for (const DueReminder& r : DueRemindersFor(s, at, stream)) {
          BOOST_TEST_REQUIRE(want.count({r.kind, r.key}) == 1u, r.key);
          got.insert({r.kind, r.key});
        }
      }
      BOOST_TEST_REQUIRE((got == want), at.ToString());
      nonempty += want.empty() ? 0 : 1;
    }
    BOOST_TEST(nonempty > 80);
  });
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::testing
