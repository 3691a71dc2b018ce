// End-to-end: the real `okr serve` on 127.0.0.1 with a temporary store,
// driven over HTTP. Numbers are worked out by hand in the comments.
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "events/date.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/quarter.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"
#include "tests/support/xml_check.h"

namespace okr {
namespace {

namespace tt = boost::test_tools;
using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

// The server's test clock starts here and moves 1 ms on every read, so
// each command is recorded at an instant of its own and "today" is fixed.
constexpr char kClockStart[] = "2026-09-15T09:00:00Z";

Date Today() { return *Date::Parse(std::string(kClockStart).substr(0, 10)); }

struct Server {
  Server() {
    testing::WriteTokensFile(dir.Sub("tokens"),
                             "# test tokens\n"
                             "root-token-0001 root admin\n"
                             "maria-token-001 maria member\n"
                             "john-token-0001 john member\n");
    Start();
  }
  // A restart starts the clock again at kClockStart: later commands are
  // recorded at the last instant of the log (recorded_at never goes back).
  void Start() {
    process = std::make_unique<testing::ServerProcess>(
        OKR_BINARY, std::vector<std::string>{
                        "serve", "--data", dir.Sub("data"), "--listen",
                        "127.0.0.1:0", "--tokens", dir.Sub("tokens"),
                        // no reminders but those a test asks for
                        "--reminder-interval", "0", "--test-clock-start",
                        kClockStart, "--test-clock-step-us", "1000"});
  }
  HttpResult As(const std::string& who, const std::string& method,
                const std::string& target, const json& body = nullptr,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!who.empty()) {
      headers.emplace_back("Authorization", "Bearer " + Token(who));
    }
    return HttpRequest(process->port(), method, target,
                       body.is_null() ? "" : body.dump(), headers);
  }
  static std::string Token(const std::string& who) {
    if (who == "root") return "root-token-0001";
    if (who == "maria") return "maria-token-001";
    return "john-token-0001";
  }
  std::uint64_t Events() {
    return As("root", "GET", "/v1/events?after=0&limit=1000")
        .json()["events"]
        .size();
  }

  testing::TempDir dir;
  std::unique_ptr<testing::ServerProcess> process;
};

// A cycle from 60 days ago to 30 days ahead: expected today = 60/90.
// maria's active objective love: nps 45 -> 60, churn 20 -> 10 (weight 3).
struct Quarter : Server {
  Quarter() : start(Today().AddDays(-60)) {
    testing::QuarterPlan plan("q", start, 90, {{"name", "This quarter"}});
    plan.Objective("love", "maria", false, {{"title", "Customers love us"}})
        .KeyResult("love", "nps", 45, 60, {{"title", "NPS"}})
        .KeyResult("love", "churn", 20, 10,
                   {{"title", "Churn"}, {"weight", 3}});
    testing::SendPlan(plan, [&](const testing::SetupRequest& r) {
      return As(r.actor, r.method, r.target, r.body);
    });
  }
  Date start;
};

BOOST_FIXTURE_TEST_SUITE(http_api, Quarter)

BOOST_AUTO_TEST_CASE(created_resources_answer_201_with_location_and_etag) {
  HttpResult r = As("maria", "POST", "/v1/key-results/nps/check-ins",
                    {{"value", 52.5},
                     {"confidence", 7},
                     {"date", start.AddDays(10).ToString()}});
  BOOST_TEST(r.status == 201);
  BOOST_TEST(r.header("location") == "/v1/key-results/nps");
  BOOST_TEST(r.header("etag") == "\"2\"");  // KeyResultAdded, CheckInRecorded
  json j = r.json();
  BOOST_TEST(j["value"].get<double>() == 52.5);
  BOOST_TEST(j["key_result"]["current"].get<double>() == 52.5);
  HttpResult kr = As("john", "GET", "/v1/key-results/nps");
  BOOST_TEST(kr.status == 200);
  BOOST_TEST(kr.header("etag") == "\"2\"");
}

// nps 45 -> 60 at 52.5: 0.5. churn 20 -> 10 (weight 3) at 14: 0.6.
// Objective: (0.5 + 3 x 0.6) / 4 = 0.575. Today expected = 60/90 = 0.667:
// nps gap 0.167 -> at_risk; churn gap 0.067 -> on_track; objective at_risk.
BOOST_AUTO_TEST_CASE(objective_progress_and_status_by_hand) {
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 52.5}, {"date", start.AddDays(10).ToString()}});
  As("maria", "POST", "/v1/key-results/churn/check-ins",
     {{"value", 14}, {"date", start.AddDays(20).ToString()}});
  json o = As("john", "GET", "/v1/objectives/love").json();
  BOOST_TEST(o["progress"].get<double>() == 0.575, tt::tolerance(1e-9));
  BOOST_TEST(o["status"] == "at_risk");
  BOOST_TEST(o["key_results"][0]["id"] == "nps");
  BOOST_TEST(o["key_results"][0]["attainment"].get<double>() == 0.5,
             tt::tolerance(1e-9));
  BOOST_TEST(o["key_results"][0]["status"] == "at_risk");
  BOOST_TEST(o["key_results"][1]["status"] == "on_track");
  // At start + 30: expected 1/3; both ahead: on_track. At start + 5 no
  // check-in counts yet: progress 0, expected 5/90 = 0.056: on_track.
  json early = As("john", "GET",
                  "/v1/objectives/love?at=" + start.AddDays(30).ToString())
                   .json();
  BOOST_TEST(early["status"] == "on_track");
  json earlier =
      As("john", "GET", "/v1/objectives/love?at=" + start.AddDays(5).ToString())
          .json();
  BOOST_TEST(earlier["progress"].get<double>() == 0.0);
  BOOST_TEST(earlier["key_results"][0]["current"].get<double>() == 45.0);
  json tree = As("john", "GET", "/v1/cycles/q/tree").json();
  BOOST_TEST(tree["expected"].get<double>() == 60.0 / 90.0,
             tt::tolerance(1e-9));
  BOOST_TEST(tree["objectives"].size() == 1u);
  BOOST_TEST(tree["objectives"][0]["children"].size() == 0u);
}

