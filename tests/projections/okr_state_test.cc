#include "projections/okr_state.h"

#include <boost/test/unit_test.hpp>

#include "events/event_codec.h"

namespace okr {
namespace {

namespace tt = boost::test_tools;
using namespace events;

Date D(const char* s) { return *Date::Parse(s); }

// Applies events as if appended one by one, with stream versions counted.
struct Feed {
  void operator()(Event e, const std::string& actor = "admin") {
    RecordedEvent r;
    r.position = ++position;
    r.stream = StreamOf(e);
    r.version = ++versions[r.stream];
    r.type = TypeOf(e);
    r.actor = actor;
    r.recorded_at_us = 1'790'000'000'000'000 + position;
    state.Apply(r, e);
  }
  OkrState state;
  std::uint64_t position = 0;
  std::map<std::string, std::uint64_t> versions;
};

CheckInRecorded Check(const char* kr, double value, const char* date,
                      std::optional<int> confidence = std::nullopt) {
  CheckInRecorded c;
  c.kr_id = kr;
  c.value = value;
  c.date = D(date);
  c.confidence = confidence;
  return c;
}

// A quarter 2026-07-01 .. 2026-09-30 (91 days) with one objective and two
// key results: NPS 45 -> 60 (weight 1) and churn 20 -> 10 (weight 3).
struct Quarter {
  Quarter() {
    feed(CycleCreated{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")});
    feed(CycleStarted{"q3"});
    ObjectiveCreated o;
    o.objective_id = "love";
    o.cycle_id = "q3";
    o.title = "Customers love us";
    o.level = "team";
    o.owner = "maria";
    feed(o);
    feed(ObjectiveActivated{"love", std::nullopt});
    feed(KeyResultAdded{"nps", "love", "NPS", "metric", "points", 45, 60, 1});
    feed(KeyResultAdded{"churn", "love", "Churn", "metric", "%", 20, 10, 3});
  }
  Feed feed;
};

BOOST_FIXTURE_TEST_SUITE(okr_state, Quarter)

BOOST_AUTO_TEST_CASE(before_any_check_in_current_is_start) {
  const KeyResult& nps = *feed.state.FindKeyResult("nps");
  KeyResultView v = feed.state.ViewKeyResult(nps, D("2026-08-15"));
  BOOST_TEST(v.current == 45.0);
  BOOST_TEST(v.progress == 0.0);
  BOOST_TEST(!v.confidence.has_value());
  // expected 45/91 = 0.4945 > 0.30 ahead of progress 0: off track.
  BOOST_TEST(formulas::StatusName(v.status) == std::string("off_track"));
}

BOOST_AUTO_TEST_CASE(objective_progress_and_status_at_a_date) {
  feed(Check("nps", 52.5, "2026-08-10", 7));  // 7.5/15 = 0.5
  feed(Check("churn", 14, "2026-08-12"));     // -6/-10 = 0.6
  const Objective& o = *feed.state.FindObjective("love");
  // At 2026-08-15: (1 x 0.5 + 3 x 0.6) / 4 = 2.3 / 4 = 0.575.
  ObjectiveView v = feed.state.ViewObjective(o, D("2026-08-15"));
  BOOST_TEST(v.progress == 0.575, tt::tolerance(1e-12));
  // expected 45/91 = 0.4945: gaps -0.005 and -0.105 -> both on track.
  BOOST_TEST(formulas::StatusName(v.status) == std::string("on_track"));
  // At 2026-08-11 only the NPS check-in counts: (0.5 + 0) / 4 = 0.125;
  // expected 41/91 = 0.4505, churn gap 0.4505 -> off track.
  v = feed.state.ViewObjective(o, D("2026-08-11"));
  BOOST_TEST(v.progress == 0.125, tt::tolerance(1e-12));
  BOOST_TEST(formulas::StatusName(v.status) == std::string("off_track"));
}

BOOST_AUTO_TEST_CASE(latest_check_in_is_by_date_then_position) {
  feed(Check("nps", 50, "2026-08-20", 6));
  feed(Check("nps", 48, "2026-08-10"));  // backdated: earlier by date
  feed(Check("nps", 55, "2026-08-20"));  // same date, later position wins
  const KeyResult& nps = *feed.state.FindKeyResult("nps");
  KeyResultView v = feed.state.ViewKeyResult(nps, D("2026-08-31"));
  BOOST_TEST(v.current == 55.0);
  // No confidence on the current one: carried from the latest earlier by
  // (date, position), the 50 of 08-20 with 6.
  BOOST_TEST(v.confidence.value() == 6);
  v = feed.state.ViewKeyResult(nps, D("2026-08-15"));
  BOOST_TEST(v.current == 48.0);
  BOOST_TEST(!v.confidence.has_value());  // nothing earlier had one
}

BOOST_AUTO_TEST_CASE(removed_key_results_leave_progress_and_status) {
  feed(Check("nps", 60, "2026-08-10"));  // done
  feed(KeyResultRemoved{"churn", std::string("Measured elsewhere")});
  const Objective& o = *feed.state.FindObjective("love");
  ObjectiveView v = feed.state.ViewObjective(o, D("2026-08-15"));
  BOOST_TEST(v.progress == 1.0);
  BOOST_TEST(formulas::StatusName(v.status) == std::string("done"));
  BOOST_TEST(feed.state.FindKeyResult("churn")->removed);
  BOOST_TEST(o.key_results.size() == 2u);  // kept in history
}

BOOST_AUTO_TEST_CASE(target_change_keeps_the_original_target) {
  feed(Check("nps", 52.5, "2026-08-10"));
  feed(KeyResultTargetChanged{"nps", 60, 55, std::string("New survey")});
  const KeyResult& nps = *feed.state.FindKeyResult("nps");
  BOOST_TEST(nps.original_target == 60.0);
  BOOST_TEST(nps.target == 55.0);
  // 7.5 / 10 = 0.75 against the new target.
  BOOST_TEST(feed.state.ViewKeyResult(nps, D("2026-08-15")).progress == 0.75,
             tt::tolerance(1e-12));
  BOOST_TEST(nps.version == 3u);  // added, check-in, target change
}

BOOST_AUTO_TEST_CASE(hand_grade_survives_the_grade_at_close) {
  feed(KeyResultGraded{"nps", 0.8, std::string("by hand"), true});
  feed(KeyResultGraded{"nps", 0.1, std::nullopt, false});
  BOOST_TEST(feed.state.FindKeyResult("nps")->grade->score == 0.8);
  BOOST_TEST(feed.state.FindKeyResult("nps")->grade->manual);
}

BOOST_AUTO_TEST_CASE(tree_children_are_ordered_by_id) {
  for (const char* id : {"b-team", "a-team", "c-team"}) {
    ObjectiveCreated o;
    o.objective_id = id;
    o.cycle_id = "q3";
    o.title = id;
    o.level = "individual";
    o.owner = "li";
    o.parent_id = std::string("love");
    feed(o);
  }
  feed(ObjectiveUnaligned{"c-team", "love"});
  auto children = feed.state.Children("q3", std::string("love"));
  BOOST_TEST(children == std::vector<std::string>({"a-team", "b-team"}),
             tt::per_element());
  auto roots = feed.state.Children("q3", std::nullopt);
  BOOST_TEST(roots == std::vector<std::string>({"c-team", "love"}),
             tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
