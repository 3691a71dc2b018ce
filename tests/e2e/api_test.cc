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
#include "tests/support/sse_client.h"
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

// The server's own limit, before the Api sees the request: a body over
// 1 MiB is 413 and changes nothing. (The routes themselves are tested
// in-process: tests/adapters/http_api_test.cc.)
BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_413_and_changes_nothing) {
  std::uint64_t before = Events();
  std::string big =
      "{\"value\": 1, \"note\": \"" + std::string(1 << 20, 'x') + "\"}";
  HttpResult too_big =
      HttpRequest(process->port(), "POST", "/v1/key-results/nps/check-ins", big,
                  {{"Authorization", "Bearer maria-token-001"}});
  BOOST_TEST(too_big.status == 413);
  BOOST_TEST(too_big.header("content-type") == "application/problem+json");
  BOOST_TEST(Events() == before);
  // The server still serves.
  BOOST_TEST(As("john", "GET", "/v1/cycles").status == 200);
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

BOOST_AUTO_TEST_CASE(event_stream_catches_up_then_goes_live_and_resumes) {
  const std::uint64_t n = Events();  // the fixture's events
  BOOST_TEST_REQUIRE(n >= 6u);
  std::string auth = "Authorization: Bearer john-token-0001\r\n";
  // Resume after position 3: 4..n from history, the head.
  testing::SseClient live(process->port(), " HTTP/1.1\r\nHost: x\r\n" + auth +
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
  testing::SseClient after(process->port(), "?after=" + std::to_string(n) +
                                                " HTTP/1.1\r\nHost: x\r\n" +
                                                auth + "\r\n");
  BOOST_TEST_REQUIRE(after.ReadIds(1));
  BOOST_TEST(after.ids() == std::vector<std::uint64_t>{n + 1},
             tt::per_element());
  // Without a token: 401, and closed.
  testing::SseClient denied(process->port(), " HTTP/1.1\r\nHost: x\r\n\r\n");
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
        testing::SseClient stream(
            process->port(),
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
