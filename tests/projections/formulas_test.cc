// Each formula of DESIGN §3 against numbers worked out by hand (in the
// comments), not against the code's own output.
#include "projections/formulas.h"

#include <boost/test/unit_test.hpp>

namespace okr::formulas {
namespace {

namespace tt = boost::test_tools;

Date D(const char* s) { return *Date::Parse(s); }

BOOST_AUTO_TEST_SUITE(formulas)

BOOST_AUTO_TEST_CASE(attainment_for_an_increase) {
  // NPS 45 -> 60, now 52.5: 7.5 of 15 = 0.5.
  BOOST_TEST(Attainment(45, 60, 52.5) == 0.5, tt::tolerance(1e-12));
  BOOST_TEST(Progress(Attainment(45, 60, 52.5)) == 0.5, tt::tolerance(1e-12));
  // Before any check-in current = start: 0.
  BOOST_TEST(Attainment(45, 60, 45) == 0.0);
}

BOOST_AUTO_TEST_CASE(attainment_for_a_decrease) {
  // Churn 20 % -> 10 %, now 14: (14-20)/(10-20) = -6/-10 = 0.6.
  BOOST_TEST(Attainment(20, 10, 14) == 0.6, tt::tolerance(1e-12));
  // Overshoot to 8: -12/-10 = 1.2, progress clamps to 1.
  BOOST_TEST(Attainment(20, 10, 8) == 1.2, tt::tolerance(1e-12));
  BOOST_TEST(Progress(Attainment(20, 10, 8)) == 1.0);
  // Worse than the start, 23: -(3/10) = -0.3 -> progress 0.
  BOOST_TEST(Attainment(20, 10, 23) == -0.3, tt::tolerance(1e-12));
  BOOST_TEST(Progress(Attainment(20, 10, 23)) == 0.0);
}

BOOST_AUTO_TEST_CASE(progress_clamps_above_one_and_below_zero) {
  // 45 -> 60, now 66: 21/15 = 1.4 -> 1; now 40: -5/15 -> 0.
  BOOST_TEST(Attainment(45, 60, 66) == 1.4, tt::tolerance(1e-12));
  BOOST_TEST(Progress(1.4) == 1.0);
  BOOST_TEST(Progress(Attainment(45, 60, 40)) == 0.0);
  BOOST_TEST(TargetTooEasy(1.4));
  BOOST_TEST(TargetTooEasy(Attainment(45, 60, 60)));  // exactly met
  BOOST_TEST(!TargetTooEasy(0.99));
}

BOOST_AUTO_TEST_CASE(objective_progress_is_the_weighted_mean) {
  // (1 x 0.5 + 3 x 0.9) / 4 = 3.2 / 4 = 0.8.
  BOOST_TEST(WeightedProgress({{1, 0.5}, {3, 0.9}}) == 0.8,
             tt::tolerance(1e-12));
  // Equal weights: (0.2 + 0.4 + 0.9) / 3 = 0.5.
  BOOST_TEST(WeightedProgress({{1, 0.2}, {1, 0.4}, {1, 0.9}}) == 0.5,
             tt::tolerance(1e-12));
  BOOST_TEST(WeightedProgress({}) == 0.0);
}

BOOST_AUTO_TEST_CASE(expected_progress_before_inside_and_after_the_cycle) {
  // 2026-07-01 .. 2026-09-30 is 91 days.
  Date s = D("2026-07-01"), e = D("2026-09-30");
  BOOST_TEST(Expected(D("2026-06-15"), s, e) == 0.0);  // before: clamped
  BOOST_TEST(Expected(s, s, e) == 0.0);
  // 2026-08-15 is 31 + 14 = 45 days in: 45/91.
  BOOST_TEST(Expected(D("2026-08-15"), s, e) == 45.0 / 91.0,
             tt::tolerance(1e-12));
  BOOST_TEST(Expected(e, s, e) == 1.0);
  BOOST_TEST(Expected(D("2026-10-20"), s, e) == 1.0);  // after: clamped
}

BOOST_AUTO_TEST_CASE(key_result_status_boundaries_at_gap_015_and_030) {
  // expected 0.5: progress 0.35 -> gap 0.15 (on track, the boundary)
  BOOST_TEST(StatusName(KeyResultStatus(0.35, 0.5)) == std::string("on_track"));
  // 0.34 -> gap 0.16: at risk
  BOOST_TEST(StatusName(KeyResultStatus(0.34, 0.5)) == std::string("at_risk"));
  // 0.20 -> gap 0.30: at risk (the boundary)
  BOOST_TEST(StatusName(KeyResultStatus(0.20, 0.5)) == std::string("at_risk"));
  // 0.19 -> gap 0.31: off track
  BOOST_TEST(StatusName(KeyResultStatus(0.19, 0.5)) ==
             std::string("off_track"));
  // ahead of plan (negative gap) is on track; full progress is done
  BOOST_TEST(StatusName(KeyResultStatus(0.9, 0.5)) == std::string("on_track"));
  BOOST_TEST(StatusName(KeyResultStatus(1.0, 0.5)) == std::string("done"));
  BOOST_TEST(StatusName(KeyResultStatus(1.0, 1.0)) == std::string("done"));
  // The boundary computed the way the engine computes it: 45 -> 60 checked
  // in at 50.25 is progress 0.35, at the cycle's midpoint.
  double progress = Progress(Attainment(45, 60, 50.25));
  BOOST_TEST(StatusName(KeyResultStatus(progress, 0.5)) ==
             std::string("on_track"));
}

BOOST_AUTO_TEST_CASE(objective_takes_the_worst_status) {
  using S = Status;
  BOOST_TEST(StatusName(ObjectiveStatus({S::kOnTrack, S::kAtRisk, S::kDone})) ==
             std::string("at_risk"));
  BOOST_TEST(StatusName(ObjectiveStatus({S::kDone, S::kOffTrack})) ==
             std::string("off_track"));
  BOOST_TEST(StatusName(ObjectiveStatus({S::kDone, S::kDone})) ==
             std::string("done"));
  BOOST_TEST(StatusName(ObjectiveStatus({})) == std::string("no_key_results"));
}

BOOST_AUTO_TEST_CASE(score_bands) {
  BOOST_TEST(BandName(ScoreBand(0.7)) == std::string("green"));
  BOOST_TEST(BandName(ScoreBand((0.6 + 0.8) / 2)) == std::string("green"));
  BOOST_TEST(BandName(ScoreBand(0.69)) == std::string("yellow"));
  BOOST_TEST(BandName(ScoreBand(0.4)) == std::string("yellow"));
  BOOST_TEST(BandName(ScoreBand(0.39)) == std::string("red"));
  BOOST_TEST(BandName(ScoreBand(0.0)) == std::string("red"));
  BOOST_TEST(BandName(ScoreBand(1.0)) == std::string("green"));
}

BOOST_AUTO_TEST_CASE(weekly_coverage_counts_weeks_with_a_check_in) {
  Date s = D("2026-07-01"), e = D("2026-09-30");
  // days(e - s) + 1 = 92 -> ceil(92 / 7) = 14 weeks.
  BOOST_TEST(WeeksInCycle(s, e) == 14);
  // 07-01 and 07-07: week 0 (offsets 0, 6); 07-08: week 1 (offset 7);
  // 09-30: offset 91 -> week 13; 10-10: offset 101 -> week 14, outside.
  std::vector<Date> dates = {D("2026-07-01"), D("2026-07-07"), D("2026-07-08"),
                             D("2026-09-30"), D("2026-10-10")};
  BOOST_TEST(WeeklyCoverage(dates, s, e) == 3.0 / 14.0, tt::tolerance(1e-12));
  BOOST_TEST(WeeklyCoverage({}, s, e) == 0.0);
  // A 7-day cycle, 01..07: days 6 + 1 = 7 -> one week.
  BOOST_TEST(WeeksInCycle(D("2026-01-01"), D("2026-01-07")) == 1);
  BOOST_TEST(WeeksInCycle(D("2026-01-01"), D("2026-01-08")) == 2);
}

BOOST_AUTO_TEST_CASE(kpi_health_is_inclusive_of_its_bounds) {
  BOOST_TEST(KpiHealthy(99.95, 99.9, std::nullopt));
  BOOST_TEST(!KpiHealthy(99.8, 99.9, std::nullopt));
  BOOST_TEST(KpiHealthy(5.0, std::nullopt, 5.0));
  BOOST_TEST(!KpiHealthy(5.1, std::nullopt, 5.0));
  BOOST_TEST(KpiHealthy(3, 1, 5));
  BOOST_TEST(!KpiHealthy(0.5, 1, 5));
  BOOST_TEST(KpiHealthy(-1e9, std::nullopt, std::nullopt));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::formulas