BOOST_AUTO_TEST_CASE(every_error_status_is_a_problem_that_names_the_rule) {
  std::uint64_t before = Events();
  auto check = [&](const HttpResult& r, int status, const std::string& slug,
                   const std::string& field) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.header("content-type") == "application/problem+json");
    json p = r.json();
    BOOST_TEST(p["type"] == "urn:okr-ledger:problem:" + slug);
    BOOST_TEST(p["status"] == status);
    BOOST_TEST(!p["detail"].get<std::string>().empty());
    if (!field.empty()) BOOST_TEST(p["field"] == field);
  };
  check(As("", "GET", "/v1/cycles"), 401, "unauthorised", "");
  check(HttpRequest(process->port(), "GET", "/v1/cycles", "",
                    {{"Authorization", "Bearer nope-nope-nope"}}),
        401, "unauthorised", "");
  check(As("maria", "POST", "/v1/key-results/nps/check-ins",
           {{"value", 50}, {"mood", "good"}}),
        400, "invalid-mood", "mood");
  check(As("maria", "POST", "/v1/key-results/nps/check-ins",
           {{"value", "fifty"}}),
        400, "invalid-value", "value");
  check(HttpRequest(process->port(), "POST", "/v1/key-results/nps/check-ins",
                    "{\"value\": 5",
                    {{"Authorization", "Bearer maria-token-001"}}),
        400, "malformed-json", "");
  check(HttpRequest(process->port(), "POST", "/v1/key-results/nps/check-ins",
                    "{\"value\": 5, \"note\": \"\xff\xfe\"}",
                    {{"Authorization", "Bearer maria-token-001"}}),
        400, "malformed-json", "");
  check(As("maria", "GET", "/v1/objectives/Bad_Id"), 400, "invalid-id", "id");
  check(As("john", "POST", "/v1/key-results/nps/check-ins", {{"value", 50}}),
        403, "forbidden", "");
  check(As("maria", "GET", "/v1/key-results/nope"), 404, "not-found", "id");
  check(As("root", "POST", "/v1/cycles/q/start"), 409, "cycle-state", "");
  // If-Match that holds (the key result is at version 1) succeeds.
  BOOST_TEST(As("maria", "POST", "/v1/key-results/nps/check-ins",
                {{"value", 50}}, {{"If-Match", "\"1\""}})
                 .status == 201);
  before = Events();
  check(As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 51}},
           {{"If-Match", "\"1\""}}),
        412, "stale-version", "If-Match");
  check(As("maria", "POST", "/v1/key-results/nps/check-ins",
           {{"value", 51}, {"confidence", 11}}),
        422, "confidence-range", "confidence");
  check(
      As("maria", "POST", "/v1/objectives/love/key-results",
         {{"title", "Same"}, {"kind", "metric"}, {"start", 3}, {"target", 3}}),
      422, "start-equals-target", "target");
  std::string big =
      "{\"value\": 1, \"note\": \"" + std::string(1 << 20, 'x') + "\"}";
  HttpResult too_big =
      HttpRequest(process->port(), "POST", "/v1/key-results/nps/check-ins", big,
                  {{"Authorization", "Bearer maria-token-001"}});
  BOOST_TEST(too_big.status == 413);
  BOOST_TEST(Events() == before);
  // The server still serves.
  BOOST_TEST(As("john", "GET", "/v1/cycles").status == 200);
}

BOOST_AUTO_TEST_CASE(
    idempotent_replay_returns_the_original_and_appends_nothing) {
  json body{{"value", 50}, {"note", "weekly"}};
  std::vector<std::pair<std::string, std::string>> key{
      {"Idempotency-Key", "check-1"}};
  HttpResult first =
      As("maria", "POST", "/v1/key-results/nps/check-ins", body, key);
  BOOST_TEST(first.status == 201);
  std::uint64_t after = Events();
  HttpResult again =
      As("maria", "POST", "/v1/key-results/nps/check-ins", body, key);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("etag") == first.header("etag"));
  BOOST_TEST(Events() == after);
  HttpResult other = As("maria", "POST", "/v1/key-results/nps/check-ins",
                        {{"value", 51}}, key);
  BOOST_TEST(other.status == 409);
  BOOST_TEST(other.json()["type"] ==
             "urn:okr-ledger:problem:idempotency-key-reused");
  BOOST_TEST(Events() == after);
}

