// End-to-end: `okr serve --publish` against a real `nats-server -js` that
// the test starts on a loopback port with its own store folder. The stream
// is read back with the NATS C client (adapters/nats/jetstream.h): it must
// hold exactly positions 1..N in order, each once, each the event as
// /v1/events (and okr export) gives it, whatever was SIGKILLed when.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "adapters/nats/jetstream.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/server_process.h"
#include "tests/support/sse_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

constexpr char kToken[] = "root-token-0001";

// A request as the admin of the tokens file both servers share.
HttpResult AdminCall(int port, const std::string& method,
                     const std::string& target, const json& body) {
  return HttpRequest(port, method, target, body.is_null() ? "" : body.dump(),
                     {{"Authorization", std::string("Bearer ") + kToken}});
}

struct Primary {
  Primary(testing::TempDir& dir, std::vector<std::string> extra)
      : dir_(dir), extra_(std::move(extra)) {
    testing::WriteTokensFile(dir.Sub("tokens"), "root-token-0001 root admin\n");
    Start();
  }
  void Start() {
    std::vector<std::string> args{"serve",
                                  "--data",
                                  dir_.Sub("data"),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--tokens",
                                  dir_.Sub("tokens"),
                                  "--reminder-interval",
                                  "0"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    process = std::make_unique<testing::ServerProcess>(OKR_BINARY, args);
  }
  HttpResult Call(const std::string& method, const std::string& target,
                  const json& body = nullptr) {
    return AdminCall(process->port(), method, target, body);
  }
  json Health() { return Call("GET", "/healthz").json(); }
  // Every event of the log, as /v1/events gives them.
  std::vector<json> Events() {
    std::vector<json> out;
    for (std::uint64_t after = 0;;) {
      json page =
          Call("GET", "/v1/events?limit=1000&after=" + std::to_string(after))
              .json();
      for (json& e : page["events"]) out.push_back(std::move(e));
      if (page["events"].empty()) return out;
      after = page["next"];
    }
  }
  // `n` measurements of KPI "uptime" (made first if missing): n events.
  void Measure(int n) {
    if (Call("GET", "/v1/kpis/uptime").status == 404) {
      BOOST_TEST_REQUIRE(
          Call("POST", "/v1/kpis",
               {{"id", "uptime"}, {"name", "API uptime"}, {"unit", "%"}})
              .status == 201);
    }
    for (int i = 0; i < n; ++i) {
      HttpResult r = Call("POST", "/v1/kpis/uptime/measurements",
                          {{"value", 99.0 + (i % 100) / 100.0}});
      BOOST_TEST_REQUIRE(r.status == 201, r.body);
    }
  }

  testing::TempDir& dir_;
  std::vector<std::string> extra_;
  std::unique_ptr<testing::ServerProcess> process;
};

std::unique_ptr<nats::JetStream> Client(const testing::NatsServer& n) {
  auto js = nats::JetStream::Connect(n.url(), std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(js.ok(), js.status().ToString());
  return std::move(js.value());
}

// The stream holds exactly the log: message n is the event at position n
// (its body the event's JSON, its id "<org>/<n>", its subject by kind).
void ExpectStreamIsLog(nats::JetStream& js, const std::string& stream,
                       const std::vector<json>& log) {
  Result<std::uint64_t> last = js.LastSequence(stream);
  BOOST_TEST_REQUIRE(last.ok(), last.status().ToString());
  BOOST_TEST(last.value() == log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    const json& e = log[i];
    Result<nats::StreamMessage> m = js.Get(stream, i + 1);
    BOOST_TEST_REQUIRE(m.ok(),
                       "sequence " << i + 1 << ": " << m.status().ToString());
    BOOST_TEST(m.value().sequence == i + 1);
    BOOST_TEST(e["position"] == i + 1);
    BOOST_TEST(m.value().msg_id == "acme/" + std::to_string(i + 1));
    const std::string stream_name = e["stream"];
    BOOST_TEST(m.value().subject ==
               "okr.acme." + stream_name.substr(0, stream_name.find('/')));
    BOOST_TEST(json::parse(m.value().data) == e, "sequence " << i + 1);
  }
}

// Each of `bad` (options after `okr <command> --data D`, and `--tokens T`
// for serve) is a usage error (exit 2) before any store opens.
void ExpectUsageErrors(const std::string& command,
                       const std::vector<std::vector<std::string>>& bad) {
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"), "root-token-0001 root admin\n");
  for (const auto& extra : bad) {
    std::string cmd =
        std::string(OKR_BINARY) + " " + command + " --data " + dir.Sub("data");
    if (command == "serve") cmd += " --tokens " + dir.Sub("tokens");
    for (const std::string& a : extra) cmd += " '" + a + "'";
    BOOST_TEST_CONTEXT(cmd) {
      const int status = std::system((cmd + " 2>/dev/null").c_str());
      BOOST_TEST(WEXITSTATUS(status) == 2);
      BOOST_TEST(!std::filesystem::exists(dir.Sub("data")));
    }
  }
}

bool CaughtUp(Primary& p) {
  json h = p.Health();
  return h["publisher"]["state"] == "ok" && h["publisher"]["lag"] == 0;
}

BOOST_AUTO_TEST_SUITE(nats_publish)

BOOST_AUTO_TEST_CASE(every_event_is_published_once_in_order) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary p(dir, {"--publish", nats.url(), "--org", "acme"});
  BOOST_TEST_REQUIRE(p.Call("POST", "/v1/cycles",
                            {{"id", "2026-q4"},
                             {"starts_on", "2026-10-01"},
                             {"ends_on", "2026-12-31"}})
                         .status == 201);
  BOOST_TEST_REQUIRE(p.Call("POST", "/v1/objectives",
                            {{"id", "grow"},
                             {"cycle_id", "2026-q4"},
                             {"title", "Grow"},
                             {"level", "company"}})
                         .status == 201);
  p.Measure(40);
  const std::vector<json> log = p.Events();
  BOOST_TEST_REQUIRE(log.size() == 43u);  // cycle, objective, KPI, 40
  BOOST_TEST(testing::Eventually([&] { return CaughtUp(p); }));
  auto js = Client(nats);
  ExpectStreamIsLog(*js, "okr-acme", log);  // the default stream name
  const std::string metrics = p.Call("GET", "/metrics").body;
  BOOST_TEST(metrics.find("\nokr_publisher_published_total 43\n") !=
             std::string::npos);
  BOOST_TEST(metrics.find("\nokr_publisher_lag_events 0\n") !=
             std::string::npos);
  // Without a token, /healthz says nothing of the publisher.
  BOOST_TEST(!HttpRequest(p.process->port(), "GET", "/healthz")
                  .json()
                  .contains("publisher"));
}

BOOST_AUTO_TEST_CASE(sigkills_of_either_side_lose_and_repeat_nothing) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary p(dir, {"--publish", nats.url(), "--org", "acme", "--publish-stream",
                  "acme-log"});
  const unsigned seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  auto js = Client(nats);
  auto stored = [&] {
    Result<std::uint64_t> last = js->LastSequence("acme-log");
    return last.ok() ? last.value() : 0;
  };
  for (int round = 0; round < 8; ++round) {
    BOOST_TEST_CONTEXT("round " << round << ", seed " << seed) {
      const int burst = 20 + static_cast<int>(rng() % 60);
      const unsigned which = rng() % 5;
      if (which < 3) {
        // A burst, then a kill at once: the publisher is mid-batch (or
        // not) at a moment of the machine's choosing.
        p.Measure(burst);
        if (which != 1) p.process->Stop(SIGKILL);
        if (which != 0) nats.Kill();
        if (which != 0) nats.Start();
        if (which != 1) p.Start();
      } else {
        // A backlog while NATS is away; once the catch-up has begun
        // (the stream grew), a kill of the primary (3) or of NATS (4).
        const std::uint64_t before = stored();
        nats.Kill();
        p.Measure(burst);
        nats.Start();
        BOOST_TEST(testing::Eventually([&] { return stored() > before; }));
        if (which == 3) {
          p.process->Stop(SIGKILL);
          p.Start();
        } else {
          nats.Kill();
          nats.Start();
        }
      }
    }
  }
  // NATS away: writes go on, the publisher says so, then catches up.
  nats.Kill();
  p.Measure(30);
  BOOST_TEST(testing::Eventually([&] {
    json h = p.Health();
    return h["publisher"]["state"] == "down" && h["publisher"]["lag"] >= 30;
  }));
  const std::string metrics = p.Call("GET", "/metrics").body;
  BOOST_TEST(metrics.find("\nokr_publisher_lag_events 0\n") ==
             std::string::npos);
  nats.Start();
  BOOST_TEST(testing::Eventually([&] { return CaughtUp(p); }));
  ExpectStreamIsLog(*js, "acme-log", p.Events());
}

