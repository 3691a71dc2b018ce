// Reminders end to end: the real okr binary on 127.0.0.1 with a real
// webhook receiver in the test. SIGKILL between issue and delivery: after a
// restart every reminder reaches the receiver (by idempotency id), none is
// issued twice, each has one outcome. The driver issues what is due today
// by itself.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "events/date.h"
#include "events/envelope.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/quarter.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"
#include "tests/support/webhook_receiver.h"

namespace okr {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;
using testing::WebhookReceiver;

using testing::MachineToday;
Date Today() { return MachineToday(); }

struct Served {
  explicit Served(std::vector<std::string> extra) : extra(std::move(extra)) {
    testing::WriteTokensFile(dir.Sub("tokens"),
                             "root-token-0001 root admin\n"
                             "maria-token-001 maria member\n");
    Start();
  }
  void Start() {
    std::vector<std::string> args{
        "serve",       "--data",   dir.Sub("data"),  "--listen",
        "127.0.0.1:0", "--tokens", dir.Sub("tokens")};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<testing::ServerProcess>(OKR_BINARY, args);
  }
  HttpResult As(const std::string& who, const std::string& method,
                const std::string& target, const json& body = nullptr) {
    return HttpRequest(
        process->port(), method, target, body.is_null() ? "" : body.dump(),
        {{"Authorization",
          "Bearer " + std::string(who == "root" ? "root-token-0001"
                                                : "maria-token-001")}});
  }
  // A cycle started 30 days ago; maria's active love with two key results
  // added today, and her draft idea. With `stale`, each key result has one
  // check-in dated 21 days ago (runs for future dates are refused, so the
  // reminders due are made due today).
  void Quarter(bool stale = false) {
    testing::QuarterPlan plan("q", Today().AddDays(-30), 90, {{"name", "Q"}});
    plan.Objective("love", "maria").Draft("idea", "maria");
    for (const char* id : {"nps", "churn"}) {
      plan.KeyResult("love", id, 0, 10);
      if (stale) {
        plan.CheckIn(id,
                     {{"value", 1}, {"date", Today().AddDays(-21).ToString()}});
      }
    }
    testing::SendPlan(plan, [&](const testing::SetupRequest& r) {
      return As(r.actor, r.method, r.target, r.body);
    });
  }
  // reminder id -> number of events of `type` about it in the log.
  std::map<std::string, int> EventsOf(const std::string& type) {
    std::map<std::string, int> out;
    json all = As("root", "GET", "/v1/events?after=0&limit=1000").json();
    for (const json& e : all["events"]) {
      if (e["type"] == type) ++out[e["data"]["reminder_id"].get<std::string>()];
    }
    return out;
  }

  testing::TempDir dir;
  std::vector<std::string> extra;
  std::unique_ptr<testing::ServerProcess> process;
};

// "sha256=" and the lowercase hex HMAC-SHA256, as a receiver computes it.
std::string HmacSha256Hex(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &len);
  std::string out = "sha256=";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reminders_e2e)

