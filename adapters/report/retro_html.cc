#include "adapters/report/retro_html.h"

#include <algorithm>
#include <sstream>

#include "adapters/report/report_text.h"

namespace okr::report {
namespace {

constexpr char kStyle[] = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto;
  max-width: 60em; color: #1b1b1b; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.band { padding: 0 .4em; border-radius: .3em; color: #fff; }
.green { background: #2e7d32; } .yellow { background: #8a6100; }
.red { background: #c62828; } .none { background: #666; }
.provisional { border: 2px dashed #b58900; padding: .5em; }
.objective { margin: 1.5em 0; } .kr { display: inline-block;
  vertical-align: top; margin: 0 1em 1em 0; width: 380px; }
svg text { font: 10px system-ui, sans-serif; fill: #444; }
@media print { body { margin: 0; max-width: none; font-size: 11px; }
  .objective, .kr, table { break-inside: avoid; } }
)";

std::string BandClass(const std::optional<formulas::Band>& b) {
  return b ? formulas::BandName(*b) : "none";
}

std::string BandBadge(const std::optional<double>& score,
                      const std::optional<formulas::Band>& b) {
  return "<span class=\"band " + BandClass(b) + "\">" + Score(score) +
         (b ? std::string(" ") + formulas::BandName(*b) : "") + "</span>";
}

std::string Parent(const std::optional<std::string>& p) {
  return p ? Html(*p) : "(none)";
}

}  // namespace

std::string KeyResultChart(const RetroKeyResult& k, Date starts_on,
                           Date ends_on) {
  constexpr double kW = 360, kH = 150, kLeft = 48, kRight = 10, kTop = 12,
                   kBottom = 26;
  Date last = ends_on;
  double lo = std::min({k.start, k.target, k.original_target});
  double hi = std::max({k.start, k.target, k.original_target});
  for (const auto& [date, value] : k.value_series) {
    last = std::max(last, date);
    lo = std::min(lo, value);
    hi = std::max(hi, value);
  }
  if (hi - lo < 1e-12) {
    lo -= 1;
    hi += 1;
  }
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  double days = std::max(1, last.DaysSince(starts_on));
  auto x = [&](Date d) {
    return kLeft + (kW - kLeft - kRight) * d.DaysSince(starts_on) / days;
  };
  auto y = [&](double v) {
    return kTop + (kH - kTop - kBottom) * (hi - v) / (hi - lo);
  };
  std::string svg;
  svg.reserve(900 + k.value_series.size() * 40);
  auto pt = [&](Date d, double v) {
    svg += Number(x(d), 1);
    svg += ',';
    svg += Number(y(v), 1);
  };
  // Built with appends, not a stream: a large cycle has 100,000 charts.
  svg += "<svg class=\"kr-chart\" data-kr=\"";
  svg += Html(k.id);
  svg +=
      "\" width=\"360\" height=\"150\" viewBox=\"0 0 360 150\" "
      "role=\"img\"><title>";
  svg += Html(k.title);
  svg += ": values against the ideal line from ";
  svg += Number(k.start, 4);
  svg += " to ";
  svg += Number(k.target, 4);
  svg += "</title>";
  // Axes (x from 48 to 350, y from 12 to 124) and their labels.
  static_assert(kW == 360 && kH == 150 && kLeft == 48 && kRight == 10 &&
                kTop == 12 && kBottom == 26);
  svg += "<path d=\"M48 12V124H350\" fill=\"none\" stroke=\"#888\"/>";
  svg += "<text x=\"48\" y=\"142\">";
  svg += starts_on.ToString();
  svg += "</text><text x=\"350\" y=\"142\" text-anchor=\"end\">";
  svg += last.ToString();
  svg += "</text><text x=\"44\" y=\"";
  svg += Number(y(hi - pad) + 3, 1);
  svg += "\" text-anchor=\"end\">";
  svg += Number(hi - pad, 4);
  svg += "</text><text x=\"44\" y=\"";
  svg += Number(y(lo + pad) + 3, 1);
  svg += "\" text-anchor=\"end\">";
  svg += Number(lo + pad, 4);
  svg += "</text>";
  // The ideal lines, then the values.
  if (k.original_target != k.target) {
    svg +=
        "<polyline class=\"ideal-original\" fill=\"none\" "
        "stroke=\"#999\" stroke-dasharray=\"1 3\" points=\"";
    pt(starts_on, k.start);
    svg += ' ';
    pt(ends_on, k.original_target);
    svg += "\"/>";
  }
  svg +=
      "<polyline class=\"ideal\" fill=\"none\" stroke=\"#555\" "
      "stroke-dasharray=\"5 4\" points=\"";
  pt(starts_on, k.start);
  svg += ' ';
  pt(ends_on, k.target);
  svg += "\"/>";
  if (k.value_series.empty()) {
    svg +=
        "<text x=\"199\" y=\"26\" text-anchor=\"middle\">no "
        "check-ins</text>";
  } else {
    svg +=
        "<polyline class=\"values\" fill=\"none\" stroke=\"#1565c0\" "
        "stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < k.value_series.size(); ++i) {
      if (i > 0) svg += ' ';
      pt(k.value_series[i].first, k.value_series[i].second);
    }
    svg += "\"/><g fill=\"#1565c0\">";
    // Dots without tooltips: a quarter of a large organisation has a
    // million of them; the table above the charts has the numbers.
    for (const auto& [date, value] : k.value_series) {
      svg += "<circle cx=\"";
      svg += Number(x(date), 1);
      svg += "\" cy=\"";
      svg += Number(y(value), 1);
      svg += "\" r=\"2\"/>";
    }
    svg += "</g>";
  }
  svg += "</svg>";
  return svg;
}

std::string ScoreDistributionChart(const std::array<int, 10>& histogram) {
  constexpr double kW = 420, kH = 170, kLeft = 30, kBottom = 28, kTop = 14;
  int most = std::max(1, *std::max_element(histogram.begin(), histogram.end()));
  double bar = (kW - kLeft - 10) / 10;
  std::ostringstream svg;
  svg << "<svg class=\"score-distribution\" width=\"" << kW << "\" height=\""
      << kH << "\" viewBox=\"0 0 " << kW << " " << kH << "\" role=\"img\">"
      << "<title>Scores of the scored objectives, in tenths</title>";
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kH - kBottom << "\" x2=\""
      << kW - 10 << "\" y2=\"" << kH - kBottom << "\" stroke=\"#888\"/>";
  for (int i = 0; i < 10; ++i) {
    double h = (kH - kTop - kBottom) * histogram[i] / most;
    const char* colour = i >= 7 ? "#2e7d32" : i >= 4 ? "#8a6100" : "#c62828";
    double x = kLeft + i * bar;
    svg << "<rect x=\"" << Number(x + 2, 1) << "\" y=\""
        << Number(kH - kBottom - h, 1) << "\" width=\"" << Number(bar - 4, 1)
        << "\" height=\"" << Number(h, 1) << "\" fill=\"" << colour
        << "\"><title>" << Number(i / 10.0, 1) << "–"
        << Number((i + 1) / 10.0, 1) << ": " << histogram[i]
        << "</title></rect>";
    if (histogram[i] > 0) {
      svg << "<text x=\"" << Number(x + bar / 2, 1) << "\" y=\""
          << Number(kH - kBottom - h - 3, 1) << "\" text-anchor=\"middle\">"
          << histogram[i] << "</text>";
    }
    svg << "<text x=\"" << Number(x + bar / 2, 1) << "\" y=\"" << kH - 12
        << "\" text-anchor=\"middle\">" << Number(i / 10.0, 1) << "</text>";
  }
  svg << "</svg>";
  return std::move(svg).str();
}

RetrospectiveHtmlWriter::RetrospectiveHtmlWriter(const Retrospective& r)
    : r_(r) {}

bool RetrospectiveHtmlWriter::Next(std::string* out, std::size_t min_bytes) {
  const std::size_t goal = out->size() + min_bytes;
  const std::size_t n = r_.objectives.size();
  // One section at least, so that every call makes progress.
  while (next_ <= n + 1) {
    std::ostringstream h;
    if (next_ == 0) {
      Head(h);
    } else if (next_ <= n) {
      Objective(h, r_.objectives[next_ - 1]);
    } else {
      Tail(h);
    }
    out->append(h.view());
    ++next_;
    if (out->size() >= goal) break;
  }
  return next_ <= n + 1;
}

void RetrospectiveHtmlWriter::Head(std::ostream& h) const {
  const Retrospective& r = r_;
  const RetroSummary& s = r.summary;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
    << "<title>Retrospective: " << Html(r.cycle_name) << "</title><style>"
    << kStyle << "</style></head><body>\n";
  h << "<h1>Retrospective: " << Html(r.cycle_name) << " (" << Html(r.cycle_id)
    << ")</h1>\n";
  if (r.scope) {
    h << "<p class=\"scope\">Scope: objective " << Html(*r.scope)
      << " and what is aligned under it, " << r.objectives.size()
      << (r.objectives.size() == 1 ? " objective" : " objectives")
      << " in all.</p>\n";
  }
  if (r.closed) {
    h << "<p><strong>Final</strong>: the cycle is closed; scores are the "
         "grades given.</p>\n";
  } else {
    h << "<p class=\"provisional\"><strong>Provisional</strong> as of "
      << r.at.ToString() << ": the cycle is "
      << Html(std::string(ToString(r.cycle_state)))
      << "; scores are progress so far.</p>\n";
  }
  h << "<p>" << r.starts_on.ToString() << " to " << r.ends_on.ToString() << ", "
    << r.weeks << " weeks.</p>\n";

  h << "<h2>Summary</h2>\n<table>"
    << "<tr><th>Average score</th><td class=\"n\">" << Score(s.average_score)
    << "</td></tr><tr><th>Bands</th><td>" << s.green << " green, " << s.yellow
    << " yellow, " << s.red << " red</td></tr>"
    << "<tr><th>Objectives scored</th><td>" << s.scored_objectives << " of "
    << s.objectives << " (" << s.abandoned << " abandoned)</td></tr>"
    << "<tr><th>Key results</th><td>" << s.key_results << " (" << s.removals
    << " removed)</td></tr><tr><th>Targets too easy</th><td class=\"n\">"
    << s.target_too_easy << "</td></tr><tr><th>Check-ins</th><td class=\"n\">"
    << s.check_ins << "</td></tr><tr><th>Target changes</th><td class=\"n\">"
    << s.target_changes
    << "</td></tr><tr><th>Alignment changes</th><td class=\"n\">"
    << s.alignment_changes << "</td></tr></table>\n";
  h << "<h3>Score distribution</h3>\n"
    << ScoreDistributionChart(s.score_histogram) << "\n";

  h << "<h2>Objectives</h2>\n";
}

void RetrospectiveHtmlWriter::Objective(std::ostream& h,
                                        const RetroObjective& o) const {
  const Retrospective& r = r_;
  h << "<section class=\"objective\" id=\"objective-" << Html(o.id) << "\"><h3>"
    << Html(o.title) << " (" << Html(o.id) << ") " << BandBadge(o.score, o.band)
    << "</h3>\n<p>Owner " << Html(o.owner) << ", level " << Html(o.level);
  if (!o.team.empty()) h << ", team " << Html(o.team);
  h << ", " << Html(std::string(ToString(o.state))) << ". Aligned under "
    << Parent(o.parent_id) << ".</p>\n";
  if (!o.key_results.empty()) {
    h << "<table><tr><th>Key result</th><th>Score</th><th>Attainment</th>"
         "<th>Original target</th><th>Target</th><th>Check-ins</th>"
         "<th>Weekly coverage</th><th>Notes</th></tr>";
    for (const RetroKeyResult& k : o.key_results) {
      std::string notes;
      if (k.removed) notes += "removed; ";
      if (k.manual) notes += "graded by hand; ";
      if (k.target_too_easy) notes += "target too easy; ";
      if (!notes.empty()) notes.resize(notes.size() - 2);
      h << "<tr><td>" << Html(k.title) << " (" << Html(k.id) << ")</td><td>"
        << BandBadge(k.score, k.band) << "</td><td class=\"n\">"
        << Number(k.attainment) << "</td><td class=\"n\">"
        << Number(k.original_target, 4) << "</td><td class=\"n\">"
        << Number(k.target, 4) << "</td><td class=\"n\">" << k.check_ins
        << "</td><td class=\"n\">" << Percent(k.weekly_coverage) << "</td><td>"
        << notes << "</td></tr>";
    }
    h << "</table>\n";
  }
  std::ostringstream changes;
  for (const RetroKeyResult& k : o.key_results) {
    for (const TargetChange& t : k.target_changes) {
      changes << "<li>Target of " << Html(k.id) << " moved from "
              << Number(t.before, 4) << " to " << Number(t.after, 4) << " by "
              << Html(t.record.actor) << " at "
              << FormatInstant(t.record.recorded_at_us);
      if (t.record.reason) changes << ": " << Html(*t.record.reason);
      changes << "</li>";
    }
  }
  for (const AlignmentChange& a : o.alignment_changes) {
    changes << "<li>Realigned from " << Parent(a.before) << " to "
            << Parent(a.after) << " by " << Html(a.record.actor) << " at "
            << FormatInstant(a.record.recorded_at_us) << "</li>";
  }
  for (const RetroNote& n : r.notes) {
    if (n.objective_id != o.id) continue;
    changes << "<li>Note by " << Html(n.record.actor) << ": " << Html(n.text)
            << "</li>";
  }
  if (!changes.str().empty()) h << "<ul>" << changes.str() << "</ul>\n";
  for (const RetroKeyResult& k : o.key_results) {
    h << "<div class=\"kr\"><div>" << Html(k.title) << "</div>"
      << KeyResultChart(k, r.starts_on, r.ends_on) << "</div>\n";
  }
  h << "</section>\n";
}

void RetrospectiveHtmlWriter::Tail(std::ostream& h) const {
  const Retrospective& r = r_;
  h << "<h2>Participation</h2>\n<table><tr><th>Owner</th><th>Objectives</th>"
       "<th>Check-ins</th><th>Weekly coverage</th></tr>";
  for (const RetroParticipant& p : r.participation) {
    h << "<tr><td>" << Html(p.owner) << "</td><td class=\"n\">" << p.objectives
      << "</td><td class=\"n\">" << p.check_ins << "</td><td class=\"n\">"
      << Percent(p.weekly_coverage) << "</td></tr>";
  }
  h << "</table>\n<h2>Notes</h2>\n";
  if (r.notes.empty())
    h << "<p>No notes yet.</p>\n";
  else {
    h << "<ul>";
    for (const RetroNote& n : r.notes) {
      h << "<li>" << Html(n.record.actor) << " ("
        << FormatInstant(n.record.recorded_at_us);
      if (n.objective_id) h << ", about " << Html(*n.objective_id);
      h << "): " << Html(n.text) << "</li>";
    }
    h << "</ul>\n";
  }
  h << "<h2>Signed checkpoint</h2>\n<p class=\"anchor\">"
    << Html(AnchorText(r.anchor)) << "</p>\n</body></html>\n";
}

std::string RetrospectiveHtml(const Retrospective& r) {
  // Reserved up front: a page of 100+ MiB grown by doubling would take
  // twice its size.
  std::string page;
  std::size_t dots = 0;
  for (const RetroObjective& o : r.objectives) {
    for (const RetroKeyResult& k : o.key_results) dots += k.value_series.size();
  }
  page.reserve(8192 + r.summary.key_results * 1400 + dots * 40);
  RetrospectiveHtmlWriter writer(r);
  while (writer.Next(&page)) {
  }
  return page;
}

}  // namespace okr::report