// Several organisations into one JetStream, one stream each: each
// stream's sequence is its own organisation's positions.
BOOST_AUTO_TEST_CASE(organisations_publish_into_streams_of_their_own) {
  testing::TempDir a_dir, b_dir;
  testing::NatsServer nats(a_dir.Sub("nats"));
  Primary a(a_dir, {"--publish", nats.url(), "--org", "acme"});
  Primary b(b_dir, {"--publish", nats.url(), "--org", "globex"});
  a.Measure(7);
  b.Measure(12);
  a.Measure(3);
  BOOST_TEST(testing::Eventually([&] { return CaughtUp(a) && CaughtUp(b); }));
  auto js = Client(nats);
  ExpectStreamIsLog(*js, "okr-acme", a.Events());
  BOOST_TEST(js->LastSequence("okr-globex").value() == 13u);
  Result<nats::StreamMessage> m = js->Get("okr-globex", 13);
  BOOST_TEST_REQUIRE(m.ok());
  BOOST_TEST(m.value().msg_id == "globex/13");
  BOOST_TEST(m.value().subject == "okr.globex.kpi");
}

BOOST_AUTO_TEST_CASE(without_publish_nothing_is_published) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary p(dir, {});
  p.Measure(5);
  BOOST_TEST(!p.Health().contains("publisher"));
  BOOST_TEST(p.Call("GET", "/metrics").body.find("okr_publisher") ==
             std::string::npos);
  auto js = Client(nats);
  BOOST_TEST(js->LastSequence("okr-acme").status().IsNotFound());
}

