// The retrospective's Markdown and HTML: well-formed, one chart per key
// result, nothing loaded from outside, hostile text escaped, chart geometry
// worked out by hand.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "adapters/report/report_text.h"
#include "adapters/report/retro_html.h"
#include "adapters/report/retro_markdown.h"
#include "tests/support/xml_check.h"

namespace okr::report {
namespace {

Date D(const char* s) { return *Date::Parse(s); }

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Two objectives, three key results; titles that try to break out of HTML
// and Markdown.
Retrospective Sample() {
  Retrospective r;
  r.cycle_id = "q3";
  r.cycle_name = "Q3 <b>&</b>";
  r.cycle_state = CycleState::kClosed;
  r.closed = true;
  r.starts_on = D("2026-07-01");
  r.ends_on = D("2026-09-30");
  r.at = D("2026-10-01");
  r.weeks = 14;
  RetroKeyResult nps;
  nps.id = "nps";
  nps.title = "NPS <script>alert(1)</script>";
  nps.start = 45;
  nps.original_target = 60;
  nps.target = 65;
  nps.score = 0.65;
  nps.band = formulas::Band::kYellow;
  nps.value_series = {{D("2026-07-03"), 47}, {D("2026-09-29"), 58}};
  nps.target_changes.push_back(
      {ChangeRecord{7, 0, "root", "board | *raised*"}, 60, 65});
  RetroKeyResult churn;
  churn.id = "churn";
  churn.title = "Churn | table\nbreaker";
  churn.start = 20;
  churn.target = churn.original_target = 10;
  RetroObjective love;
  love.id = "love";
  love.title = "Love";
  love.owner = "maria";
  love.state = ObjectiveState::kActive;
  love.score = 0.65;
  love.band = formulas::Band::kYellow;
  love.key_results = {nps, churn};
  RetroKeyResult launch;
  launch.id = "launch";
  launch.title = "Launch";
  launch.target = launch.original_target = 1;
  RetroObjective ship;
  ship.id = "ship";
  ship.title = "Ship";
  ship.owner = "john";
  ship.state = ObjectiveState::kDraft;
  ship.key_results = {launch};
  r.objectives = {love, ship};
  r.summary.score_histogram[6] = 1;
  r.notes.push_back({ChangeRecord{9, 0, "maria", std::nullopt}, "love",
                     "Survey moved\x01 & <late>"});
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retrospective_rendering)

BOOST_AUTO_TEST_CASE(html_is_well_formed_with_one_chart_per_key_result) {
  std::string html = RetrospectiveHtml(Sample());
  std::optional<std::string> problem = testing::XmlProblem(html);
  BOOST_TEST(!problem.has_value(), problem.value_or(""));
  BOOST_TEST(Count(html, "<svg class=\"kr-chart\"") == 3);
  BOOST_TEST(Count(html, "<svg class=\"score-distribution\"") == 1);
  BOOST_TEST(Count(html, "<svg") == 4);
  BOOST_TEST(Count(html, "</svg>") == 4);
}

// Piece by piece (as the server sends it), the same page: one section a
// piece when asked for a byte, and nothing once it is complete.
BOOST_AUTO_TEST_CASE(the_html_writer_gives_the_page_in_pieces) {
  Retrospective r = Sample();
  std::string pieces;
  int calls = 0;
  RetrospectiveHtmlWriter writer(r);
  for (bool more = true; more; ++calls) {
    std::size_t before = pieces.size();
    more = writer.Next(&pieces, 1);
    BOOST_TEST(pieces.size() > before);
  }
  // The head, one section per objective, the tail.
  BOOST_TEST(calls == 2 + static_cast<int>(r.objectives.size()));
  BOOST_TEST(pieces == RetrospectiveHtml(r));
  BOOST_TEST(!writer.Next(&pieces));
  BOOST_TEST(pieces == RetrospectiveHtml(r));
  // The default piece size takes this small page at once.
  std::string once;
  RetrospectiveHtmlWriter big(r);
  BOOST_TEST(!big.Next(&once));
  BOOST_TEST(once == pieces);
}

// The checker itself refuses what is not well-formed.
BOOST_AUTO_TEST_CASE(the_xml_check_catches_broken_documents) {
  using testing::XmlProblem;
  BOOST_TEST(!XmlProblem("<!DOCTYPE html>\n<html><a x=\"1\"/>&amp;</html>"));
  for (const char* bad :
       {"<html><b></i></html>", "<html><b></html>", "<html>&foo;</html>",
        "<html>a & b</html>", "<html><a x=1/></html>", "<a/><b/>",
        "<html>\x01</html>", "<html><a x=\"<\"/></html>"}) {
    BOOST_TEST(XmlProblem(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(html_loads_nothing_from_outside) {
  std::string html = RetrospectiveHtml(Sample());
  for (const char* s : {"src=", "href=", "url(", "@import", "http:", "https:",
                        "<script", "<link", "<iframe", "<img"}) {
    BOOST_TEST(Count(html, s) == 0, s);
  }
  BOOST_TEST(Count(html, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 1);
  BOOST_TEST(Count(html, "Q3 &lt;b&gt;&amp;&lt;/b&gt;") >= 1);
  // A control character would make the page not well-formed XML.
  BOOST_TEST(Count(html, "\x01") == 0);
}

// nps: start 45, targets 60 and 65, values 47 and 58: y runs over
// [45, 65] padded by 5% (1) to [44, 66]; the plot is 112 high from y = 12
// and 302 wide from x = 48 over the 91 days of the cycle. Ideal line:
// (48, 12 + 112 x 21/22 = 118.9) to (350, 12 + 112 x 1/22 = 17.1); the
// original target 60 ends at 12 + 112 x 6/22 = 42.5. Value on 07-03 (day
// 2): x = 48 + 302 x 2/91 = 54.6, y = 12 + 112 x 19/22 = 108.7.
BOOST_AUTO_TEST_CASE(key_result_chart_geometry_by_hand) {
  Retrospective r = Sample();
  std::string svg =
      KeyResultChart(r.objectives[0].key_results[0], r.starts_on, r.ends_on);
  BOOST_TEST(Count(svg,
                   "class=\"ideal\" fill=\"none\" stroke=\"#555\" "
                   "stroke-dasharray=\"5 4\" points=\"48,118.9 "
                   "350,17.1\"") == 1);
  BOOST_TEST(Count(svg, "points=\"48,118.9 350,42.5\"") == 1);
  BOOST_TEST(Count(svg, "<circle cx=\"54.6\" cy=\"108.7\" r=\"2\"/>") == 1);
  BOOST_TEST(Count(svg, "<circle") == 2);
  // Without check-ins: the ideal line and a word, no value line.
  std::string empty =
      KeyResultChart(r.objectives[0].key_results[1], r.starts_on, r.ends_on);
  BOOST_TEST(Count(empty, "no check-ins") == 1);
  BOOST_TEST(Count(empty, "class=\"values\"") == 0);
}

BOOST_AUTO_TEST_CASE(markdown_escapes_what_would_break_it) {
  std::string md = RetrospectiveMarkdown(Sample());
  BOOST_TEST(Count(md, "Churn \\| table breaker (churn)") == 1);
  BOOST_TEST(Count(md, "NPS \\<script\\>alert(1)\\</script\\>") >= 1);
  BOOST_TEST(Count(md, "board \\| \\*raised\\*") == 1);
  BOOST_TEST(Count(md, "moved from 60 to 65 by root") == 1);
  BOOST_TEST(Count(md, "| Love (love) |") == 0);  // objectives are headings
  BOOST_TEST(Count(md, "### Love (love)") == 1);
  BOOST_TEST(Count(md, "Score **0.65** (yellow)") == 1);
  BOOST_TEST(Count(md, "Score **—** (—)") == 1);  // the draft
}

BOOST_AUTO_TEST_CASE(numbers_are_written_short) {
  BOOST_TEST(Number(0.575) == "0.57");  // 0.575 is 0.57499... in binary
  BOOST_TEST(Number(0.9125) == "0.91");
  BOOST_TEST(Number(60.0) == "60");
  BOOST_TEST(Number(-0.0001) == "0");
  BOOST_TEST(Number(12.5, 4) == "12.5");
  BOOST_TEST(Percent(5.0 / 14) == "36%");
  BOOST_TEST(Score(std::nullopt) == "—");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::report
