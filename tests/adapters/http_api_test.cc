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

// The history and the reminders due take as_of too: the history stops at
// the instant (404 before the objective existed), and the reminders are
// those of the log as it was (a check-in recorded later does not count).
BOOST_AUTO_TEST_CASE(history_and_reminders_as_of_an_instant) {
  json all = As("root", "GET", "/v1/events?after=0").json()["events"];
  std::string before_edit = all.back()["recorded_at"];
  As("maria", "PATCH", "/v1/objectives/love", {{"title", "Fans"}});
  HttpResult now = As("john", "GET", "/v1/objectives/love/history");
  HttpResult then =
      As("john", "GET", "/v1/objectives/love/history?as_of=" + before_edit);
  BOOST_TEST_REQUIRE(then.status == 200);
  BOOST_TEST(now.json()["entries"].size() == then.json()["entries"].size() + 1);
  BOOST_TEST(then.json()["entries"].back()["position"] ==
             all.back()["position"]);
  std::string first = all.front()["recorded_at"];
  BOOST_TEST(
      As("john", "GET", "/v1/objectives/love/history?as_of=" + first).status ==
      404);
  BOOST_TEST(As("john", "GET", "/v1/key-results/nps/history?as_of=x").status ==
             400);

  // 20 days before the cycle ends, with no progress, love is off track:
  // cycle_ending is due. Met in full now, it is not; as of the instant
  // before the check-ins, it still is.
  const std::string at = "?at=" + Today().AddDays(20).ToString();
  auto ending = [](const json& r) {
    int n = 0;
    for (const json& x : r["reminders"]) {
      n += x["kind"] == "cycle_ending" && x["subject"] == "love";
    }
    return n;
  };
  BOOST_TEST(ending(As("root", "GET", "/v1/reminders" + at).json()) == 1);
  json last = As("root", "GET", "/v1/events?after=0").json()["events"].back();
  As("maria", "POST", "/v1/key-results/nps/check-ins", {{"value", 60}});
  As("maria", "POST", "/v1/key-results/churn/check-ins", {{"value", 10}});
  BOOST_TEST(ending(As("root", "GET", "/v1/reminders" + at).json()) == 0);
  HttpResult past = As("root", "GET",
                       "/v1/reminders" + at +
                           "&as_of=" + last["recorded_at"].get<std::string>());
  BOOST_TEST_REQUIRE(past.status == 200);
  BOOST_TEST(ending(past.json()) == 1);
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

// love (team, maria) has mine (individual, john) aligned under it; solo
// (individual, john) stands alone. mine's calls 0 -> 10 at 5: 0.5; solo's
// demos 0 -> 4 at 1: 0.25; love has no check-ins: 0. Scoped to love: love
// and mine, average (0 + 0.5) / 2 = 0.25, 3 key results, 1 check-in,
// maria and john take part; the note about love stays, the cycle's own note
// and the one about solo go. Scoped to mine: mine alone, 0.5, john alone.
BOOST_AUTO_TEST_CASE(a_retrospective_of_one_objective_covers_its_subtree_only) {
  const json mine{{"id", "mine"},
                  {"cycle_id", "q"},
                  {"title", "Mine"},
                  {"level", "individual"},
                  {"parent_id", "love"}};
  BOOST_TEST_REQUIRE(As("john", "POST", "/v1/objectives", mine).status == 201);
  BOOST_TEST_REQUIRE(As("john", "POST", "/v1/objectives",
                        {{"id", "solo"},
                         {"cycle_id", "q"},
                         {"title", "Solo"},
                         {"level", "individual"}})
                         .status == 201);
  for (const char* o : {"mine", "solo"}) {
    BOOST_TEST_REQUIRE(
        As("john", "POST", std::string("/v1/objectives/") + o + "/activate")
            .status == 200);
  }
  BOOST_TEST_REQUIRE(As("john", "POST", "/v1/objectives/mine/key-results",
                        {{"id", "calls"},
                         {"title", "Calls"},
                         {"kind", "metric"},
                         {"start", 0},
                         {"target", 10}})
                         .status == 201);
  BOOST_TEST_REQUIRE(As("john", "POST", "/v1/objectives/solo/key-results",
                        {{"id", "demos"},
                         {"title", "Demos"},
                         {"kind", "metric"},
                         {"start", 0},
                         {"target", 4}})
                         .status == 201);
  As("john", "POST", "/v1/key-results/calls/check-ins", {{"value", 5}});
  As("john", "POST", "/v1/key-results/demos/check-ins", {{"value", 1}});
  As("maria", "POST", "/v1/cycles/q/retrospective/notes",
     {{"objective_id", "love"}, {"text", "about love"}});
  As("john", "POST", "/v1/cycles/q/retrospective/notes",
     {{"objective_id", "solo"}, {"text", "about solo"}});
  As("root", "POST", "/v1/cycles/q/retrospective/notes",
     {{"text", "about the quarter"}});

  json whole = As("john", "GET", "/v1/cycles/q/retrospective").json();
  BOOST_TEST(whole["objective"].is_null());
  BOOST_TEST(whole["objectives"].size() == 3u);
  BOOST_TEST(whole["notes"].size() == 3u);

  HttpResult r = As("john", "GET", "/v1/cycles/q/retrospective?objective=love");
  BOOST_TEST_REQUIRE(r.status == 200);
  json love = r.json();
  BOOST_TEST(love["objective"] == "love");
  BOOST_TEST_REQUIRE(love["objectives"].size() == 2u);
  BOOST_TEST(love["objectives"][0]["id"] == "love");
  BOOST_TEST(love["objectives"][1]["id"] == "mine");
  BOOST_TEST(std::abs(love["summary"]["average_score"].get<double>() - 0.25) <
             1e-9);
  BOOST_TEST(love["summary"]["key_results"] == 3);
  BOOST_TEST(love["summary"]["check_ins"] == 1);
  BOOST_TEST(love["participation"].size() == 2u);
  BOOST_TEST_REQUIRE(love["notes"].size() == 1u);
  BOOST_TEST(love["notes"][0]["text"] == "about love");

  json just =
      As("john", "GET", "/v1/cycles/q/retrospective?objective=mine").json();
  BOOST_TEST_REQUIRE(just["objectives"].size() == 1u);
  BOOST_TEST(std::abs(just["summary"]["average_score"].get<double>() - 0.5) <
             1e-9);
  BOOST_TEST_REQUIRE(just["participation"].size() == 1u);
  BOOST_TEST(just["participation"][0]["owner"] == "john");
  BOOST_TEST(just["notes"].empty());

  HttpResult md =
      As("john", "GET", "/v1/cycles/q/retrospective?objective=love&format=md");
  BOOST_TEST(md.body.find("Scope: objective love and what is aligned under "
                          "it, 2 objectives in all.") != std::string::npos);
  BOOST_TEST(md.body.find("Solo") == std::string::npos);
  HttpResult html = As("john", "GET",
                       "/v1/cycles/q/retrospective?objective=mine&format=html");
  BOOST_TEST(html.body.find("1 objective in all.") != std::string::npos);
  BOOST_TEST(!testing::XmlProblem(html.body).has_value());

  HttpResult none =
      As("john", "GET", "/v1/cycles/q/retrospective?objective=nope");
  BOOST_TEST(none.status == 404);
  BOOST_TEST(none.json()["field"] == "objective");
  HttpResult bad = As("john", "GET", "/v1/cycles/q/retrospective?objective=B!");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.json()["field"] == "objective");
}