BOOST_AUTO_TEST_CASE(as_of_shows_what_the_log_knew) {
  As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 50}});
  std::string events = As("root", "GET", "/v1/events?after=0").body;
  json all = json::parse(events)["events"];
  std::string between = all.back()["recorded_at"];  // the test clock moves on
  HttpResult moved = As("maria", "PATCH", "/v1/key-results/nps",
                        {{"target", 70}, {"reason", "board asked"}});
  BOOST_TEST(moved.status == 200);
  BOOST_TEST(moved.json()["target"].get<double>() == 70.0);
  json then = As("john", "GET", "/v1/key-results/nps?as_of=" + between).json();
  BOOST_TEST(then["target"].get<double>() == 60.0);
  BOOST_TEST(then["current"].get<double>() == 50.0);
  json now = As("john", "GET", "/v1/key-results/nps").json();
  BOOST_TEST(now["target"].get<double>() == 70.0);
  BOOST_TEST(now["original_target"].get<double>() == 60.0);
  // Before the cycle existed: 404.
  std::string first = all.front()["recorded_at"];
  HttpResult none = As("john", "GET", "/v1/objectives/love?as_of=" + first);
  BOOST_TEST(none.status == 404);
  BOOST_TEST(As("john", "GET", "/v1/cycles/q?as_of=not-a-time").status == 400);
}

BOOST_AUTO_TEST_CASE(the_tree_follows_every_change) {
  // The tree is cached per state position: a change shows at once.
  auto nps_current = [&](const std::string& query) {
    json t = As("john", "GET", "/v1/cycles/q/tree" + query).json();
    return t["objectives"][0]["key_results"][0]["current"].get<double>();
  };
  BOOST_TEST(nps_current("") == 45.0);
  BOOST_TEST(nps_current("") == 45.0);
  As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 50}});
  BOOST_TEST(nps_current("") == 50.0);
  As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 51}});
  BOOST_TEST(nps_current("") == 51.0);
  // Another business date is another answer.
  BOOST_TEST(nps_current("?at=" + start.AddDays(1).ToString()) == 45.0);
  BOOST_TEST(nps_current("") == 51.0);
}

BOOST_AUTO_TEST_CASE(strict_input_is_refused_and_changes_nothing) {
  std::uint64_t before = Events();
  auto post = [&](const std::string& raw) {
    return HttpRequest(process->port(), "POST", "/v1/key-results/nps/check-ins",
                       raw, {{"Authorization", "Bearer maria-token-001"}});
  };
  std::string deep = std::string(40, '[') + std::string(40, ']');
  BOOST_TEST(post("{\"value\": 1, \"note\": " + deep + "}").status == 400);
  BOOST_TEST(post("{\"value\": 1e400}").status == 400);
  BOOST_TEST(post("{\"value\": NaN}").status == 400);
  BOOST_TEST(post("[1, 2]").status == 400);
  BOOST_TEST(post("").status == 400);
  BOOST_TEST(post("{\"value\": 1, \"date\": \"2026-02-30\"}").status == 400);
  BOOST_TEST(post("{\"value\": 1, \"confidence\": 7.5}").status == 400);
  BOOST_TEST(post("{\"value\": 1, \"note\": 5}").status == 400);
  BOOST_TEST(
      As("root", "POST", "/v1/cycles",
         {{"id", "x"}, {"starts_on", "2026-13-01"}, {"ends_on", "2026-12-31"}})
          .status == 400);
  BOOST_TEST(
      As("root", "POST", "/v1/cycles",
         {{"id", "x"}, {"starts_on", "2026-12-01"}, {"ends_on", "2026-11-01"}})
          .status == 422);
  BOOST_TEST(Events() == before);
}

