// The `okr` command line, run as a process: demo, export -> import round
// trip, an edited export refused with nothing written, exit statuses.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/event_store.h"
#include "events/catalogue.h"
#include "events/event_codec.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"
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

// All events of the store at `path`, read through the engine's store.
std::vector<RecordedEvent> ReadLog(const std::string& path) {
  auto store = EventStore::Open(path, StoreOptions{});
  BOOST_TEST_REQUIRE(store.ok(), store.status().ToString());
  auto all = store.value()->ReadAll(1, 1'000'000);
  BOOST_TEST_REQUIRE(all.ok());
  return *all;
}

// Stored text that is not UTF-8 (written before the API refused it) exports
// without aborting, shows U+FFFD in `data`, and is restored byte for byte
// from `data_b64`.
BOOST_AUTO_TEST_CASE(invalid_utf8_text_exports_and_imports_byte_identical) {
  testing::TempDir dir;
  {
    auto store = EventStore::Open(dir.Sub("a"), StoreOptions{});
    BOOST_TEST_REQUIRE(store.ok());
    events::ObjectiveCreated o;
    o.objective_id = "o-1";
    o.cycle_id = "2026-q4";
    o.title = "Ship \xFF\xFE it";
    o.level = "team";
    o.owner = "ana";
    events::KeyResultRemoved r;
    r.kr_id = "kr-1";
    r.reason = std::string("\xFF\xFE");
    for (const events::Event& e : {events::Event(o), events::Event(r)}) {
      CommandMeta meta;
      meta.actor = "ana";
      NewEvent ne = events::ToNewEvent(e);
      auto done = store.value()->Append(ne.stream, std::nullopt, {ne}, meta);
      BOOST_TEST_REQUIRE(done.ok(), done.status().ToString());
    }
  }
  Run exported = Okr(
      dir, "export --data " + dir.Sub("a") + " --out " + dir.Sub("a.jsonl"));
  BOOST_TEST_REQUIRE(exported.status == 0, exported.err);
  std::string text = Slurp(dir.Sub("a.jsonl"));
  BOOST_TEST(text.find("Ship \xEF\xBF\xBD") != std::string::npos, text);
  BOOST_TEST(text.find("\"data_b64\":") != std::string::npos);
  Run imported =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST_REQUIRE(imported.status == 0, imported.err);
  Run verified = Okr(dir, "verify --data " + dir.Sub("b"));
  BOOST_TEST(verified.status == 0, verified.out + verified.err);
  std::vector<RecordedEvent> a = ReadLog(dir.Sub("a")),
                             b = ReadLog(dir.Sub("b"));
  BOOST_TEST_REQUIRE(a.size() == 2u);
  BOOST_TEST((a == b));
  BOOST_TEST(b[1].data.find("\xFF\xFE") != std::string::npos);

  // Editing the bytes breaks the chain; editing `data` so that it no longer
  // says what the bytes hold is refused by itself. Nothing is written.
  std::string line2 = text.substr(text.find('\n') + 1);
  line2 = line2.substr(0, line2.find('\n'));
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    std::ofstream(dir.Sub("e.jsonl"), std::ios::trunc) << t;
    std::filesystem::remove_all(dir.Sub("c"));
    return Okr(dir, "import --data " + dir.Sub("c") + " " + dir.Sub("e.jsonl"));
  };
  Run bytes_edited = edit("\"data_b64\":\"", "\"data_b64\":\"AAAA");
  BOOST_TEST(bytes_edited.status == 1);
  BOOST_TEST(bytes_edited.err.find("line 1") != std::string::npos,
             bytes_edited.err);
  Run json_edited = edit("Ship", "Sink");
  BOOST_TEST(json_edited.status == 1);
  BOOST_TEST(json_edited.err.find("data does not match") != std::string::npos,
             json_edited.err);
  BOOST_TEST(!std::filesystem::exists(dir.Sub("c")));
}

// An export written before data_b64 still imports: the bytes are rebuilt
// from `data`, and the chain check holds them to the hashes.
BOOST_AUTO_TEST_CASE(an_export_without_data_b64_still_imports) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(
      Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20").status ==
      0);
  BOOST_TEST_REQUIRE(
      Okr(dir, "export --data " + dir.Sub("a") + " --out " + dir.Sub("a.jsonl"))
          .status == 0);
  std::istringstream lines(Slurp(dir.Sub("a.jsonl")));
  std::ofstream old(dir.Sub("old.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    BOOST_TEST_REQUIRE(j.erase("data_b64") == 1u);
    old << j.dump() << '\n';
  }
  old.close();
  Run imported =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("old.jsonl"));
  BOOST_TEST_REQUIRE(imported.status == 0, imported.err);
  BOOST_TEST(Okr(dir, "verify --data " + dir.Sub("b")).status == 0);
  BOOST_TEST((ReadLog(dir.Sub("a")) == ReadLog(dir.Sub("b"))));
}

