// Hostile bytes end to end, on the real `okr serve`: bytes that are not
// UTF-8 are refused at every entrance with 400 naming the parameter and
// append nothing; a store that already holds such bytes (written before the
// door checked them) opens, serves every read, streams, exports and
// verifies, showing them as U+FFFD; the server never goes down.
#include <sys/wait.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/okr_engine.h"
#include "events/event_codec.h"
#include "events/utf8.h"
#include "tests/support/engine_harness.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::D;
using testing::HttpResult;

const std::string kBad = "\xFF\xFE";
const std::string kFffd = "\xEF\xBF\xBD";

// A store with q3 (active), maria's active objective love with key result
// nps (45 -> 60) and one good check-in; then, appended straight to the
// log as an older release let through: a check-in whose note, a target
// change whose reason and a retrospective note whose text hold bytes that
// are not UTF-8, by an actor whose name holds them too, and the removal of
// key result old with such a reason (the reproducer of issue 13).
struct PoisonedStore : testing::EngineHarness {
  PoisonedStore() : EngineHarness("2026-08-15") {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    CreateObjective o;
    o.id = "love";
    o.cycle_id = "q3";
    o.title = "Customers love us";
    o.level = "team";
    Must(Member("maria", o));
    Must(Member("maria",
                TransitionObjective{"love", ObjectiveAction::kActivate, {}}));
    for (const char* id : {"nps", "old"}) {
      AddKeyResult k;
      k.objective_id = "love";
      k.id = id;
      k.title = id;
      k.kind = "metric";
      k.start = 45;
      k.target = 60;
      Must(Member("maria", k));
    }
    RecordCheckIn c;
    c.kr_id = "nps";
    c.value = 50;
    c.date = D("2026-07-10");
    Must(Member("maria", c));
    Poison(events::CheckInRecorded{"nps", 52, 6, "good " + kBad + " week",
                                   D("2026-08-01")},
           "maria");
    Poison(events::KeyResultTargetChanged{"nps", 60, 65, "board" + kBad},
           "r" + kBad + "ot");
    Poison(events::RetrospectiveNoteAdded{"q3", std::nullopt, "note " + kBad},
           "maria");
    Poison(events::KeyResultRemoved{"old", kBad}, "maria");
    last = LastPosition();
    engine().Close();
  }
  void Poison(const events::Event& e, const std::string& actor) {
    CommandMeta meta;
    meta.actor = actor;
    auto r = engine().store().Append(events::StreamOf(e), std::nullopt,
                                     {events::ToNewEvent(e)}, meta);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
  }
  std::uint64_t last = 0;
};

struct Served : PoisonedStore {
  Served() {
    testing::WriteTokensFile(dir() + "/tokens",
                             "root-token-0001 root admin\n"
                             "maria-token-001 maria member\n");
    process = std::make_unique<testing::ServerProcess>(
        OKR_BINARY,
        std::vector<std::string>{"serve", "--data", data_dir(), "--listen",
                                 "127.0.0.1:0", "--tokens", dir() + "/tokens",
                                 "--reminder-interval", "0"});
  }
  HttpResult As(const std::string& who, const std::string& method,
                const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back(
        "Authorization",
        "Bearer " +
            std::string(who == "root" ? "root-token-0001" : "maria-token-001"));
    return testing::HttpRequest(process->port(), method, target, body, headers);
  }
  std::uint64_t Position() {
    return As("root", "GET", "/healthz").json()["last_position"];
  }
  // A refusal at the door: 400 invalid-utf8 naming `field`, nothing
  // appended, the server still answering.
  void RefusedNaming(const HttpResult& r, const std::string& field) {
    BOOST_TEST(r.status == 400, r.body);
    BOOST_TEST(r.header("content-type") == "application/problem+json");
    json p = r.json();
    BOOST_TEST(p["field"] == field, r.body);
    BOOST_TEST(p["type"] == "urn:okr-ledger:problem:invalid-utf8", r.body);
    BOOST_TEST(Position() == last);
  }
  std::unique_ptr<testing::ServerProcess> process;
};