BOOST_AUTO_TEST_CASE(a_stream_holding_another_log_is_left_alone) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  {
    // Another primary fills the stream with 25 events.
    testing::TempDir other;
    Primary q(other, {"--publish", nats.url(), "--org", "acme"});
    q.Measure(24);
    BOOST_TEST_REQUIRE(testing::Eventually([&] { return CaughtUp(q); }));
  }
  Primary p(dir, {"--publish", nats.url(), "--org", "acme"});
  p.Measure(3);  // 4 events: fewer than the stream holds
  BOOST_TEST(testing::Eventually([&] {
    json h = p.Health()["publisher"];
    return h["state"] == "down" &&
           h.value("error", "").find("another log's") != std::string::npos;
  }));
  auto js = Client(nats);
  BOOST_TEST(js->LastSequence("okr-acme").value() == 25u);
  // Once its log is longer than the stream, it is still not this log's:
  // the stream's last message is another event than the log's there.
  p.Measure(30);
  BOOST_TEST(testing::Eventually([&] {
    json h = p.Health()["publisher"];
    return h["state"] == "down" &&
           h.value("error", "").find("another message") != std::string::npos;
  }));
  BOOST_TEST(js->LastSequence("okr-acme").value() == 25u);
}

BOOST_AUTO_TEST_CASE(publish_options_are_checked_before_the_store_opens) {
  const std::vector<std::vector<std::string>> bad{
      {"--publish", "nats://127.0.0.1:4222"},  // no --org
      {"--publish", "http://127.0.0.1:4222", "--org", "acme"},
      {"--publish", "nats://127.0.0.1:4222", "--org", "ac.me"},
      {"--publish", "nats://127.0.0.1:4222", "--org", "acme",
       "--publish-stream", "a>b"},
      {"--org", "acme"},  // no --publish
  };
  ExpectUsageErrors("serve", bad);
}

