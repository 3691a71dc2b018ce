// The retrospective as one standalone HTML page: no scripts, no external
// assets (styles inline, charts as inline SVG), readable when printed. The
// page is also well-formed XML (every element closed, text escaped), so any
// XML parser can read it.
//
// Charts: per key result its value series against the ideal straight line
// from start (on starts_on) to target (on ends_on), the original target's
// line too when the target moved; and the distribution of the scored
// objectives' scores in tenths, coloured by band.
//
// Thread safety: pure functions.
#ifndef OKR_ADAPTERS_REPORT_RETRO_HTML_H_
#define OKR_ADAPTERS_REPORT_RETRO_HTML_H_

#include <array>
#include <string>

#include "projections/retrospective.h"

namespace okr::report {

std::string RetrospectiveHtml(const Retrospective& r);

// One <svg class="kr-chart"> for a key result of a cycle.
std::string KeyResultChart(const RetroKeyResult& k, Date starts_on,
                           Date ends_on);
// One <svg class="score-distribution"> of ten bars.
std::string ScoreDistributionChart(const std::array<int, 10>& histogram);

}  // namespace okr::report

#endif  // OKR_ADAPTERS_REPORT_RETRO_HTML_H_
