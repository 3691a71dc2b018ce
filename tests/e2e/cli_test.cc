// The `okr` command line, run as a process: demo, export -> import round
// trip, an edited export refused with nothing written, exit statuses.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"
#include "tests/support/xml_check.h"

namespace okr {
namespace {

struct Run {
  int status;
  std::string out, err;
};

Run Okr(const testing::TempDir& dir, const std::string& args) {
  std::string out = dir.Sub("stdout"), err = dir.Sub("stderr");
  std::string cmd =
      std::string(OKR_BINARY) + " " + args + " > " + out + " 2> " + err;
  int raw = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  return Run{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

std::string Slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(export_import_round_trip_is_identical) {
  testing::TempDir dir;
  Run demo = Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20");
  BOOST_TEST_REQUIRE(demo.status == 0, demo.err);
  BOOST_TEST(demo.out.find("46 people") != std::string::npos);  // and admin
  BOOST_TEST(
      Okr(dir, "export --data " + dir.Sub("a") + " --out " + dir.Sub("a.jsonl"))
          .status == 0);
  Run imported =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST_REQUIRE(imported.status == 0, imported.err);
  BOOST_TEST(Okr(dir, "verify --data " + dir.Sub("b")).status == 0);
  BOOST_TEST(
      Okr(dir, "export --data " + dir.Sub("b") + " --out " + dir.Sub("b.jsonl"))
          .status == 0);
  std::string a = Slurp(dir.Sub("a.jsonl")), b = Slurp(dir.Sub("b.jsonl"));
  BOOST_TEST(a.size() > 100000u);
  BOOST_TEST((a == b));
  // The retrospectives replayed from the imported log are the same: the
  // closed quarter and the active one (provisional, at a fixed date).
  for (const char* args :
       {"2026-q3 --format json", "2026-q4 --format json --at 2026-11-20",
        "2026-q3 --format md", "2026-q3 --format html"}) {
    Run ra = Okr(dir, "retro --data " + dir.Sub("a") + " " + args);
    Run rb = Okr(dir, "retro --data " + dir.Sub("b") + " " + args);
    BOOST_TEST_REQUIRE(ra.status == 0, ra.err);
    BOOST_TEST(ra.out.size() > 1000u, args);
    BOOST_TEST((ra.out == rb.out), args);
  }
  // A second import into a store that is not empty is refused.
  Run again =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST(again.status == 1);
  BOOST_TEST(again.err.find("not empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_edited_export_is_refused_and_nothing_written) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(
      Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20").status ==
      0);
  BOOST_TEST_REQUIRE(
      Okr(dir, "export --data " + dir.Sub("a") + " --out " + dir.Sub("a.jsonl"))
          .status == 0);
  // Change one check-in's value in the middle of the file.
  std::istringstream lines(Slurp(dir.Sub("a.jsonl")));
  std::ofstream edited(dir.Sub("edited.jsonl"));
  std::string line;
  int n = 0, changed_at = 0;
  while (std::getline(lines, line)) {
    ++n;
    auto at = line.find("\"value\":");
    if (changed_at == 0 && n > 500 && at != std::string::npos) {
      line.insert(at + 8, "1");  // 42.5 -> 142.5
      changed_at = n;
    }
    edited << line << '\n';
  }
  edited.close();
  BOOST_TEST_REQUIRE(changed_at > 0);
  Run r =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("edited.jsonl"));
  BOOST_TEST(r.status == 1);
  BOOST_TEST(
      r.err.find("line " + std::to_string(changed_at)) != std::string::npos,
      r.err);
  BOOST_TEST(r.err.find("nothing written") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(dir.Sub("b")));
}

BOOST_AUTO_TEST_CASE(exit_statuses_and_help) {
  testing::TempDir dir;
  BOOST_TEST(Okr(dir, "--help").status == 0);
  for (const char* sub : {"serve", "demo", "verify", "export", "import", "info",
                          "tree", "replay", "history", "changes", "retro"}) {
    Run h = Okr(dir, std::string(sub) + " --help");
    BOOST_TEST(h.status == 0, sub);
    BOOST_TEST(h.out.find("--data") != std::string::npos, sub);
  }
  Run bad = Okr(dir, "frobnicate");
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(!bad.err.empty());
  BOOST_TEST(Okr(dir, "verify").status == 2);  // --data missing
  Run missing =
      Okr(dir, "import --data " + dir.Sub("x") + " " + dir.Sub("no-such-file"));
  BOOST_TEST(missing.status == 1);
  // Demo refuses a store that is not empty.
  BOOST_TEST(Okr(dir, "demo --data " + dir.Sub("d")).status == 0);
  BOOST_TEST(Okr(dir, "demo --data " + dir.Sub("d")).status == 1);
}

BOOST_AUTO_TEST_CASE(tree_replay_and_history_read_the_store) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(
      Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20").status ==
      0);
  Run tree =
      Okr(dir, "tree --data " + dir.Sub("a") + " 2026-q4 --at 2026-11-20");
  BOOST_TEST_REQUIRE(tree.status == 0, tree.err);
  // Nov 20 is day 50 of 91 (Oct 1 .. Dec 31): expected 50/91 = 55%.
  BOOST_TEST(tree.out.rfind("2026-Q4 (2026-q4) active", 0) == 0, tree.out);
  BOOST_TEST(tree.out.find("expected 55%") != std::string::npos, tree.out);
  BOOST_TEST(tree.out.find("└─ ") != std::string::npos);
  Run closed = Okr(dir, "tree --data " + dir.Sub("a") + " 2026-q3 --json");
  BOOST_TEST_REQUIRE(closed.status == 0);
  BOOST_TEST(closed.out.find("\"state\": \"closed\"") != std::string::npos);
  Run replay = Okr(dir, "replay --data " + dir.Sub("a"));
  BOOST_TEST_REQUIRE(replay.status == 0, replay.err);
  BOOST_TEST(replay.out.find("216 objectives") != std::string::npos,
             replay.out);
  Run history =
      Okr(dir, "history --data " + dir.Sub("a") + " 2026-q4-platform-1");
  BOOST_TEST_REQUIRE(history.status == 0, history.err);
  BOOST_TEST(history.out.find("ObjectiveCreated") <
             history.out.find("CheckInRecorded"));
  BOOST_TEST(Okr(dir, "history --data " + dir.Sub("a") + " nope").status == 1);
  BOOST_TEST(Okr(dir, "tree --data " + dir.Sub("a") + " nope").status == 1);
  // okr retro: a page written to --out, one chart per key result (the demo
  // has 3 key results per objective, 108 objectives a quarter).
  Run retro = Okr(dir, "retro --data " + dir.Sub("a") +
                           " 2026-q3 --format html --out " + dir.Sub("r.html"));
  BOOST_TEST_REQUIRE(retro.status == 0, retro.err);
  BOOST_TEST(retro.out.empty());
  std::string page = Slurp(dir.Sub("r.html"));
  std::optional<std::string> problem = testing::XmlProblem(page);
  BOOST_TEST(!problem.has_value(), problem.value_or(""));
  std::size_t charts = 0;
  for (auto at = page.find("<svg class=\"kr-chart\""); at != std::string::npos;
       at = page.find("<svg class=\"kr-chart\"", at + 1)) {
    ++charts;
  }
  BOOST_TEST(charts == 324u);
  Run md = Okr(dir, "retro --data " + dir.Sub("a") + " 2026-q3");
  BOOST_TEST(md.out.rfind("# Retrospective: 2026-Q3 (2026-q3)", 0) == 0);
  BOOST_TEST(md.out.find("**Final**") != std::string::npos);
  BOOST_TEST(Okr(dir, "retro --data " + dir.Sub("a") + " nope").status == 1);
  BOOST_TEST(Okr(dir, "retro --data " + dir.Sub("a") + " 2026-q3 --format pdf")
                 .status == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