BOOST_AUTO_TEST_CASE(a_quarter_over_http_align_remove_close_and_grade) {
  // Alignment: a company objective; love moves under it and back out.
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/objectives",
                        {{"id", "co"},
                         {"cycle_id", "q"},
                         {"title", "Company"},
                         {"level", "company"}})
                         .status == 201);
  HttpResult aligned =
      As("maria", "PUT", "/v1/objectives/love/parent", {{"parent_id", "co"}});
  BOOST_TEST(aligned.status == 200);
  BOOST_TEST(aligned.json()["parent_id"] == "co");
  json tree = As("john", "GET", "/v1/cycles/q/tree").json();
  BOOST_TEST(tree["objectives"].size() == 1u);  // co, with love below
  BOOST_TEST(tree["objectives"][0]["children"][0]["id"] == "love");
  HttpResult loop =
      As("root", "PUT", "/v1/objectives/co/parent", {{"parent_id", "love"}});
  BOOST_TEST(loop.status == 422);
  BOOST_TEST(loop.json()["field"] == "parent_id");
  HttpResult unaligned = As("maria", "PUT", "/v1/objectives/love/parent",
                            {{"parent_id", nullptr}});
  BOOST_TEST(unaligned.status == 200);
  BOOST_TEST(unaligned.json()["parent_id"].is_null());
  // Lists with filters.
  json mine = As("john", "GET", "/v1/objectives?owner=maria").json();
  BOOST_TEST(mine["objectives"].size() == 1u);
  json drafts = As("john", "GET", "/v1/objectives?cycle=q&state=draft").json();
  BOOST_TEST(drafts["objectives"].size() == 1u);  // co
  // Remove a key result: kept, marked, out of progress.
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 52.5}, {"date", start.AddDays(10).ToString()}});
  As("maria", "POST", "/v1/key-results/churn/check-ins",
     {{"value", 14}, {"date", start.AddDays(20).ToString()}});
  HttpResult removed =
      As("maria", "DELETE", "/v1/key-results/churn?reason=merged");
  BOOST_TEST(removed.status == 200);
  BOOST_TEST(removed.json()["state"] == "removed");
  json love = As("john", "GET", "/v1/objectives/love").json();
  BOOST_TEST(love["key_results"].size() == 2u);
  BOOST_TEST(love["progress"].get<double>() == 0.5, tt::tolerance(1e-9));
  BOOST_TEST(
      As("maria", "POST", "/v1/key-results/churn/check-ins", {{"value", 12}})
          .status == 409);
  // Close: nps graded 0.5 from its progress; love scored 0.5.
  HttpResult closed = As("root", "POST", "/v1/cycles/q/close");
  BOOST_TEST(closed.status == 200);
  BOOST_TEST(closed.json()["state"] == "closed");
  json nps = As("john", "GET", "/v1/key-results/nps").json();
  BOOST_TEST(nps["grade"]["score"].get<double>() == 0.5, tt::tolerance(1e-9));
  BOOST_TEST(nps["grade"]["manual"] == false);
  BOOST_TEST(
      As("john", "GET", "/v1/objectives/love").json()["score"].get<double>() ==
          0.5,
      tt::tolerance(1e-9));
  // A hand grade after the close moves the score; check-ins are locked.
  BOOST_TEST(As("maria", "POST", "/v1/key-results/nps/grade",
                {{"score", 0.8}, {"note", "shipped late"}})
                 .status == 200);
  BOOST_TEST(
      As("john", "GET", "/v1/objectives/love").json()["score"].get<double>() ==
          0.8,
      tt::tolerance(1e-9));
  HttpResult locked =
      As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 60}});
  BOOST_TEST(locked.status == 409);
  BOOST_TEST(locked.json()["type"] == "urn:okr-ledger:problem:cycle-closed");
}

BOOST_AUTO_TEST_CASE(history_lists_every_change_oldest_first) {
  // On top of the fixture (love created, activated, nps and churn added):
  // a retitle and back, a target move with its reason, a check-in.
  As("maria", "PATCH", "/v1/objectives/love", {{"title", "Fans"}});
  As("maria", "PATCH", "/v1/objectives/love", {{"title", "Customers love us"}});
  As("maria", "PATCH", "/v1/key-results/nps",
     {{"target", 65}, {"reason", "board asked"}});
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 50}, {"confidence", 6}, {"date", start.AddDays(3).ToString()}});
  HttpResult r = As("john", "GET", "/v1/objectives/love/history");
  BOOST_TEST_REQUIRE(r.status == 200);
  json e = r.json()["entries"];
  std::vector<std::string> types;
  for (const json& x : e) types.push_back(x["type"]);
  std::vector<std::string> want{"ObjectiveCreated",       "ObjectiveActivated",
                                "KeyResultAdded",         "KeyResultAdded",
                                "ObjectiveRetitled",      "ObjectiveRetitled",
                                "KeyResultTargetChanged", "CheckInRecorded"};
  BOOST_TEST(types == want, tt::per_element());
  BOOST_TEST_REQUIRE(e.size() == want.size());
  // Creation: initial fields with before null.
  json created = e[0]["changes"];
  BOOST_TEST(created[1] == (json{{"field", "title"},
                                 {"before", nullptr},
                                 {"after", "Customers love us"}}));
  BOOST_TEST(e[0]["actor"] == "maria");
  BOOST_TEST(e[0]["stream"] == "objective/love");
  BOOST_TEST(
      e[1]["changes"][0] ==
      (json{{"field", "state"}, {"before", "draft"}, {"after", "active"}}));
  BOOST_TEST(e[4]["changes"][0] == (json{{"field", "title"},
                                         {"before", "Customers love us"},
                                         {"after", "Fans"}}));
  BOOST_TEST(e[5]["changes"][0] == (json{{"field", "title"},
                                         {"before", "Fans"},
                                         {"after", "Customers love us"}}));
  BOOST_TEST(e[6]["stream"] == "kr/nps");
  BOOST_TEST(e[6]["reason"] == "board asked");
  BOOST_TEST(e[6]["changes"][0] ==
             (json{{"field", "target"}, {"before", 60.0}, {"after", 65.0}}));
  BOOST_TEST(e[7]["changes"][0] ==
             (json{{"field", "value"}, {"before", 45.0}, {"after", 50.0}}));
  BOOST_TEST(
      e[7]["changes"][1] ==
      (json{{"field", "confidence"}, {"before", nullptr}, {"after", 6}}));
  // Positions grow; a key result's own history is its part of it.
  for (std::size_t i = 1; i < e.size(); ++i) {
    BOOST_TEST(e[i]["position"].get<int>() > e[i - 1]["position"].get<int>());
  }
  json kr = As("john", "GET", "/v1/key-results/nps/history").json()["entries"];
  BOOST_TEST(kr.size() == 3u);  // added, target changed, check-in
  BOOST_TEST(As("john", "GET", "/v1/key-results/nope/history").status == 404);
}

