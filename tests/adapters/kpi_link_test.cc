// Key results fed by data: a key result linked to a KPI (PATCH kpi_id, each
// change an event) gets every measurement of the KPI as a check-in by
// "kpi:<id>"; and the bot role of the tokens file, which may only check in
// on and measure what it is granted. Through Api::Handle on a real engine.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "adapters/http/tokens.h"
#include "tests/support/api_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::HttpResult;

constexpr char kRoot[] = "root-token-0001";
constexpr char kMaria[] = "maria-token-001";
constexpr char kBot[] = "ci-bot-token-01";  // kr/signup-kr, kpi/signups

struct Fed {
  testing::ApiHarness api{"2026-08-01T09:00:00Z"};

  HttpResult Call(const std::string& method, const std::string& target,
                  const json& body = nullptr, const char* token = kRoot) {
    return api.Request(method, target, body.is_null() ? "" : body.dump(),
                       {{"Authorization", std::string("Bearer ") + token},
                        {"Content-Type", "application/json"}});
  }
  void Ok(const std::string& method, const std::string& target,
          const json& body = json::object(), const char* token = kRoot) {
    HttpResult r = Call(method, target, body, token);
    BOOST_TEST_REQUIRE(r.status / 100 == 2, target << ": " << r.body);
  }
  Fed() {
    Ok("POST", "/v1/cycles",
       {{"id", "q3"}, {"starts_on", "2026-07-01"}, {"ends_on", "2026-09-30"}});
    Ok("POST", "/v1/cycles/q3/start");
    Ok("POST", "/v1/objectives",
       {{"id", "grow"},
        {"cycle_id", "q3"},
        {"title", "Grow"},
        {"level", "team"},
        {"owner", "maria"}});
    Ok("POST", "/v1/objectives/grow/activate");
    Ok("POST", "/v1/objectives/grow/key-results",
       {{"id", "signup-kr"},
        {"title", "Signups"},
        {"kind", "metric"},
        {"start", 100},
        {"target", 200}});
    Ok("POST", "/v1/objectives/grow/key-results",
       {{"id", "launch"}, {"title", "Launch"}, {"kind", "boolean"}});
    Ok("POST", "/v1/kpis",
       {{"id", "signups"},
        {"name", "Weekly signups"},
        {"unit", "users"},
        {"owner", "maria"}});
  }
  json Events(std::uint64_t after) {
    return Call("GET", "/v1/events?after=" + std::to_string(after))
        .json()["events"];
  }
  std::uint64_t Head() {
    return Call("GET", "/v1/chain/head").json()["position"];
  }
};

BOOST_AUTO_TEST_SUITE(kpi_link)