BOOST_AUTO_TEST_CASE(
    kpis_are_listed_and_one_has_its_measurements_in_date_order) {
  As("maria", "POST", "/v1/kpis",
     {{"id", "p95"}, {"name", "p95 latency"}, {"unit", "ms"}});
  As("john", "POST", "/v1/kpis",
     {{"id", "nps-k"}, {"name", "NPS"}, {"unit", "points"}});
  As("maria", "POST", "/v1/kpis/p95/measurements",
     {{"value", 250}, {"date", Today().AddDays(-1).ToString()}});
  As("maria", "POST", "/v1/kpis/p95/measurements",
     {{"value", 240}, {"date", Today().AddDays(-5).ToString()}});
  json all = As("john", "GET", "/v1/kpis").json();
  BOOST_TEST_REQUIRE(all["kpis"].size() == 2u);
  BOOST_TEST(all["kpis"][0]["id"] == "nps-k");
  BOOST_TEST(all["kpis"][1]["id"] == "p95");
  BOOST_TEST(!all["kpis"][1].contains("measurements"));
  BOOST_TEST(As("john", "GET", "/v1/kpis?owner=maria").json()["kpis"].size() ==
             1u);
  json p95 = As("john", "GET", "/v1/kpis/p95").json();
  BOOST_TEST_REQUIRE(p95["measurements"].size() == 2u);
  BOOST_TEST(p95["measurements"][0]["value"] == 240);
  BOOST_TEST(p95["measurements"][1]["value"] == 250);
  BOOST_TEST(p95["latest"]["value"] == 250);
}