BOOST_AUTO_TEST_SUITE_END()

// A read replica (`okr replica`) built from the stream: the same answers
// as the primary, byte for byte; writes refused; a bad message stops it.
BOOST_AUTO_TEST_SUITE(nats_replica)

struct Replica {
  // Of organisations given in `args` (--org, --tokens and the like);
  // `tokens`: the token to call each with, by its prefix.
  Replica(testing::TempDir& dir, const std::string& url,
          std::vector<std::string> args,
          std::map<std::string, std::string> tokens)
      : args_{"replica",          "--from",   url,          "--data",
              dir.Sub("replica"), "--listen", "127.0.0.1:0"},
        tokens_(std::move(tokens)) {
    args_.insert(args_.end(), args.begin(), args.end());
    Start();
  }
  Replica(testing::TempDir& dir, const std::string& url,
          const std::string& stream, const std::string& org)
      : args_{"replica",
              "--from",
              url,
              "--stream",
              stream,
              "--org",
              org,
              "--data",
              dir.Sub("replica"),
              "--listen",
              "127.0.0.1:0",
              "--tokens",
              dir.Sub("tokens"),
              "--primary",
              "https://okr.example.com"} {
    Start();
  }
  void Start() {
    process = std::make_unique<testing::ServerProcess>(OKR_BINARY, args_);
  }
  // As the admin: of the organisation whose prefix `target` starts with,
  // or of the tokens file of the only one.
  HttpResult Call(const std::string& method, const std::string& target,
                  const json& body = nullptr) {
    for (const auto& [prefix, token] : tokens_) {
      if (target.starts_with(prefix + "/")) {
        return HttpRequest(process->port(), method, target,
                           body.is_null() ? "" : body.dump(),
                           {{"Authorization", "Bearer " + token}});
      }
    }
    return AdminCall(process->port(), method, target, body);
  }
  // Of the organisation under `base` ("/orgs/<org>"), or the only one.
  std::uint64_t Position(const std::string& base = "") {
    json h = Call("GET", base + "/healthz").json();
    return h["replica"]["position"].get<std::uint64_t>();
  }
  std::vector<std::string> args_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<testing::ServerProcess> process;
};

// A quarter with alignment, a target change, check-ins and a note.
void Quarter(Primary& p) {
  auto must = [&](const std::string& method, const std::string& target,
                  const json& body) {
    HttpResult r = p.Call(method, target, body);
    BOOST_TEST_REQUIRE(r.status / 100 == 2,
                       method << " " << target << ": " << r.body);
  };
  must("POST", "/v1/cycles",
       {{"id", "q4"}, {"starts_on", "2026-10-01"}, {"ends_on", "2026-12-31"}});
  must("POST", "/v1/cycles/q4/start", json::object());
  for (const char* id : {"grow", "team"}) {
    must("POST", "/v1/objectives",
         {{"id", id}, {"cycle_id", "q4"}, {"title", id}, {"level", "team"}});
    must("POST", std::string("/v1/objectives/") + id + "/key-results",
         {{"id", std::string("kr-") + id},
          {"title", "Raise it"},
          {"kind", "metric"},
          {"start", 45},
          {"target", 60}});
    must("POST", std::string("/v1/objectives/") + id + "/activate",
         json::object());
  }
  must("PUT", "/v1/objectives/team/parent", {{"parent_id", "grow"}});
  must("PATCH", "/v1/key-results/kr-grow",
       {{"target", 55}, {"reason", "the survey changed"}});
  for (int week = 0; week < 6; ++week) {
    const std::string date = "2026-10-" + std::to_string(10 + 3 * week);
    must("POST", "/v1/key-results/kr-grow/check-ins",
         {{"value", 46 + week}, {"confidence", 5 + week % 3}, {"date", date}});
    must("POST", "/v1/key-results/kr-team/check-ins",
         {{"value", 50 + week}, {"date", date}});
  }
  must("POST", "/v1/cycles/q4/retrospective/notes",
       {{"objective_id", "grow"}, {"text", "Set targets earlier."}});
}