BOOST_AUTO_TEST_CASE(window_diff_lists_net_changes_only) {
  auto last_instant = [&] {
    json all = As("root", "GET", "/v1/events?after=0&limit=1000").json();
    return all["events"].back()["recorded_at"].get<std::string>();
  };
  std::string t0 = last_instant();  // after the fixture; the clock moves on
  As("maria", "PATCH", "/v1/objectives/love", {{"title", "Fans"}});
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 52.5}, {"date", start.AddDays(10).ToString()}});
  As("maria", "PATCH", "/v1/key-results/churn",
     {{"target", 8}, {"reason", "stretch"}});
  As("maria", "PATCH", "/v1/objectives/love", {{"title", "Customers love us"}});
  As("maria", "POST", "/v1/objectives",
     {{"id", "new"},
      {"cycle_id", "q"},
      {"title", "New one"},
      {"level", "team"}});
  std::string t1 = last_instant();
  HttpResult r =
      As("john", "GET", "/v1/cycles/q/changes?from=" + t0 + "&to=" + t1);
  BOOST_TEST_REQUIRE(r.status == 200);
  json d = r.json();
  BOOST_TEST(d["from"] == t0);
  BOOST_TEST(d["to"] == t1);
  BOOST_TEST_REQUIRE(d["objectives"].size() == 2u);
  // love: the title came back (not listed); progress 0 -> (1 x 0.5 + 3 x 0)
  // / 4 = 0.125; nps progress 0 -> 0.5; churn target 10 -> 8.
  json love = d["objectives"][0];
  BOOST_TEST(love["id"] == "love");
  BOOST_TEST(love["change"] == "changed");
  BOOST_TEST(
      love["fields"] ==
      (json::array(
          {{{"field", "progress"}, {"before", 0.0}, {"after", 0.125}}})));
  BOOST_TEST_REQUIRE(love["key_results"].size() == 2u);
  BOOST_TEST(love["key_results"][0] ==
             (json{{"id", "churn"},
                   {"change", "changed"},
                   {"fields", json::array({{{"field", "target"},
                                            {"before", 10.0},
                                            {"after", 8.0}}})}}));
  BOOST_TEST(love["key_results"][1]["fields"] ==
             (json::array(
                 {{{"field", "progress"}, {"before", 0.0}, {"after", 0.5}}})));
  json added = d["objectives"][1];
  BOOST_TEST(added["id"] == "new");
  BOOST_TEST(added["change"] == "added");
  BOOST_TEST(
      added["fields"][0] ==
      (json{{"field", "title"}, {"before", nullptr}, {"after", "New one"}}));
  // An empty window, and a window before the changes.
  BOOST_TEST(As("john", "GET", "/v1/cycles/q/changes?from=" + t1 + "&to=" + t1)
                 .json()["objectives"]
                 .empty());
  BOOST_TEST(As("john", "GET", "/v1/cycles/q/changes?from=" + t0).status ==
             400);
}