BOOST_AUTO_TEST_CASE(a_key_result_has_its_check_ins_as_a_series_up_to_at) {
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 52}, {"date", start.AddDays(20).ToString()}});
  As("maria", "POST", "/v1/key-results/nps/check-ins",
     {{"value", 48}, {"confidence", 4}, {"date", start.AddDays(3).ToString()}});
  json kr = As("john", "GET", "/v1/key-results/nps").json();
  BOOST_TEST_REQUIRE(kr["series"].size() == 2u);
  BOOST_TEST(kr["series"][0]["date"] == start.AddDays(3).ToString());
  BOOST_TEST(kr["series"][0]["value"] == 48);
  BOOST_TEST(kr["series"][0]["confidence"] == 4);
  BOOST_TEST(kr["series"][1]["value"] == 52);
  BOOST_TEST(kr["series"][1]["confidence"].is_null());
  json early = As("john", "GET",
                  "/v1/key-results/nps?at=" + start.AddDays(10).ToString())
                   .json();
  BOOST_TEST(early["series"].size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// The web app's sessions: a token signs in once and the HttpOnly cookie
// then authenticates like it; a request by cookie that changes anything
// must come from the app's origin (http://127.0.0.1:8080 and its loopback
// spellings here) with a JSON body.
struct Browser : Quarter {
  static constexpr char kOrigin[] = "http://127.0.0.1:8080";
  // Signs `who` in; the cookie's value ("okr_session=<id>").
  std::string SignIn(const std::string& who) {
    HttpResult r =
        Raw("POST", "/v1/session", json{{"token", Token(who)}}.dump(),
            {{"Content-Type", "application/json"}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    std::string set = r.header("set-cookie");
    return set.substr(0, set.find(';'));
  }
  HttpResult ByCookie(const std::string& cookie, const std::string& method,
                      const std::string& target, const std::string& body = "",
                      const std::string& origin = kOrigin,
                      const std::string& type = "application/json") {
    std::vector<std::pair<std::string, std::string>> h{{"Cookie", cookie}};
    if (!origin.empty()) h.emplace_back("Origin", origin);
    if (!type.empty()) h.emplace_back("Content-Type", type);
    return Raw(method, target, body, h);
  }
};

BOOST_FIXTURE_TEST_SUITE(web_sessions, Browser)

BOOST_AUTO_TEST_CASE(
    a_token_signs_in_once_and_the_cookie_authenticates_like_it) {
  HttpResult r =
      Raw("POST", "/v1/session", json{{"token", Token("maria")}}.dump(),
          {{"Content-Type", "application/json; charset=utf-8"},
           {"Origin", kOrigin}});
  BOOST_TEST_REQUIRE(r.status == 200);
  BOOST_TEST(r.json()["actor"] == "maria");
  BOOST_TEST(r.json()["role"] == "member");
  BOOST_TEST(r.json()["expires_at"].is_string());
  const std::string set = r.header("set-cookie");
  BOOST_TEST(set.rfind("okr_session=", 0) == 0u);
  BOOST_TEST(set.substr(12, 64).find_first_not_of("0123456789abcdef") ==
             std::string::npos);
  BOOST_TEST(set.substr(76) ==
             "; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict");
  const std::string cookie = set.substr(0, set.find(';'));
  json me = ByCookie("theme=dark; " + cookie, "GET", "/v1/session").json();
  BOOST_TEST(me["actor"] == "maria");
  BOOST_TEST(me["by"] == "session");
  BOOST_TEST(As("maria", "GET", "/v1/session").json()["by"] == "token");
  HttpResult love = ByCookie(cookie, "GET", "/v1/objectives/love", "", "", "");
  BOOST_TEST(love.status == 200);
  BOOST_TEST(love.json()["owner"] == "maria");
}

BOOST_AUTO_TEST_CASE(a_refused_sign_in_sets_no_cookie_and_appends_nothing) {
  const std::uint64_t log = Events();
  HttpResult unknown =
      Raw("POST", "/v1/session", R"({"token":"nope-nope-nope"})",
          {{"Content-Type", "application/json"}});
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(unknown.json()["field"] == "token");
  BOOST_TEST(unknown.header("set-cookie").empty());
  HttpResult form = Raw("POST", "/v1/session", R"({"token":"maria-token-001"})",
                        {{"Content-Type", "text/plain"}});
  BOOST_TEST(form.status == 415);
  BOOST_TEST(form.json()["field"] == "Content-Type");
  BOOST_TEST(form.json()["type"] ==
             "urn:okr-ledger:problem:unsupported-media-type");
  HttpResult elsewhere =
      Raw("POST", "/v1/session", R"({"token":"maria-token-001"})",
          {{"Content-Type", "application/json"},
           {"Origin", "http://127.0.0.1:9999"}});
  BOOST_TEST(elsewhere.status == 403);
  BOOST_TEST(elsewhere.json()["field"] == "Origin");
  HttpResult missing =
      Raw("POST", "/v1/session", "{}", {{"Content-Type", "application/json"}});
  BOOST_TEST(missing.status == 400);
  BOOST_TEST(missing.json()["field"] == "token");
  BOOST_TEST(Raw("POST", "/v1/session", R"({"token":"maria-token-001","x":1})",
                 {{"Content-Type", "application/json"}})
                 .status == 400);
  BOOST_TEST(Events() == log);
}

BOOST_AUTO_TEST_CASE(a_change_by_cookie_needs_the_apps_origin_and_a_json_body) {
  const std::string cookie = SignIn("maria");
  const std::string body = R"({"value": 50})";
  const std::string target = "/v1/key-results/nps/check-ins";
  const std::uint64_t log = Events();
  HttpResult other =
      ByCookie(cookie, "POST", target, body, "http://127.0.0.1:8081");
  BOOST_TEST(other.status == 403);
  BOOST_TEST(other.json()["type"] ==
             "urn:okr-ledger:problem:cross-origin-request");
  BOOST_TEST(other.json()["field"] == "Origin");
  BOOST_TEST(ByCookie(cookie, "POST", target, body, "").status == 403);
  BOOST_TEST(ByCookie(cookie, "POST", target, body, "null").status == 403);
  BOOST_TEST(
      ByCookie(cookie, "POST", target, body, "https://127.0.0.1:8080").status ==
      403);
  // A cross-site form can send text/plain: refused, whatever it holds.
  HttpResult plain =
      ByCookie(cookie, "POST", target, body, kOrigin, "text/plain");
  BOOST_TEST(plain.status == 415);
  BOOST_TEST(plain.json()["field"] == "Content-Type");
  BOOST_TEST(ByCookie(cookie, "POST", target, body, kOrigin, "").status == 415);
  BOOST_TEST(Events() == log);
  // From the app: recorded, by the session's actor.
  HttpResult ok = ByCookie(cookie, "POST", target, body);
  BOOST_TEST(ok.status == 201);
  BOOST_TEST(ByCookie(cookie, "POST", target, R"({"value": 51})",
                      "http://localhost:8080")
                 .status == 201);
  BOOST_TEST(Events() == log + 2);
  json last = As("root", "GET", "/v1/events?after=" + std::to_string(log + 1))
                  .json()["events"][0];
  BOOST_TEST(last["actor"] == "maria");
  // Bearer tokens keep today's rules: no Origin, text/plain is parsed.
  BOOST_TEST(As("maria", "POST", target, json{{"value", 52}},
                {{"Content-Type", "text/plain"}})
                 .status == 201);
  // An action without a body needs the origin, not a content type.
  BOOST_TEST(
      ByCookie(cookie, "POST", "/v1/objectives/love/achieve", "", kOrigin, "")
          .status == 200);
}

BOOST_AUTO_TEST_CASE(signing_out_ends_the_session_on_the_server) {
  const std::string cookie = SignIn("john");
  BOOST_TEST(ByCookie(cookie, "DELETE", "/v1/session", "", "", "").status ==
             403);  // it changes something: the app's origin only
  HttpResult out = ByCookie(cookie, "DELETE", "/v1/session", "", kOrigin, "");
  BOOST_TEST(out.status == 204);
  BOOST_TEST(out.body == "");
  BOOST_TEST(out.header("content-type") == "");  // no body, no media type
  BOOST_TEST(out.header("set-cookie").find("Max-Age=0") != std::string::npos);
  HttpResult after = ByCookie(cookie, "GET", "/v1/cycles");
  BOOST_TEST(after.status == 401);
  BOOST_TEST(after.json()["detail"] ==
             "the session has ended or expired: sign in again");
  // Another session of the same token is its own.
  const std::string again = SignIn("john");
  BOOST_TEST(ByCookie(again, "GET", "/v1/cycles").status == 200);
  // A restart of the server ends every session.
  Restart();
  BOOST_TEST(ByCookie(again, "GET", "/v1/cycles").status == 401);
}

BOOST_AUTO_TEST_CASE(an_authorization_header_wins_over_the_cookie) {
  const std::string cookie = SignIn("maria");
  HttpResult r =
      Raw("GET", "/v1/cycles", "",
          {{"Cookie", cookie}, {"Authorization", "Bearer wrong-token"}});
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.json()["detail"] == "unknown token");
  HttpResult root =
      Raw("GET", "/v1/session", "",
          {{"Cookie", cookie}, {"Authorization", "Bearer " + Token("root")}});
  BOOST_TEST(root.json()["actor"] == "root");
  BOOST_TEST(root.json()["by"] == "token");
}

BOOST_AUTO_TEST_CASE(
    the_apps_page_and_files_are_public_under_their_own_policy) {
  HttpResult page = Raw("GET", "/");
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.header("content-type") == "text/html; charset=utf-8");
  BOOST_TEST(page.body.find("<script type=\"module\" src=\"/app/main.mjs\">") !=
             std::string::npos);
  const std::string policy = page.header("content-security-policy");
  BOOST_TEST(policy.find("default-src 'self'") != std::string::npos);
  BOOST_TEST(policy.find("script-src 'self';") != std::string::npos);
  BOOST_TEST(policy.find("unsafe") == std::string::npos);
  HttpResult main = Raw("GET", "/app/main.mjs");
  BOOST_TEST(main.status == 200);
  BOOST_TEST(main.header("content-type") == "text/javascript; charset=utf-8");
  // Kept by the browser and asked again: unchanged is 304 without a body.
  BOOST_TEST(main.header("cache-control") == "no-cache");
  const std::string etag = main.header("etag");
  BOOST_TEST(etag.size() == 22u);
  HttpResult same = Raw("GET", "/app/main.mjs", "", {{"If-None-Match", etag}});
  BOOST_TEST(same.status == 304);
  BOOST_TEST(same.body.empty());
  BOOST_TEST(
      Raw("GET", "/app/main.mjs", "", {{"If-None-Match", "\"x\""}}).status ==
      200);
  BOOST_TEST(Raw("GET", "/app/style.css").header("etag") != etag);
  // The one bare import of the libraries points at the served file.
  HttpResult hooks = Raw("GET", "/app/hooks.mjs");
  BOOST_TEST(hooks.status == 200);
  BOOST_TEST(hooks.body.find("from\"./preact.mjs\"") != std::string::npos);
  BOOST_TEST(hooks.body.find("from\"preact\"") == std::string::npos);
  HttpResult none = Raw("GET", "/app/secrets.txt");
  BOOST_TEST(none.status == 404);
  BOOST_TEST(none.json()["field"] == "file");
  // One segment only: a decoded '/' makes it no file of the app's.
  BOOST_TEST(Raw("GET", "/app/..%2Ftokens").status == 401);
  // Only GET is public: anything else on them needs a token.
  BOOST_TEST(Raw("POST", "/").status == 401);
  BOOST_TEST(Raw("GET", "/v1/session").status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