// The read answers compared, byte for byte; the replica's of the
// organisation under `base` ("/orgs/<org>"), or of its only one.
void ExpectSameAnswers(Primary& p, Replica& r, const std::string& base = "") {
  for (const char* target :
       {"/v1/cycles/q4/tree?at=2026-11-01", "/v1/objectives/grow/history",
        "/v1/key-results/kr-grow/history",
        "/v1/key-results/kr-team?at=2026-11-01",
        "/v1/cycles/q4/retrospective?at=2026-11-01",
        "/v1/cycles/q4/retrospective?at=2026-11-01&format=md",
        "/v1/events?after=0&limit=1000", "/v1/kpis"}) {
    BOOST_TEST_CONTEXT(target) {
      HttpResult a = p.Call("GET", target), b;
      BOOST_TEST(a.status == 200);
      // The replica's store head may show an import a moment before its
      // read state has applied it: equal once it has.
      testing::Eventually([&] {
        b = r.Call("GET", base + target);
        return b.body == a.body;
      });
      BOOST_TEST(b.status == 200);
      BOOST_TEST(a.body == b.body);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_replica_answers_as_the_primary_does) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary p(dir, {"--publish", nats.url(), "--org", "acme",
                  "--test-clock-start", "2026-11-16T09:00:00Z"});
  Quarter(p);
  Replica r(dir, nats.url(), "okr-acme", "acme");
  const std::uint64_t head = p.Events().size();
  BOOST_TEST(testing::Eventually([&] { return r.Position() == head; }));
  ExpectSameAnswers(p, r);
  json h = r.Call("GET", "/healthz").json();
  BOOST_TEST(h["status"] == "ok");
  BOOST_TEST(h["replica"]["state"] == "ok");

  // Writes are refused, naming the primary; nothing is written.
  HttpResult w = r.Call("POST", "/v1/key-results/kr-grow/check-ins",
                        {{"value", 60}, {"date", "2026-11-02"}});
  BOOST_TEST(w.status == 405);
  BOOST_TEST(w.header("allow") == "");  // no GET there
  BOOST_TEST(r.Call("PATCH", "/v1/key-results/kr-grow", {{"title", "x"}})
                 .header("allow") == "GET");
  BOOST_TEST(w.json()["type"] == "urn:okr-ledger:problem:read-only-replica");
  BOOST_TEST(w.json()["detail"].get<std::string>().find(
                 "https://okr.example.com") != std::string::npos);
  BOOST_TEST(r.Call("DELETE", "/v1/key-results/kr-team").status == 405);
  BOOST_TEST(r.Position() == head);

  // Killed, the primary writing on meanwhile: it resumes from its store.
  r.process->Stop(SIGKILL);
  p.Measure(10);
  r.Start();
  const std::uint64_t later = p.Events().size();
  BOOST_TEST(later == head + 11);
  BOOST_TEST(testing::Eventually([&] { return r.Position() == later; }));
  ExpectSameAnswers(p, r);

  // The replica's event stream goes live with what it imports.
  testing::SseClient sse(r.process->port(),
                         "?after=" + std::to_string(later) +
                             " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                             "Bearer root-token-0001\r\n\r\n");
  p.Measure(2);
  BOOST_TEST_REQUIRE(sse.ReadIds(2));
  BOOST_TEST(sse.ids() == (std::vector<std::uint64_t>{later + 1, later + 2}));
}

BOOST_AUTO_TEST_CASE(a_tampered_message_stops_the_replica_at_it) {
  testing::TempDir dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary p(dir, {"--test-clock-start", "2026-11-16T09:00:00Z"});
  Quarter(p);
  const std::vector<json> log = p.Events();
  // The log copied into a stream of its own, message 9's check-in value
  // edited on the way (its hash no longer matches).
  auto js = Client(nats);
  BOOST_TEST_REQUIRE(js->EnsureStream("evil", {"okr.evil.>"}).ok());
  std::vector<nats::JetStream::Message> copy;
  for (const json& e : log) {
    json line = e;
    const std::uint64_t position = e["position"];
    if (position == 9) {
      BOOST_TEST_REQUIRE(line["type"] != "");
      line["actor"] = "mallory";
    }
    const std::string stream = e["stream"];
    copy.push_back({"okr.evil." + stream.substr(0, stream.find('/')),
                    line.dump(), "evil/" + std::to_string(position)});
  }
  BOOST_TEST_REQUIRE(js->PublishInOrder(copy, 0).error == "");
  Replica r(dir, nats.url(), "evil", "evil");
  BOOST_TEST(testing::Eventually([&] {
    return r.Call("GET", "/healthz").json()["replica"]["state"] == "stopped";
  }));
  json h = r.Call("GET", "/healthz").json();
  BOOST_TEST(h["status"] == "degraded");
  BOOST_TEST(h["replica"]["position"] == 8);
  BOOST_TEST(h["replica"]["error"].get<std::string>().find("position 9") !=
             std::string::npos);
  // What it holds it still serves.
  BOOST_TEST(r.Call("GET", "/v1/events?after=0").json()["events"].size() == 8u);
  BOOST_TEST(r.Call("GET", "/v1/cycles/q4").status == 200);
  // Unauthenticated, only the status.
  json anon = HttpRequest(r.process->port(), "GET", "/healthz").json();
  BOOST_TEST(anon == json({{"status", "degraded"}}));
}

// One process serves two organisations' replicas, each under
// /orgs/<org>/ from its own stream into its own store.
BOOST_AUTO_TEST_CASE(one_replica_serves_several_organisations) {
  testing::TempDir dir, b_dir;
  testing::NatsServer nats(dir.Sub("nats"));
  Primary a(dir, {"--publish", nats.url(), "--org", "acme",
                  "--test-clock-start", "2026-11-16T09:00:00Z"});
  Primary b(b_dir,
            {"--publish", nats.url(), "--org", "globex", "--publish-stream",
             "globex-log", "--test-clock-start", "2026-11-17T09:00:00Z"});
  Quarter(a);
  Quarter(b);
  b.Measure(5);  // globex's log is longer, and has a KPI
  // Each organisation's own tokens: acme's file is the primaries', globex's
  // another.
  testing::WriteTokensFile(dir.Sub("globex-tokens"),
                           "globex-token-0002 root admin\n");
  Replica r(dir, nats.url(),
            {"--org", "acme", "--org", "globex", "--stream", "okr-acme",
             "--stream", "globex-log", "--primary", "https://acme.example",
             "--primary", "https://globex.example", "--tokens",
             dir.Sub("tokens"), "--tokens", dir.Sub("globex-tokens")},
            {{"/orgs/globex", "globex-token-0002"}});
  const std::uint64_t a_head = a.Events().size(), b_head = b.Events().size();
  BOOST_TEST_REQUIRE(a_head + 6 == b_head);
  BOOST_TEST(testing::Eventually([&] {
    return r.Position("/orgs/acme") == a_head &&
           r.Position("/orgs/globex") == b_head;
  }));
  ExpectSameAnswers(a, r, "/orgs/acme");
  ExpectSameAnswers(b, r, "/orgs/globex");
  BOOST_TEST(std::filesystem::is_directory(dir.Sub("replica") + "/acme"));
  BOOST_TEST(std::filesystem::is_directory(dir.Sub("replica") + "/globex"));

  // Without the prefix, or under an organisation it does not serve: 404,
  // naming none of those it does.
  for (const char* target : {"/v1/kpis", "/orgs/initech/v1/kpis", "/healthz"}) {
    HttpResult n = r.Call("GET", target);
    BOOST_TEST(n.status == 404, target);
    BOOST_TEST(n.json()["type"] == "urn:okr-ledger:problem:not-found");
    BOOST_TEST(n.body.find("acme") == std::string::npos);
    BOOST_TEST(n.body.find("globex") == std::string::npos);
  }
  // One organisation's token, or session, is nothing to another.
  BOOST_TEST(
      AdminCall(r.process->port(), "GET", "/orgs/globex/v1/kpis", nullptr)
          .status == 401);
  BOOST_TEST(r.Call("GET", "/orgs/acme/v1/kpis").status == 200);
  // Each names its own primary when refusing a write.
  HttpResult w = r.Call("POST", "/orgs/globex/v1/kpis/uptime/measurements",
                        {{"value", 1}});
  BOOST_TEST(w.status == 405);
  BOOST_TEST(w.json()["detail"].get<std::string>().find(
                 "https://globex.example") != std::string::npos);
  // The web app under each prefix (its files are shared); a session's
  // cookie is the organisation's own.
  BOOST_TEST(r.Call("GET", "/orgs/acme/").status == 200);
  BOOST_TEST(r.Call("GET", "/app/main.mjs").status == 200);
  HttpResult s =
      HttpRequest(r.process->port(), "POST", "/orgs/globex/v1/session",
                  json({{"token", "globex-token-0002"}}).dump());
  BOOST_TEST(s.status == 200);
  const std::string cookie = s.header("set-cookie");
  BOOST_TEST(cookie.find("; Path=/orgs/globex;") != std::string::npos);
  const std::vector<std::pair<std::string, std::string>> by_cookie{
      {"Cookie", cookie.substr(0, cookie.find(';'))}};
  BOOST_TEST(HttpRequest(r.process->port(), "GET", "/orgs/globex/v1/kpis", "",
                         by_cookie)
                 .status == 200);
  BOOST_TEST(
      HttpRequest(r.process->port(), "GET", "/orgs/acme/v1/kpis", "", by_cookie)
          .status == 401);

  // Each organisation's event stream carries its own events only.
  testing::SseClient sse(r.process->port(),
                         "?after=" + std::to_string(b_head) +
                             " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                             "Bearer globex-token-0002\r\n\r\n",
                         "/orgs/globex");
  a.Measure(3);  // the KPI and 3 measurements
  b.Measure(2);
  BOOST_TEST_REQUIRE(sse.ReadIds(2));
  BOOST_TEST(sse.ids() == (std::vector<std::uint64_t>{b_head + 1, b_head + 2}));
  BOOST_TEST(testing::Eventually(
      [&] { return r.Position("/orgs/acme") == a_head + 4; }));

  // A SIGKILL and a restart: each resumes from its own store.
  r.process->Stop(SIGKILL);
  a.Measure(4);
  r.Start();
  BOOST_TEST(testing::Eventually([&] {
    return r.Position("/orgs/acme") == a_head + 8 &&
           r.Position("/orgs/globex") == b_head + 2;
  }));
  ExpectSameAnswers(a, r, "/orgs/acme");
}

BOOST_AUTO_TEST_CASE(replica_options_are_checked_before_any_store_opens) {
  const std::vector<std::vector<std::string>> bad{
      {"--from", "nats://127.0.0.1:4222"},  // no --org
      {"--from", "http://127.0.0.1:4222", "--org", "acme"},
      {"--from", "nats://127.0.0.1:4222", "--org", "ac.me"},
      {"--from", "nats://127.0.0.1:4222", "--org", "acme", "--org", "acme"},
      {"--from", "nats://127.0.0.1:4222", "--org", "acme", "--org", "b",
       "--stream", "s"},  // one --stream for two
      {"--from", "nats://127.0.0.1:4222", "--org", "acme", "--primary", "x",
       "--primary", "y"},
      // One tokens file for two organisations: one's tokens would read the
      // other's.
      {"--from", "nats://127.0.0.1:4222", "--org", "acme", "--org", "b",
       "--tokens", "t"},
  };
  ExpectUsageErrors("replica", bad);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