// The fixture's quarter runs start .. start + 90: 91 days, 13 weeks; today
// is start + 60. nps 45 -> 60 moved to 65 (reason given), check-ins on
// start + 2 (50, w0) and start + 10 (52.5, w1): (52.5 - 45) / 20 = 0.375;
// churn 20 -> 10 (weight 3) at 14 on start + 20 (w2): 0.6. love =
// (0.375 + 3 x 0.6) / 4 = 0.54375, yellow. Coverage 2/13 and 1/13; maria
// 3 check-ins in weeks {0, 1, 2}: 3/13.
BOOST_AUTO_TEST_CASE(retrospective_in_three_formats_by_hand) {
  BOOST_TEST_REQUIRE(As("maria", "PATCH", "/v1/key-results/nps",
                        {{"target", 65}, {"reason", "stretch"}})
                         .status == 200);
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 50}, {"confidence", 6}, {"date", start.AddDays(2).ToString()}});
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 52.5}, {"date", start.AddDays(10).ToString()}});
  As("maria", "POST", "/v1/key-results/churn/check-ins",
     {{"value", 14}, {"date", start.AddDays(20).ToString()}});
  HttpResult note = As("maria", "POST", "/v1/cycles/q/retrospective/notes",
                       {{"objective_id", "love"}, {"text", "Survey moved"}});
  BOOST_TEST(note.status == 201);
  BOOST_TEST(note.header("location") == "/v1/cycles/q/retrospective");
  BOOST_TEST(note.json()["text"] == "Survey moved");
  BOOST_TEST(note.json()["position"].is_number());
  std::uint64_t log_size = Events();
  // Refusals: no text, an objective of no such cycle, a member writing a
  // note about another's objective; none appends.
  BOOST_TEST(
      As("maria", "POST", "/v1/cycles/q/retrospective/notes", json::object())
          .json()["field"] == "text");
  BOOST_TEST(As("maria", "POST", "/v1/cycles/q/retrospective/notes",
                {{"objective_id", "nope"}, {"text", "x"}})
                 .status == 404);
  BOOST_TEST(As("john", "POST", "/v1/cycles/q/retrospective/notes",
                {{"objective_id", "love"}, {"text", "x"}})
                 .status == 403);
  BOOST_TEST(Events() == log_size);

  HttpResult r = As("john", "GET", "/v1/cycles/q/retrospective");
  BOOST_TEST_REQUIRE(r.status == 200);
  json j = r.json();
  BOOST_TEST(j["closed"] == false);
  BOOST_TEST(j["provisional"] == true);
  json love = j["objectives"][0];
  BOOST_TEST(love["id"] == "love");
  BOOST_TEST(std::abs(love["score"].get<double>() - 0.54375) < 1e-9);
  BOOST_TEST(love["band"] == "yellow");
  json nps = love["key_results"][0];
  BOOST_TEST(nps["id"] == "nps");
  BOOST_TEST(std::abs(nps["score"].get<double>() - 0.375) < 1e-9);
  BOOST_TEST(nps["original_target"].get<double>() == 60);
  BOOST_TEST(nps["target"].get<double>() == 65);
  BOOST_TEST(nps["target_changes"][0]["reason"] == "stretch");
  BOOST_TEST(nps["target_changes"][0]["actor"] == "maria");
  BOOST_TEST(nps["check_ins"] == 2);
  BOOST_TEST(std::abs(nps["weekly_coverage"].get<double>() - 2.0 / 13) < 1e-9);
  BOOST_TEST(std::abs(j["participation"][0]["weekly_coverage"].get<double>() -
                      3.0 / 13) < 1e-9);
  BOOST_TEST(j["summary"]["bands"]["yellow"] == 1);
  BOOST_TEST(j["summary"]["target_changes"] == 1);
  BOOST_TEST(j["notes"][0]["objective_id"] == "love");

  HttpResult md = As("john", "GET", "/v1/cycles/q/retrospective?format=md");
  BOOST_TEST(md.status == 200);
  BOOST_TEST(md.header("content-type") == "text/markdown; charset=utf-8");
  BOOST_TEST(md.body.find("### Customers love us (love)") != std::string::npos);
  BOOST_TEST(md.body.find("Survey moved") != std::string::npos);
  HttpResult html = As("john", "GET", "/v1/cycles/q/retrospective?format=html");
  BOOST_TEST(html.status == 200);
  BOOST_TEST(html.header("content-type") == "text/html; charset=utf-8");
  std::optional<std::string> problem = testing::XmlProblem(html.body);
  BOOST_TEST(!problem.has_value(), problem.value_or(""));
  BOOST_TEST(html.body.find("<svg class=\"kr-chart\" data-kr=\"nps\"") !=
             std::string::npos);
  BOOST_TEST(html.body.find("<svg class=\"kr-chart\" data-kr=\"churn\"") !=
             std::string::npos);
  HttpResult bad = As("john", "GET", "/v1/cycles/q/retrospective?format=pdf");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.json()["field"] == "format");
  BOOST_TEST(As("john", "GET", "/v1/cycles/nope/retrospective").status == 404);

  // Closed: the same numbers, now final; and after a restart.
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/cycles/q/close").status == 200);
  json final = As("john", "GET", "/v1/cycles/q/retrospective").json();
  BOOST_TEST(final["closed"] == true);
  BOOST_TEST(std::abs(final["objectives"][0]["score"].get<double>() - 0.54375) <
             1e-9);
  std::string before = As("john", "GET", "/v1/cycles/q/retrospective").body;
  BOOST_TEST(process->Stop(SIGTERM) == 0);
  Start();
  BOOST_TEST(As("john", "GET", "/v1/cycles/q/retrospective").body == before);
}

BOOST_AUTO_TEST_CASE(kpis_with_health) {
  HttpResult k = As("maria", "POST", "/v1/kpis",
                    {{"id", "p95"},
                     {"name", "p95 latency"},
                     {"unit", "ms"},
                     {"healthy_max", 300}});
  BOOST_TEST(k.status == 201);
  BOOST_TEST(k.header("location") == "/v1/kpis/p95");
  BOOST_TEST(k.json()["health"] == "unknown");
  BOOST_TEST(k.json()["latest"].is_null());
  BOOST_TEST(As("maria", "POST", "/v1/kpis/p95/measurements",
                {{"value", 250}, {"date", Today().AddDays(-2).ToString()}})
                 .status == 201);
  BOOST_TEST(As("john", "GET", "/v1/kpis/p95").json()["health"] == "healthy");
  BOOST_TEST(As("maria", "POST", "/v1/kpis/p95/measurements", {{"value", 320}})
                 .status == 201);
  json kpi = As("john", "GET", "/v1/kpis/p95").json();
  BOOST_TEST(kpi["health"] == "unhealthy");
  BOOST_TEST(kpi["latest"]["value"].get<double>() == 320.0);
  BOOST_TEST(
      As("john", "POST", "/v1/kpis/p95/measurements", {{"value", 1}}).status ==
      403);
}