BOOST_AUTO_TEST_CASE(sigkill_between_issue_and_delivery_loses_nothing) {
  // The first delivery is held unanswered: the server is killed while it
  // waits.
  WebhookReceiver receiver([](int n, const WebhookReceiver::Request&) {
    WebhookReceiver::Action a;
    a.hold_until_closed = n == 1;
    return a;
  });
  Served s({"--reminder-interval", "0", "--webhook", receiver.Url(),
            "--webhook-secret", "s3cret", "--webhook-backoff-ms", "50",
            "--webhook-timeout-ms", "10000"});
  s.Quarter(/*stale=*/true);
  // Today, 21 days after the last check-ins: per key result the 7- and
  // 14-day check-in reminders and the overdue one, and the draft: 7.
  std::string at = Today().ToString();
  // Not for a later date: that would spend keys that do not hold the date.
  HttpResult future = s.As(
      "root", "POST", "/v1/reminders/run?at=" + Today().AddDays(1).ToString());
  BOOST_TEST(future.status == 422, future.body);
  BOOST_TEST(future.json()["field"] == "at");
  BOOST_TEST(future.json()["type"] ==
             "urn:okr-ledger:problem:reminder-run-in-future");
  BOOST_TEST(s.EventsOf("ReminderIssued").empty());
  HttpResult run = s.As("root", "POST", "/v1/reminders/run?at=" + at);
  BOOST_TEST_REQUIRE(run.status == 200, run.body);
  std::set<std::string> ids;
  json answer = run.json();
  for (const json& r : answer["reminders"]) {
    BOOST_TEST(r["issued"] == true);
    ids.insert(r["id"].get<std::string>());
  }
  BOOST_TEST_REQUIRE(ids.size() == 7u, run.body);
  BOOST_TEST_REQUIRE(
      receiver.WaitFor([](const auto& r) { return !r.empty(); }));
  BOOST_TEST(s.process->Stop(SIGKILL) == 128 + SIGKILL);
  std::string first = receiver.Requests()[0].idempotency_key;

  s.Start();
  auto all_seen = [&](const std::vector<WebhookReceiver::Request>& got) {
    std::set<std::string> seen;
    for (const auto& r : got) seen.insert(r.idempotency_key);
    return seen == ids;
  };
  BOOST_TEST_REQUIRE(receiver.WaitFor(all_seen));
  // Every outcome recorded, once.
  std::map<std::string, int> delivered;
  testing::Eventually([&] {
    delivered = s.EventsOf("ReminderDelivered");
    return delivered.size() == ids.size();
  });
  BOOST_TEST(delivered.size() == ids.size());
  for (const auto& [id, n] : delivered) BOOST_TEST(n == 1, id);
  // Issued once each; repeats only of the interrupted one, same id.
  std::map<std::string, int> issued = s.EventsOf("ReminderIssued");
  BOOST_TEST(issued.size() == ids.size());
  for (const auto& [id, n] : issued) BOOST_TEST(n == 1, id);
  std::map<std::string, int> sent;
  for (const auto& r : receiver.Requests()) ++sent[r.idempotency_key];
  BOOST_TEST(sent[first] == 2);
  for (const auto& [id, n] : sent) {
    BOOST_TEST(ids.count(id) == 1u, id);
    if (id != first) BOOST_TEST(n == 1, id);
  }
  // Running again issues nothing; the list shows them issued and delivered.
  BOOST_TEST(s.As("root", "POST", "/v1/reminders/run?at=" + at)
                 .json()["reminders"]
                 .empty());
  json listed =
      s.As("maria", "GET", "/v1/reminders?recipient=maria&at=" + at).json();
  BOOST_TEST(listed["reminders"].size() == 5u);  // 2 x 2 check-ins, draft
  for (const json& r : listed["reminders"]) {
    BOOST_TEST(r["issued"] == true);
    BOOST_TEST(r["deliveries"][0]["delivered"] == true);
  }
  // Members may list but not run.
  BOOST_TEST(s.As("maria", "POST", "/v1/reminders/run").status == 403);
}

BOOST_AUTO_TEST_CASE(the_driver_issues_what_is_due_today) {
  Served s({"--reminder-interval", "1", "--reminder-schedule", "always"});
  s.Quarter();
  // The draft has been pending since the cycle's day 7: due today.
  bool issued = testing::Eventually([&] {
    json r = s.As("maria", "GET", "/v1/reminders").json();
    for (const json& x : r["reminders"]) {
      if (x["kind"] == "draft_pending" && x["issued"] == true) return true;
    }
    return false;
  });
  BOOST_TEST(issued);
  std::map<std::string, int> events = s.EventsOf("ReminderIssued");
  BOOST_TEST(events.size() == 1u);
}

// Deliveries signed with the secret of --webhook-secret-file (its trailing
// newline not part of it): each carries X-Okr-Timestamp, Unix seconds by
// the server's clock (between the start and the receipt here), and
// X-Okr-Signature, HMAC-SHA256 over "<timestamp>.<body>", recomputed here
// with OpenSSL.
BOOST_AUTO_TEST_CASE(deliveries_sign_timestamp_and_body_with_the_secret_file) {
  WebhookReceiver receiver;
  testing::TempDir secrets;
  testing::WriteTokensFile(secrets.Sub("secret"), "file-s3cret\n");
  // The clock stands still at the machine's now: every timestamp is it.
  const std::int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  Served s({"--reminder-interval", "1", "--reminder-schedule", "always",
            "--webhook", receiver.Url(), "--webhook-secret-file",
            secrets.Sub("secret"), "--test-clock-start", FormatInstant(now_us),
            "--test-clock-step-us", "0"});
  s.Quarter();
  BOOST_TEST_REQUIRE(
      receiver.WaitFor([](const auto& r) { return !r.empty(); }));
  for (const WebhookReceiver::Request& r : receiver.Requests()) {
    BOOST_TEST_REQUIRE(!r.timestamp.empty());
    BOOST_TEST(r.timestamp.find_first_not_of("0123456789") ==
               std::string::npos);
    BOOST_TEST(std::stoll(r.timestamp) == now_us / 1'000'000);
    BOOST_TEST(r.signature ==
               HmacSha256Hex("file-s3cret", r.timestamp + "." + r.body));
    BOOST_TEST(r.signature !=
               HmacSha256Hex("file-s3cret\n", r.timestamp + "." + r.body));
    BOOST_TEST(!json::parse(r.body, nullptr, false).is_discarded());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
