// The formulas, in one place: attainment, progress, expected progress,
// statuses, bands and weekly coverage. Every projection and the
// engine's grading call these; nothing else computes them.
//
// Thread safety: pure functions.
//
// Boundaries: comparisons against the thresholds (gap 0.15 and 0.30,
// progress 1, bands 0.7 and 0.4) allow kEpsilon of floating-point noise, so
// that a gap that is 0.15 on paper (0.50 - 0.35 = 0.15000000000000002 in
// binary) counts as on track, as the contract's "≤ 0.15" intends.
#ifndef OKR_PROJECTIONS_FORMULAS_H_
#define OKR_PROJECTIONS_FORMULAS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/date.h"

namespace okr::formulas {

inline constexpr double kEpsilon = 1e-9;

// (current - start) / (target - start). REQUIRES: target != start.
double Attainment(double start, double target, double current);
// clamp(attainment, 0, 1).
double Progress(double attainment);

// Σ wᵢ·progressᵢ / Σ wᵢ over (weight, progress) pairs; 0 with none.
double WeightedProgress(const std::vector<std::pair<double, double>>& items);

// clamp(days(at - starts_on) / days(ends_on - starts_on), 0, 1).
// REQUIRES: starts_on < ends_on.
double Expected(Date at, Date starts_on, Date ends_on);

enum class Status { kOffTrack, kAtRisk, kOnTrack, kDone, kNoKeyResults };
// The order "worst first" that an objective takes the minimum of.
const char* StatusName(Status s);

// done if progress >= 1; else by gap = expected - progress.
Status KeyResultStatus(double progress, double expected);
// The worst status of the key results; kNoKeyResults with none.
Status ObjectiveStatus(const std::vector<Status>& key_results);

enum class Band { kRed, kYellow, kGreen };
const char* BandName(Band b);
// green >= 0.7, yellow >= 0.4, red below.
Band ScoreBand(double score);

// attainment >= 1 at close: met in full, probably set too low.
bool TargetTooEasy(double attainment);

// Weeks in a cycle: ceil((days(ends_on - starts_on) + 1) / 7).
int WeeksInCycle(Date starts_on, Date ends_on);
// Weeks with at least one check-in ÷ weeks in the cycle; week i is the days
// starts_on + 7i .. starts_on + 7i + 6. Dates outside the weeks don't count.
double WeeklyCoverage(const std::vector<Date>& check_in_dates, Date starts_on,
                      Date ends_on);

// healthy when inside [min, max] (either bound may be absent).
bool KpiHealthy(double value, std::optional<double> healthy_min,
                std::optional<double> healthy_max);

}  // namespace okr::formulas

#endif  // OKR_PROJECTIONS_FORMULAS_H_