BOOST_AUTO_TEST_CASE(restart_gives_identical_answers) {
  As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 55}});
  std::string tree = As("john", "GET", "/v1/cycles/q/tree").body;
  std::string log = As("john", "GET", "/v1/events?after=0&limit=1000").body;
  BOOST_TEST(process->Stop(SIGTERM) == 0);
  BOOST_TEST(process->Output().find("stopped cleanly") != std::string::npos);
  Start();
  BOOST_TEST(As("john", "GET", "/v1/cycles/q/tree").body == tree);
  BOOST_TEST(As("john", "GET", "/v1/events?after=0&limit=1000").body == log);
}

// A client of GET /v1/events/stream on a connection of its own: the bytes
// received so far and the event ids among them, in order.
class SseClient {
 public:
  // Sends "GET /v1/events/stream" + `rest` (the query, the version and the
  // headers, up to the blank line).
  SseClient(int port, const std::string& rest) : stream_(ioc_) {
    namespace net = boost::asio;
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(port)));
    std::string req = "GET /v1/events/stream" + rest;
    net::write(stream_, net::buffer(req));
  }
  // Reads until `enough(ids())` holds (true), or the server closes or
  // testing::kPatience passes (false).
  template <typename Enough>
  bool ReadUntil(Enough enough) {
    namespace beast = boost::beast;
    const auto deadline = std::chrono::steady_clock::now() + testing::kPatience;
    char buf[65536];
    while (!enough(ids_)) {
      stream_.expires_at(deadline);
      beast::error_code ec;
      std::size_t n = stream_.read_some(boost::asio::buffer(buf), ec);
      if (ec) return false;  // closed, or the deadline passed
      pending_.append(buf, n);
      text_.append(buf, n);
      std::size_t at;
      while ((at = pending_.find("\nid: ")) != std::string::npos) {
        std::size_t end = pending_.find('\n', at + 5);
        if (end == std::string::npos) break;
        ids_.push_back(std::stoull(pending_.substr(at + 5, end - at - 5)));
        pending_.erase(0, end);
      }
    }
    return true;
  }
  bool ReadIds(std::size_t count) {
    return ReadUntil([count](const auto& ids) { return ids.size() >= count; });
  }
  const std::vector<std::uint64_t>& ids() const { return ids_; }
  const std::string& text() const { return text_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  std::string pending_, text_;
  std::vector<std::uint64_t> ids_;
};

BOOST_AUTO_TEST_CASE(event_stream_catches_up_then_goes_live_and_resumes) {
  const std::uint64_t n = Events();  // the fixture's events
  BOOST_TEST_REQUIRE(n >= 6u);
  std::string auth = "Authorization: Bearer john-token-0001\r\n";
  // Resume after position 3: 4..n from history, the head.
  SseClient live(process->port(), " HTTP/1.1\r\nHost: x\r\n" + auth +
                                      "Last-Event-ID: 3\r\n\r\n");
  BOOST_TEST_REQUIRE(live.ReadIds(n - 3));
  std::vector<std::uint64_t> want;
  for (std::uint64_t p = 4; p <= n; ++p) want.push_back(p);
  BOOST_TEST(live.ids() == want, tt::per_element());
  // Only once the stream has read to the head and waits there (live, as
  // /metrics tells) is n + 1 appended: it cannot come by catch-up, only by
  // the stream being woken.
  auto live_streams = [&] {
    const std::string series = "okr_event_streams{state=\"live\"} ";
    std::string body = As("john", "GET", "/metrics").body;
    std::size_t at = body.find(series);
    return at == std::string::npos ? -1
                                   : std::stoi(body.substr(at + series.size()));
  };
  BOOST_TEST_REQUIRE(testing::Eventually([&] { return live_streams() == 1; }));
  BOOST_TEST_REQUIRE(
      As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 50}})
          .status == 201);
  BOOST_TEST_REQUIRE(live.ReadIds(n - 3 + 1));
  want.push_back(n + 1);
  BOOST_TEST(live.ids() == want, tt::per_element());
  BOOST_TEST(live.text().find("text/event-stream") != std::string::npos);
  BOOST_TEST(live.text().find("event: CheckInRecorded") != std::string::npos);
  BOOST_TEST_REQUIRE(testing::Eventually([&] { return live_streams() == 1; }));
  // With ?after=n: only the last one.
  SseClient after(process->port(), "?after=" + std::to_string(n) +
                                       " HTTP/1.1\r\nHost: x\r\n" + auth +
                                       "\r\n");
  BOOST_TEST_REQUIRE(after.ReadIds(1));
  BOOST_TEST(after.ids() == std::vector<std::uint64_t>{n + 1},
             tt::per_element());
  // Without a token: 401, and closed.
  SseClient denied(process->port(), " HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(!denied.ReadIds(1));
  BOOST_TEST(denied.text().find("401") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigkill_under_load_loses_no_acknowledged_request) {
  // Eight clients check in unique values as fast as they can; the server is
  // killed with SIGKILL in the middle. Every value that was answered 201
  // must be in the log after a restart.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable acked;
  std::vector<double> acknowledged;  // guarded by mu
  std::vector<std::thread> clients;
  const int port = process->port();
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        double value = t * 100000 + i;
        try {
          HttpResult r =
              HttpRequest(port, "POST", "/v1/key-results/nps/check-ins",
                          json{{"value", value}}.dump(),
                          {{"Authorization", "Bearer maria-token-001"}});
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.push_back(value);
            acked.notify_all();
          }
        } catch (const std::exception&) {
          // the server is gone: this one's outcome is unknown
        }
      }
    });
  }
  // Killed once a hundred were acknowledged, while the clients go on.
  bool loaded = false;
  {
    std::unique_lock lock(mu);
    loaded = acked.wait_for(lock, testing::kPatience,
                            [&] { return acknowledged.size() >= 100u; });
  }
  process->Stop(SIGKILL);
  stop = true;
  for (auto& c : clients) c.join();
  BOOST_TEST_REQUIRE(loaded);
  Start();
  std::set<double> logged;
  std::uint64_t after = 0;
  for (;;) {
    json page = As("root", "GET",
                   "/v1/events?limit=1000&after=" + std::to_string(after))
                    .json();
    if (page["events"].empty()) break;
    for (const json& e : page["events"]) {
      if (e["type"] == "CheckInRecorded") {
        logged.insert(e["data"]["value"].get<double>());
      }
    }
    after = page["next"].get<std::uint64_t>();
  }
  std::size_t lost = 0;
  for (double v : acknowledged) lost += logged.count(v) == 0 ? 1 : 0;
  BOOST_TEST_MESSAGE(acknowledged.size()
                     << " acknowledged, " << logged.size() << " in the log");
  BOOST_TEST(lost == 0u);
}