// Everything an SSE stream sends from `after` until the event at `until`
// (or 10 s without it).
std::string StreamUntil(int port, std::uint64_t after, std::uint64_t until) {
  namespace net = boost::asio;
  namespace beast = boost::beast;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                        static_cast<unsigned short>(port)));
  std::string req = "GET /v1/events/stream?after=" + std::to_string(after) +
                    " HTTP/1.1\r\nHost: x\r\nAuthorization: bearer "
                    "root-token-0001\r\n\r\n";
  net::write(stream, net::buffer(req));
  std::string text, want = "id: " + std::to_string(until) + "\n";
  char buf[65536];
  // Bounds a failure only (the stream never reaching `until`).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (text.find(want) == std::string::npos ||
         text.find("\n\n", text.find(want)) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) break;
    stream.expires_after(std::chrono::milliseconds(500));
    beast::error_code ec;
    std::size_t n = stream.read_some(net::buffer(buf), ec);
    if (ec == beast::error::timeout) continue;
    if (ec) break;
    text.append(buf, n);
  }
  return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_bytes)

// The reproducer: DELETE ...?reason=%FF%FE was answered 200 and stored.
BOOST_FIXTURE_TEST_CASE(every_entrance_refuses_bytes_that_are_not_utf8,
                        Served) {
  RefusedNaming(As("maria", "DELETE", "/v1/key-results/nps?reason=%FF%FE"),
                "reason");
  RefusedNaming(As("maria", "GET", "/v1/objectives?owner=%C0%AF"), "owner");
  RefusedNaming(As("maria", "GET", "/v1/reminders?recipient=%ED%A0%80"),
                "recipient");
  RefusedNaming(
      As("maria", "GET", "/v1/cycles/q3/retrospective?format=%FFhtml"),
      "format");
  RefusedNaming(As("maria", "GET", "/v1/cycles/%E2%82/tree"), "path");
  RefusedNaming(As("maria", "GET", "/v1/events?%FF=1"), "query");
  RefusedNaming(As("maria", "POST", "/v1/key-results/nps/check-ins",
                   R"({"value": 53})", {{"Idempotency-Key", "k-" + kBad}}),
                "Idempotency-Key");
  // Raw bytes and lone surrogates in JSON are malformed JSON.
  for (const std::string& body :
       {std::string(R"({"value": 53, "note": "\ud800"})"),
        std::string(R"({"value": 53, "note": "\udc00 x"})"),
        "{\"value\": 53, \"note\": \"" + kBad + "\"}",
        std::string("{\"value\": 53, \"note\": \"\xED\xA0\x80\"}")}) {
    HttpResult r = As("maria", "POST", "/v1/key-results/nps/check-ins", body);
    BOOST_TEST(r.status == 400, body);
    BOOST_TEST(r.json()["type"] == "urn:okr-ledger:problem:malformed-json");
  }
  // The stream checks what /v1/events checks.
  std::string sse = StreamUntil(process->port(), last - 1, last);
  BOOST_TEST(sse.find("200 OK") != std::string::npos);  // bearer, any case
  for (const char* target :
       {"/v1/events/stream?after=%FF", "/v1/events/stream?after=-1",
        "/v1/events/stream?after=1e3", "/v1/events/stream?after=+4"}) {
    namespace net = boost::asio;
    HttpResult r =
        testing::HttpRequest(process->port(), "GET", target, "",
                             {{"Authorization", "Bearer root-token-0001"}});
    BOOST_TEST(r.status == 400, target);
  }
  BOOST_TEST(Position() == last);
}

BOOST_FIXTURE_TEST_CASE(a_store_holding_such_bytes_serves_every_read, Served) {
  for (const char* target :
       {"/v1/key-results/nps/history", "/v1/key-results/old/history",
        "/v1/objectives/love/history", "/v1/objectives/love",
        "/v1/key-results/nps", "/v1/cycles/q3/tree",
        "/v1/events?after=0&limit=1000",
        "/v1/cycles/q3/changes?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:"
        "00Z",
        "/v1/cycles/q3/retrospective", "/v1/cycles/q3/retrospective?format=md",
        "/v1/cycles/q3/retrospective?format=html", "/v1/objectives",
        "/v1/reminders", "/metrics"}) {
    HttpResult r = As("maria", "GET", target);
    BOOST_TEST(r.status == 200, target << ": " << r.body.substr(0, 300));
    BOOST_TEST(IsValidUtf8(r.body), target);
    if (r.header("content-type") == "application/json") {
      BOOST_TEST(!r.json().is_discarded(), target);
    }
  }
  // What people read shows U+FFFD where the bytes were.
  HttpResult history = As("maria", "GET", "/v1/key-results/old/history");
  BOOST_TEST(history.body.find(kFffd + kFffd) != std::string::npos,
             history.body);
  HttpResult md = As("maria", "GET", "/v1/cycles/q3/retrospective?format=md");
  BOOST_TEST(md.body.find("note " + kFffd) != std::string::npos);
  // as_of (the read pool) across the poisoned events.
  HttpResult then =
      As("maria", "GET", "/v1/key-results/nps?as_of=2100-01-01T00:00:00Z");
  BOOST_TEST(then.status == 200, then.body);
  // The live stream reads past every poisoned position.
  std::string sse = StreamUntil(process->port(), 0, last);
  BOOST_TEST(sse.find("id: " + std::to_string(last) + "\n") !=
             std::string::npos);
  BOOST_TEST(IsValidUtf8(sse));
  // And the server is still up for everyone.
  BOOST_TEST(As("root", "GET", "/healthz").status == 200);
  HttpResult ok =
      As("maria", "POST", "/v1/key-results/nps/check-ins",
         R"({"value": 54, "note": "fine \u00e9", "date": "2026-08-02"})");
  BOOST_TEST(ok.status == 201, ok.body);
}

