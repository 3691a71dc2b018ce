#include "projections/formulas.h"

#include <algorithm>
#include <cassert>
#include <set>

namespace okr::formulas {

double Attainment(double start, double target, double current) {
  assert(target != start);
  return (current - start) / (target - start);
}

double Progress(double attainment) { return std::clamp(attainment, 0.0, 1.0); }

double WeightedProgress(const std::vector<std::pair<double, double>>& items) {
  double weights = 0, sum = 0;
  for (const auto& [weight, progress] : items) {
    weights += weight;
    sum += weight * progress;
  }
  return weights > 0 ? sum / weights : 0.0;
}

double Expected(Date at, Date starts_on, Date ends_on) {
  assert(starts_on < ends_on);
  double elapsed = at.DaysSince(starts_on);
  double length = ends_on.DaysSince(starts_on);
  return std::clamp(elapsed / length, 0.0, 1.0);
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOffTrack:
      return "off_track";
    case Status::kAtRisk:
      return "at_risk";
    case Status::kOnTrack:
      return "on_track";
    case Status::kDone:
      return "done";
    case Status::kNoKeyResults:
      return "no_key_results";
  }
  return "unknown";
}

Status KeyResultStatus(double progress, double expected) {
  if (progress >= 1.0 - kEpsilon) return Status::kDone;
  double gap = expected - progress;
  if (gap <= 0.15 + kEpsilon) return Status::kOnTrack;
  if (gap <= 0.30 + kEpsilon) return Status::kAtRisk;
  return Status::kOffTrack;
}

Status ObjectiveStatus(const std::vector<Status>& key_results) {
  if (key_results.empty()) return Status::kNoKeyResults;
  return *std::min_element(key_results.begin(), key_results.end());
}

const char* BandName(Band b) {
  switch (b) {
    case Band::kRed:
      return "red";
    case Band::kYellow:
      return "yellow";
    case Band::kGreen:
      return "green";
  }
  return "unknown";
}

Band ScoreBand(double score) {
  if (score >= 0.7 - kEpsilon) return Band::kGreen;
  if (score >= 0.4 - kEpsilon) return Band::kYellow;
  return Band::kRed;
}

bool TargetTooEasy(double attainment) { return attainment >= 1.0 - kEpsilon; }

int WeeksInCycle(Date starts_on, Date ends_on) {
  int days = ends_on.DaysSince(starts_on) + 1;
  return (days + 6) / 7;
}

double WeeklyCoverage(const std::vector<Date>& check_in_dates, Date starts_on,
                      Date ends_on) {
  int weeks = WeeksInCycle(starts_on, ends_on);
  if (weeks <= 0) return 0.0;
  std::set<int> covered;
  for (Date d : check_in_dates) {
    int offset = d.DaysSince(starts_on);
    if (offset < 0) continue;
    int week = offset / 7;
    if (week < weeks) covered.insert(week);
  }
  return static_cast<double>(covered.size()) / weeks;
}

bool KpiHealthy(double value, std::optional<double> healthy_min,
                std::optional<double> healthy_max) {
  if (healthy_min && value < *healthy_min) return false;
  if (healthy_max && value > *healthy_max) return false;
  return true;
}

}  // namespace okr::formulas