BOOST_AUTO_TEST_CASE(every_route_of_the_openapi_document_answers) {
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/kpis",
                        {{"id", "kpi1"}, {"name", "Uptime"}, {"unit", "%"}})
                         .status == 201);
  HttpResult doc = As("john", "GET", "/v1/openapi.yaml");
  BOOST_TEST_REQUIRE(doc.status == 200);
  BOOST_TEST(doc.body.rfind("openapi: 3", 0) == 0);
  std::istringstream lines(doc.body);
  std::string line, path;
  int routes = 0;
  while (std::getline(lines, line)) {
    if (line.size() > 4 && line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      continue;
    }
    for (const char* method : {"get", "post", "put", "patch", "delete"}) {
      if (line.rfind(std::string("    ") + method + ":", 0) != 0) continue;
      std::string target = path;
      auto id = target.find("{id}");
      if (id != std::string::npos) {
        std::string value = target.rfind("/v1/cycles", 0) == 0       ? "q"
                            : target.rfind("/v1/objectives", 0) == 0 ? "love"
                            : target.rfind("/v1/kpis", 0) == 0       ? "kpi1"
                                                                     : "nps";
        target.replace(id, 4, value);
      }
      std::string verb = method;
      for (char& ch : verb) ch = static_cast<char>(std::toupper(ch));
      ++routes;
      if (target == "/v1/events/stream") {
        SseClient stream(process->port(),
                         " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                         "root-token-0001\r\n\r\n");
        BOOST_TEST(stream.ReadIds(1), target);
        BOOST_TEST(stream.text().find("200 OK") != std::string::npos, target);
        continue;
      }
      HttpResult r = As("root", verb, target,
                        verb == "GET" ? json(nullptr) : json::object());
      BOOST_TEST(r.status != 405, verb << " " << target);
      BOOST_TEST(r.status < 500, verb << " " << target);
      if (r.status == 404) {
        BOOST_TEST(r.json()["type"] != "urn:okr-ledger:problem:route-not-found",
                   verb << " " << target);
      }
    }
  }
  BOOST_TEST(routes >= 28);
  // And a route that is not in it is a problem too.
  HttpResult none = As("root", "GET", "/v1/nothing-here");
  BOOST_TEST(none.status == 404);
  BOOST_TEST(none.json()["type"] == "urn:okr-ledger:problem:route-not-found");
  BOOST_TEST(HttpRequest(process->port(), "GET", "/healthz").status == 200);
  HttpResult metrics = As("john", "GET", "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("okr_http_requests_total{route=") !=
             std::string::npos);
  BOOST_TEST(metrics.body.find("okr_store_commit_group_commands_bucket") !=
             std::string::npos);
  BOOST_TEST(As("", "GET", "/metrics").status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(first_start_without_tokens_writes_an_admin_token) {
  testing::TempDir dir;
  testing::ServerProcess server(OKR_BINARY, {"serve", "--data", dir.Sub("data"),
                                             "--listen", "127.0.0.1:0"});
  std::string path = dir.Sub("data") + "/tokens";
  struct stat st;
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600);
  std::ifstream in(path);
  std::string line, token, actor, role;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') {
      std::istringstream(line) >> token >> actor >> role;
    }
  }
  BOOST_TEST(role == "admin");
  BOOST_TEST(token.size() >= 32u);
  HttpResult r = HttpRequest(server.port(), "GET", "/v1/cycles", "",
                             {{"Authorization", "Bearer " + token}});
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json()["cycles"].empty());
  BOOST_TEST(HttpRequest(server.port(), "GET", "/v1/cycles").status == 401);
}

}  // namespace
}  // namespace okr
