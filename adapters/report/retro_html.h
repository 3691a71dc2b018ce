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
#include <cstddef>
#include <ostream>
#include <string>

#include "projections/retrospective.h"

namespace okr::report {

std::string RetrospectiveHtml(const Retrospective& r);

// The same page piece by piece, for sending it without holding it whole
// (a quarter of a large organisation is over 100 MiB of HTML): the head and
// summary, each objective's section, then participation and notes.
// Concatenated, the pieces are RetrospectiveHtml(r).
//
// `r` must outlive the writer. Not thread-safe (one writer, one thread at a
// time); writers of one Retrospective may run on several threads.
class RetrospectiveHtmlWriter {
 public:
  explicit RetrospectiveHtmlWriter(const Retrospective& r);
  // Appends the next sections to *out, at least `min_bytes` of them unless
  // the page ends first. False once the page is complete (what this call
  // appended is its end); then every further call appends nothing.
  bool Next(std::string* out, std::size_t min_bytes = 64 * 1024);

 private:
  void Head(std::ostream& h) const;
  void Objective(std::ostream& h, const RetroObjective& o) const;
  void Tail(std::ostream& h) const;

  const Retrospective& r_;
  std::size_t next_ = 0;  // 0 the head, i the objective i - 1, then the tail
};

// One <svg class="kr-chart"> for a key result of a cycle.
std::string KeyResultChart(const RetroKeyResult& k, Date starts_on,
                           Date ends_on);
// One <svg class="score-distribution"> of ten bars.
std::string ScoreDistributionChart(const std::array<int, 10>& histogram);

}  // namespace okr::report

#endif  // OKR_ADAPTERS_REPORT_RETRO_HTML_H_