BOOST_FIXTURE_TEST_CASE(a_measurement_becomes_a_check_in_by_the_kpi, Fed) {
  HttpResult linked = Call("PATCH", "/v1/key-results/signup-kr",
                           {{"kpi_id", "signups"}}, kMaria);
  BOOST_TEST_REQUIRE(linked.status == 200, linked.body);
  BOOST_TEST(linked.json()["kpi_id"] == "signups");

  const std::uint64_t before = Head();
  Ok("POST", "/v1/kpis/signups/measurements",
     {{"value", 150}, {"date", "2026-07-31"}}, kMaria);
  json events = Events(before);
  BOOST_TEST_REQUIRE(events.size() == 2u, events.dump());
  BOOST_TEST(events[0]["type"] == "KpiMeasured");
  BOOST_TEST(events[0]["actor"] == "maria");
  BOOST_TEST(events[1]["type"] == "CheckInRecorded");
  BOOST_TEST(events[1]["actor"] == "kpi:signups");
  BOOST_TEST(events[1]["command_id"] == events[0]["command_id"]);
  BOOST_TEST(events[1]["data"]["source"] == "kpi");
  BOOST_TEST(events[1]["data"]["date"] == "2026-07-31");

  // (150 - 100) / (200 - 100) = 0.5
  json kr = Call("GET", "/v1/key-results/signup-kr").json();
  BOOST_TEST(kr["current"].get<double>() == 150.0);
  BOOST_TEST(kr["attainment"].get<double>() == 0.5);

  json history = Call("GET", "/v1/key-results/signup-kr/history").json();
  const json& entries = history["entries"];
  BOOST_TEST(entries.back()["actor"] == "kpi:signups");
  bool link_entry = false;
  for (const json& e : entries) {
    if (e["type"] != "KeyResultKpiLinked") continue;
    link_entry = true;
    BOOST_TEST(e["actor"] == "maria");
    BOOST_TEST(
        e["changes"][0] ==
        json({{"field", "kpi_id"}, {"before", nullptr}, {"after", "signups"}}));
  }
  BOOST_TEST(link_entry);

  // Unlinked: the next measurement feeds nothing.
  Ok("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", nullptr}}, kMaria);
  BOOST_TEST(
      Call("GET", "/v1/key-results/signup-kr").json()["kpi_id"].is_null());
  const std::uint64_t after_unlink = Head();
  Ok("POST", "/v1/kpis/signups/measurements", {{"value", 170}});
  BOOST_TEST(Events(after_unlink).size() == 1u);
  // The same link again is no event.
  Ok("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "signups"}}, kMaria);
  const std::uint64_t relinked = Head();
  BOOST_TEST(relinked == after_unlink + 2);
  Ok("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "signups"}}, kMaria);
  BOOST_TEST(Head() == relinked);
}

BOOST_FIXTURE_TEST_CASE(every_linked_key_result_is_fed_in_id_order, Fed) {
  Ok("POST", "/v1/objectives/grow/key-results",
     {{"id", "a-first"},
      {"title", "Also signups"},
      {"kind", "metric"},
      {"start", 0},
      {"target", 1000}});
  Ok("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "signups"}});
  Ok("PATCH", "/v1/key-results/a-first", {{"kpi_id", "signups"}});
  const std::uint64_t before = Head();
  Ok("POST", "/v1/kpis/signups/measurements", {{"value", 150}});
  json events = Events(before);
  BOOST_TEST_REQUIRE(events.size() == 3u, events.dump());
  BOOST_TEST(events[1]["data"]["kr_id"] == "a-first");
  BOOST_TEST(events[2]["data"]["kr_id"] == "signup-kr");
  // 150 / 1000 = 0.15
  BOOST_TEST(Call("GET", "/v1/key-results/a-first")
                 .json()["attainment"]
                 .get<double>() == 0.15);
}

BOOST_FIXTURE_TEST_CASE(a_measurement_a_key_result_cannot_take_still_stands,
                        Fed) {
  Ok("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "signups"}});
  const std::uint64_t before = Head();
  // Before the cycle starts: no check-in can be dated there.
  Ok("POST", "/v1/kpis/signups/measurements",
     {{"value", 90}, {"date", "2026-06-20"}});
  json events = Events(before);
  BOOST_TEST_REQUIRE(events.size() == 1u, events.dump());
  BOOST_TEST(events[0]["type"] == "KpiMeasured");
}

BOOST_FIXTURE_TEST_CASE(links_are_checked, Fed) {
  const std::uint64_t before = Head();
  HttpResult boolean =
      Call("PATCH", "/v1/key-results/launch", {{"kpi_id", "signups"}});
  BOOST_TEST(boolean.status == 422);
  BOOST_TEST(boolean.json()["type"] == "urn:okr-ledger:problem:kpi-link-kind");
  HttpResult unknown =
      Call("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "nope"}});
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(unknown.json()["field"] == "kpi_id");
  BOOST_TEST(
      Call("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "Not An Id"}})
          .status == 400);
  BOOST_TEST(
      Call("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", 7}}).status ==
      400);
  // john owns nothing here.
  BOOST_TEST(Call("PATCH", "/v1/key-results/signup-kr", {{"kpi_id", "signups"}},
                  "john-token-0001")
                 .status == 403);
  BOOST_TEST(Head() == before);
}

BOOST_FIXTURE_TEST_CASE(a_bot_does_only_what_it_is_granted, Fed) {
  HttpResult in = Call("POST", "/v1/key-results/signup-kr/check-ins",
                       {{"value", 120}}, kBot);
  BOOST_TEST_REQUIRE(in.status == 201, in.body);
  BOOST_TEST(Events(Head() - 1)[0]["actor"] == "ci-bot");
  BOOST_TEST(
      Call("POST", "/v1/kpis/signups/measurements", {{"value", 130}}, kBot)
          .status == 201);
  const std::uint64_t before = Head();
  // Not granted: another key result, any other change.
  HttpResult other =
      Call("POST", "/v1/key-results/launch/check-ins", {{"value", 1}}, kBot);
  BOOST_TEST(other.status == 403);
  BOOST_TEST(other.json()["detail"].get<std::string>().find("kr/launch") !=
             std::string::npos);
  BOOST_TEST(Call("PATCH", "/v1/key-results/signup-kr", {{"title", "x"}}, kBot)
                 .status == 403);
  BOOST_TEST(Call("POST", "/v1/cycles",
                  {{"starts_on", "2026-10-01"}, {"ends_on", "2026-12-31"}},
                  kBot)
                 .status == 403);
  BOOST_TEST(Call("POST", "/v1/objectives/grow/abandon", json::object(), kBot)
                 .status == 403);
  BOOST_TEST(Head() == before);
  // It reads everything, as everyone does.
  BOOST_TEST(Call("GET", "/v1/cycles/q3/tree", nullptr, kBot).status == 200);
  json session = Call("GET", "/v1/session", nullptr, kBot).json();
  BOOST_TEST(session["role"] == "bot");
}

BOOST_AUTO_TEST_CASE(bot_lines_of_the_tokens_file) {
  testing::TempDir dir;
  const std::string path = dir.Sub("tokens");
  auto parse = [&](const std::string& text) {
    std::filesystem::remove(path);
    testing::WriteTokensFile(path, text);
    return http::Tokens::Load(path);
  };
  auto ok = parse("bot-token-123 ci bot kr/a,kpi/b-2\n");
  BOOST_TEST_REQUIRE(ok.ok(), ok.status().ToString());
  std::optional<Caller> c = ok.value().Find("bot-token-123");
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST((c->role == Role::kBot));
  BOOST_TEST((c->grants == std::set<std::string>{"kr/a", "kpi/b-2"}));
  for (const char* bad :
       {"bot-token-123 ci bot\n", "bot-token-123 ci bot objective/a\n",
        "bot-token-123 ci bot kr/\n", "bot-token-123 ci bot kr/A\n",
        "bot-token-123 ci bot kr/a kpi/b\n", "member-token-1 m member kr/a\n",
        "member-token-1 kpi:x member\n",
        "admin-token-12 okr-checkpoints admin\n"}) {
    auto refused = parse(bad);
    BOOST_TEST(!refused.ok(), bad);
    BOOST_TEST(
        refused.status().ToString().find(path + ":1:") != std::string::npos,
        refused.status().ToString());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
