// The routes of the HTTP API in-process, through Api::Handle on a real
// engine and store (tests/support/api_harness.h): status codes, problems,
// ETags, as_of, the tree, history, the window diff, the retrospective and
// KPIs, with numbers worked out by hand in the comments. What the server
// adds around the Api (limits, deadlines, connections, the event stream,
// signals) is tested end to end in tests/e2e.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "events/date.h"
#include "tests/support/api_harness.h"
#include "tests/support/quarter.h"
#include "tests/support/xml_check.h"

namespace okr {
namespace {

namespace tt = boost::test_tools;
using nlohmann::json;
using testing::HttpResult;

// The test clock starts here and moves 1 ms on every read, so each command
// is recorded at an instant of its own and "today" is fixed.
constexpr char kClockStart[] = "2026-09-15T09:00:00Z";

Date Today() { return *Date::Parse(std::string(kClockStart).substr(0, 10)); }

struct Server {
  // A request with the headers given (no token unless they carry one).
  HttpResult Raw(
      const std::string& method, const std::string& target,
      const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return api.Request(method, target, body, headers);
  }
  HttpResult As(const std::string& who, const std::string& method,
                const std::string& target, const json& body = nullptr,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!who.empty()) {
      headers.emplace_back("Authorization", "Bearer " + Token(who));
    }
    return Raw(method, target, body.is_null() ? "" : body.dump(), headers);
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
  // As a restart of the server: the engine and the Api opened again.
  void Restart() { api.Restart(); }

  testing::ApiHarness api{kClockStart};
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

BOOST_FIXTURE_TEST_SUITE(http_routes, Quarter)

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
  check(Raw("GET", "/v1/cycles", "",
            {{"Authorization", "Bearer nope-nope-nope"}}),
        401, "unauthorised", "");
  check(As("maria", "POST", "/v1/key-results/nps/check-ins",
           {{"value", 50}, {"mood", "good"}}),
        400, "invalid-mood", "mood");
  check(As("maria", "POST", "/v1/key-results/nps/check-ins",
           {{"value", "fifty"}}),
        400, "invalid-value", "value");
  check(Raw("POST", "/v1/key-results/nps/check-ins", "{\"value\": 5",
            {{"Authorization", "Bearer maria-token-001"}}),
        400, "malformed-json", "");
  check(Raw("POST", "/v1/key-results/nps/check-ins",
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
    return Raw("POST", "/v1/key-results/nps/check-ins", raw,
               {{"Authorization", "Bearer maria-token-001"}});
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
  Restart();
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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