// Folders in `dir` whose name starts with `prefix` (left-over temporaries).
std::size_t Entries(const std::string& dir, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    n += e.path().filename().string().rfind(prefix, 0) == 0 ? 1 : 0;
  }
  return n;
}

// Import is all or nothing: a bad line in the middle, or an idempotency
// record refused after every event was written, leaves no store and no
// temporary folder; a good import then works, also into an empty folder.
BOOST_AUTO_TEST_CASE(a_failed_import_leaves_no_store) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(
      Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20").status ==
      0);
  BOOST_TEST_REQUIRE(
      Okr(dir, "export --data " + dir.Sub("a") + " --out " + dir.Sub("a.jsonl"))
          .status == 0);
  std::istringstream lines(Slurp(dir.Sub("a.jsonl")));
  std::ofstream corrupt(dir.Sub("corrupt.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    corrupt << (n == 500 ? line.substr(0, line.size() / 2) : line) << '\n';
  }
  corrupt.close();
  BOOST_TEST_REQUIRE(n > 1000);
  Run bad = Okr(
      dir, "import --data " + dir.Sub("b") + " " + dir.Sub("corrupt.jsonl"));
  BOOST_TEST(bad.status == 1);
  BOOST_TEST(bad.err.find("line 500") != std::string::npos, bad.err);
  BOOST_TEST(!std::filesystem::exists(dir.Sub("b")));

  // Every event is good, but an idempotency record names a command that is
  // not there: refused once the events are written into the temporary
  // folder, which is removed.
  std::ofstream(dir.Sub("idem.jsonl"))
      << R"({"actor":"admin","key_b64":"a2V5","fingerprint_b64":"",)"
      << R"("first_position":1,"last_position":1,)"
      << R"("recorded_at":"2026-01-01T00:00:00.000000Z",)"
      << R"("command_id":"not-the-command","response_b64":""})" << '\n';
  std::filesystem::create_directory(dir.Sub("b"));
  Run late = Okr(dir, "import --data " + dir.Sub("b") + " --idempotency " +
                          dir.Sub("idem.jsonl") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST(late.status == 1);
  BOOST_TEST(late.err.find("are not the command") != std::string::npos,
             late.err);
  BOOST_TEST(late.err.find("nothing written") != std::string::npos, late.err);
  BOOST_TEST(std::filesystem::is_empty(dir.Sub("b")));
  BOOST_TEST(Entries(dir.path(), ".b.import-") == 0u);

  // A folder with snapshots left from another log is refused, untouched.
  std::filesystem::create_directories(dir.Sub("s/snapshots"));
  std::ofstream(dir.Sub("s/snapshots/state-00000000000000000100.snap")) << "x";
  Run leftover =
      Okr(dir, "import --data " + dir.Sub("s") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST(leftover.status == 1);
  BOOST_TEST(leftover.err.find("holds snapshots") != std::string::npos,
             leftover.err);
  BOOST_TEST(std::filesystem::exists(
      dir.Sub("s/snapshots/state-00000000000000000100.snap")));
  BOOST_TEST(!std::filesystem::exists(dir.Sub("s/CURRENT")));

  Run good =
      Okr(dir, "import --data " + dir.Sub("b") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST_REQUIRE(good.status == 0, good.err);
  BOOST_TEST(Okr(dir, "verify --data " + dir.Sub("b")).status == 0);
  BOOST_TEST((ReadLog(dir.Sub("a")) == ReadLog(dir.Sub("b"))));
  BOOST_TEST(Entries(dir.path(), ".b.import-") == 0u);
}

// The idempotency records travel beside the export: a server on the
// restored store answers a retried key with the original answer and
// appends nothing.
BOOST_AUTO_TEST_CASE(idempotency_records_round_trip_through_export) {
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"), "root-token-0001 root admin\n");
  auto serve = [&](const std::string& data) {
    return std::make_unique<testing::ServerProcess>(
        OKR_BINARY,
        std::vector<std::string>{"serve", "--data", data, "--listen",
                                 "127.0.0.1:0", "--tokens", dir.Sub("tokens"),
                                 "--reminder-interval", "0"});
  };
  const std::string body =
      R"({"id":"q","name":"Q","starts_on":"2026-10-01","ends_on":"2026-12-31"})";
  const std::vector<std::pair<std::string, std::string>> headers{
      {"Authorization", "Bearer root-token-0001"},
      {"Idempotency-Key", "create-q-1"}};
  auto events = [&](int port) {
    return testing::HttpRequest(port, "GET", "/v1/events?after=0", "",
                                {headers[0]})
        .json()["events"]
        .size();
  };
  testing::HttpResult first;
  {
    auto server = serve(dir.Sub("a"));
    first = testing::HttpRequest(server->port(), "POST", "/v1/cycles", body,
                                 headers);
    BOOST_TEST_REQUIRE(first.status == 201, first.body);
    BOOST_TEST(events(server->port()) == 1u);
    BOOST_TEST_REQUIRE(server->Stop() == 0);
  }
  Run exported = Okr(dir, "export --data " + dir.Sub("a") + " --out " +
                              dir.Sub("a.jsonl") + " --idempotency-out " +
                              dir.Sub("a.idem"));
  BOOST_TEST_REQUIRE(exported.status == 0, exported.err);
  BOOST_TEST(Slurp(dir.Sub("a.idem")).find("\"actor\":\"root\"") !=
             std::string::npos);
  Run imported = Okr(dir, "import --data " + dir.Sub("b") + " --idempotency " +
                              dir.Sub("a.idem") + " " + dir.Sub("a.jsonl"));
  BOOST_TEST_REQUIRE(imported.status == 0, imported.err);
  BOOST_TEST(imported.out.find("1 idempotency keys") != std::string::npos,
             imported.out);
  BOOST_TEST(Okr(dir, "verify --data " + dir.Sub("b")).status == 0);
  auto server = serve(dir.Sub("b"));
  testing::HttpResult again =
      testing::HttpRequest(server->port(), "POST", "/v1/cycles", body, headers);
  BOOST_TEST(again.status == 201, again.body);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("idempotent-replay") == "true");
  BOOST_TEST(events(server->port()) == 1u);
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
  // The snapshot replay wrote is bound to this log: verify would use it.
  Run verified = Okr(dir, "verify --data " + dir.Sub("a"));
  BOOST_TEST_REQUIRE(verified.status == 0, verified.err);
  BOOST_TEST(verified.out.find(".snap: ok") != std::string::npos, verified.out);
  BOOST_TEST(verified.out.find("would be ignored") == std::string::npos,
             verified.out);
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

BOOST_AUTO_TEST_CASE(import_okrs_takes_a_spreadsheet_all_rows_or_none) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(
      Okr(dir, "demo --data " + dir.Sub("a") + " --today 2026-11-20").status ==
      0);
  const std::string header =
      "id,title,level,parent,owner,team,kind,start,target,unit,weight\n";
  {
    std::ofstream bad(dir.Sub("bad.csv"));
    bad << header << "imp-1,Fine,company,,,,,,,,\n"
        << "imp-2,,team,imp-1,,,,,,,\n"           // line 3: no title
        << "imp-k,Flat,,imp-1,,,metric,3,3,,\n";  // line 4: start = target
  }
  Run before = Okr(dir, "info --data " + dir.Sub("a"));
  Run bad = Okr(dir, "import-okrs --data " + dir.Sub("a") + " 2026-q4 " +
                         dir.Sub("bad.csv"));
  BOOST_TEST(bad.status == 1);
  BOOST_TEST(bad.err.find("line 3, title:") != std::string::npos, bad.err);
  BOOST_TEST(bad.err.find("line 4, target:") != std::string::npos, bad.err);
  BOOST_TEST(Okr(dir, "info --data " + dir.Sub("a")).out == before.out);

  {
    std::ofstream good(dir.Sub("good.csv"));
    good << header << "imp-1,\"Grow, fast\",company,,,,,,,,\n"
         << "imp-k,Revenue,,imp-1,,,metric,1,2,M EUR,\n";
  }
  Run ok = Okr(dir, "import-okrs --data " + dir.Sub("a") + " 2026-q4 " +
                        dir.Sub("good.csv"));
  BOOST_TEST_REQUIRE(ok.status == 0, ok.err);
  BOOST_TEST(ok.out.find("imported 1 objectives and 1 key results") !=
                 std::string::npos,
             ok.out);
  Run tree = Okr(dir, "tree --data " + dir.Sub("a") + " 2026-q4 --json");
  nlohmann::json t = nlohmann::json::parse(tree.out);
  bool found = false;
  for (const nlohmann::json& o : t["objectives"]) {
    if (o["id"] != "imp-1") continue;
    found = true;
    BOOST_TEST(o["title"] == "Grow, fast");
    BOOST_TEST(o["owner"] == "admin");
    BOOST_TEST(o["key_results"][0]["unit"] == "M EUR");
  }
  BOOST_TEST(found);
  BOOST_TEST(Okr(dir, "verify --data " + dir.Sub("a")).status == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
