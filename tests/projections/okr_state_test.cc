#include "projections/okr_state.h"

#include <boost/test/unit_test.hpp>
#include <cereal/archives/binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

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

// The same events into a full and a compact state: q3 with "love" (nps,
// churn) closes, q4 with "next" (k4) stays active.
struct TwoQuarters {
  TwoQuarters() {
    Both(CycleCreated{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")});
    Both(CycleStarted{"q3"});
    Both(Objective("love", "q3"));
    Both(ObjectiveActivated{"love", std::nullopt});
    Both(KeyResultAdded{"nps", "love", "NPS", "metric", "points", 45, 60, 1});
    Both(KeyResultAdded{"churn", "love", "Churn", "metric", "%", 20, 10, 3});
    Both(Check("nps", 50, "2026-08-01", 6));
    Both(Check("nps", 52.5, "2026-08-10"));
    Both(CycleCreated{"q4", "2026-Q4", D("2026-10-01"), D("2026-12-31")});
    Both(CycleStarted{"q4"});
    Both(Objective("next", "q4"));
    Both(KeyResultAdded{"k4", "next", "K4", "metric", "", 0, 10, 1});
  }
  static ObjectiveCreated Objective(const char* id, const char* cycle) {
    ObjectiveCreated o;
    o.objective_id = id;
    o.cycle_id = cycle;
    o.title = id;
    o.level = "team";
    o.owner = "maria";
    return o;
  }
  void Both(const Event& e) {
    full(e);
    compact(e);
  }
  // The close as the engine folds it: the cycle, then the grades.
  void Close() {
    Both(CycleClosed{"q3"});
    Both(KeyResultGraded{"nps", 0.5, std::nullopt, false});
    Both(KeyResultGraded{"churn", 0.0, std::nullopt, false});
    Both(ObjectiveGraded{"love", 0.125});
  }
  Feed full;
  Feed compact = [] {
    Feed f;
    f.state = OkrState(History::kLatestOnly);
    return f;
  }();
};

BOOST_FIXTURE_TEST_SUITE(archive, TwoQuarters)

BOOST_AUTO_TEST_CASE(a_compact_state_archives_a_closed_cycle_when_asked) {
  Close();
  OkrState& s = compact.state;
  // The closing decision's answer still sees the cycle's entities.
  BOOST_TEST(s.FindObjective("love") != nullptr);
  BOOST_TEST(s.FindKeyResult("nps")->grade->score == 0.5);
  s.ArchiveClosedCycles();
  BOOST_TEST(s.FindObjective("love") == nullptr);
  BOOST_TEST(s.FindKeyResult("nps") == nullptr);
  BOOST_TEST(s.FindKeyResult("churn") == nullptr);
  BOOST_TEST(s.ObjectiveArchived("love"));
  BOOST_TEST(s.KeyResultArchived("nps"));
  BOOST_TEST(!s.ObjectiveArchived("next"));
  BOOST_TEST(s.FindObjective("next") != nullptr);
  BOOST_TEST(s.FindKeyResult("k4") != nullptr);
  // Ids stay taken and counted (new ids count from these).
  BOOST_TEST(s.ObjectiveIdTaken("love"));
  BOOST_TEST(s.KeyResultIdTaken("churn"));
  BOOST_TEST(!s.KeyResultIdTaken("kr-4"));
  BOOST_TEST(s.ObjectiveCount() == 2u);
  BOOST_TEST(s.KeyResultCount() == 3u);
  BOOST_TEST(s.objectives().size() == 1u);
  // The cycle stays.
  BOOST_TEST(ToString(s.FindCycle("q3")->state) == "closed");
  // Events about archived entities change nothing but the position.
  compact(KeyResultGraded{"nps", 0.9, std::nullopt, true});
  BOOST_TEST(s.FindKeyResult("nps") == nullptr);
  // The full state archives nothing.
  full.state.ArchiveClosedCycles();
  BOOST_TEST(full.state.FindObjective("love") != nullptr);
  BOOST_TEST(!full.state.ObjectiveArchived("love"));
  BOOST_TEST(full.state.ObjectiveCount() == 2u);
}

BOOST_AUTO_TEST_CASE(compacting_loading_and_folding_archive_the_same) {
  Close();
  compact.state.ArchiveClosedCycles();
  OkrState compacted = full.state;
  compacted.Compact();
  BOOST_TEST((compacted == compact.state));
  // A compact load of the full state's snapshot bytes.
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(full.state);
  }
  OkrState loaded(History::kLatestOnly);
  {
    cereal::BinaryInputArchive in(bytes);
    in(loaded);
  }
  BOOST_TEST((loaded == compact.state));
  BOOST_TEST(loaded.KeyResultArchived("churn"));
  BOOST_TEST(loaded.FindKeyResult("k4") != nullptr);
  // Not the full state: it lost what it archived.
  BOOST_TEST(!(loaded == full.state));
}

BOOST_AUTO_TEST_CASE(restore_brings_back_an_objective_with_its_key_results) {
  Close();
  compact.state.ArchiveClosedCycles();
  OkrState& s = compact.state;
  // Named by a key result: its objective and every key result of it.
  s.Restore(full.state, {}, {"churn"});
  BOOST_TEST(!s.ObjectiveArchived("love"));
  BOOST_TEST(!s.KeyResultArchived("nps"));
  BOOST_TEST(s.ObjectiveCount() == 2u);
  BOOST_TEST(s.KeyResultCount() == 3u);
  const okr::Objective* love = s.FindObjective("love");
  BOOST_TEST_REQUIRE(love != nullptr);
  BOOST_TEST(*love->score == 0.125);
  BOOST_TEST(love->version == full.state.FindObjective("love")->version);
  BOOST_TEST(love->lineage.revisions.empty());  // compact: no revisions
  const KeyResult* nps = s.FindKeyResult("nps");
  BOOST_TEST_REQUIRE(nps != nullptr);
  BOOST_TEST(nps->version == full.state.FindKeyResult("nps")->version);
  BOOST_TEST(nps->grade->score == 0.5);
  // Compact check-ins: the latest and the latest with a confidence.
  BOOST_TEST(nps->check_ins.size() == 2u);
  BOOST_TEST(nps->check_ins.back().value == 52.5);
  BOOST_TEST(*nps->check_ins.front().confidence == 6);
  // Events apply to it again.
  full(KeyResultGraded{"churn", 1.0, std::string("done"), true});
  compact(KeyResultGraded{"churn", 1.0, std::string("done"), true});
  BOOST_TEST(s.FindKeyResult("churn")->grade->manual);
  // A second restore of the same names changes nothing.
  OkrState before = s;
  s.Restore(full.state, {"love"}, {"nps"});
  BOOST_TEST((before == s));
  // The next ArchiveClosedCycles() lets them go again.
  s.ArchiveClosedCycles();
  BOOST_TEST(s.FindObjective("love") == nullptr);
  BOOST_TEST(s.FindKeyResult("churn") == nullptr);
  BOOST_TEST(s.ObjectiveArchived("love"));
  BOOST_TEST(s.KeyResultArchived("nps"));
  BOOST_TEST(s.KeyResultArchived("churn"));
  BOOST_TEST(s.ObjectiveCount() == 2u);
  BOOST_TEST(s.KeyResultCount() == 3u);
  OkrState compacted = full.state;
  compacted.Compact();
  BOOST_TEST((compacted == s));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