BOOST_AUTO_TEST_CASE(healthz_says_only_status_without_a_token) {
  Served s;
  json open = testing::HttpRequest(s.process->port(), "GET", "/healthz").json();
  BOOST_TEST(open.size() == 1u, open.dump());
  BOOST_TEST(open["status"] == "ok");
  json known = s.As("root", "GET", "/healthz").json();
  BOOST_TEST(known["last_position"] == s.last);
  // The scheme of a bearer token in any case; anything else is 401.
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "BeArEr  "}) {
    HttpResult r = testing::HttpRequest(
        s.process->port(), "GET", "/v1/cycles", "",
        {{"Authorization", scheme + std::string("root-token-0001")}});
    BOOST_TEST(r.status == 200, scheme);
  }
  for (const char* auth : {"Bearerroot-token-0001", "Basic root-token-0001",
                           "Bearer ", "root-token-0001"}) {
    HttpResult r = testing::HttpRequest(s.process->port(), "GET", "/v1/cycles",
                                        "", {{"Authorization", auth}});
    BOOST_TEST(r.status == 401, auth);
  }
  // after= at the top of the range is an empty page, not the whole log.
  json page =
      s.As("root", "GET", "/v1/events?after=18446744073709551615").json();
  BOOST_TEST(page["events"].empty());
  BOOST_TEST(
      s.As("root", "GET", "/v1/events?after=18446744073709551616").status ==
      400);
}

BOOST_AUTO_TEST_CASE(
    export_import_and_verify_pass_on_a_store_holding_such_bytes) {
  PoisonedStore store;
  auto okr = [&](const std::string& args) {
    std::string cmd = std::string(OKR_BINARY) + " " + args + " > " +
                      store.dir() + "/out 2>&1";
    int raw = std::system(cmd.c_str());
    int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    if (status != 0) {
      std::ifstream out(store.dir() + "/out");
      std::stringstream text;
      text << out.rdbuf();
      BOOST_TEST_MESSAGE("okr " << args << ": " << text.str());
    }
    return status;
  };
  const std::string log = store.dir() + "/log.jsonl";
  BOOST_TEST_REQUIRE(
      okr("export --data " + store.data_dir() + " --out " + log) == 0);
  std::ifstream in(log);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    BOOST_TEST(IsValidUtf8(line), lines);
  }
  BOOST_TEST(lines == store.last);
  BOOST_TEST(okr("verify --data " + store.data_dir()) == 0);
  // The offline readers print such bytes as U+FFFD too.
  for (const std::string& args :
       {std::string("history --data ") + store.data_dir() + " old",
        std::string("history --json --data ") + store.data_dir() + " nps",
        std::string("tree --json --data ") + store.data_dir() + " q3",
        std::string("changes --json --data ") + store.data_dir() +
            " q3 --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z",
        std::string("retro --data ") + store.data_dir() + " q3 --format md"}) {
    BOOST_TEST(okr(args) == 0, args);
    std::ifstream out(store.dir() + "/out");
    std::stringstream text;
    text << out.rdbuf();
    BOOST_TEST(IsValidUtf8(text.str()), args);
  }
  // The export restores the stored bytes exactly: the chain verifies.
  const std::string copy = store.dir() + "/copy";
  BOOST_TEST_REQUIRE(okr("import --data " + copy + " " + log) == 0);
  BOOST_TEST(okr("verify --data " + copy) == 0);
  BOOST_TEST(okr("export --data " + copy + " --out " + log + ".2") == 0);
  std::ifstream a(log), b(log + ".2");
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  BOOST_TEST(sa.str() == sb.str());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
