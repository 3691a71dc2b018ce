// Reminders reaching people, end to end: a real `okr serve` delivering to
// real local receivers -- HTTPS receivers for Slack, Teams and generic
// webhooks with certificates from a test CA, and an SMTP sink (Debian's
// aiosmtpd) requiring STARTTLS -- one digest per person per run; TLS
// refusals recorded; a hanging receiver delaying only its own messages; a
// SIGKILL during delivery resending with the same id and nothing twice in
// the log; the people file reread on SIGHUP.
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "events/date.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/quarter.h"
#include "tests/support/server_process.h"
#include "tests/support/smtp_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ca.h"
#include "tests/support/tokens_file.h"
#include "tests/support/webhook_receiver.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;
using testing::WebhookReceiver;
using Action = WebhookReceiver::Action;

Date Today() { return testing::MachineToday(); }

const char* kPeople = R"({"people": [
  {"actor": "maria", "display_name": "María Ortiz",
   "email": "maria@example.com", "slack_member_id": "U0MARIA01",
   "time_zone": "Europe/Madrid"},
  {"actor": "carol", "display_name": "Carol King",
   "email": "carol@example.com"},
  {"actor": "root", "email": "root@example.com"}]})";

// `path`, made (mode 0700).
std::string Made(const std::string& path) {
  ::mkdir(path.c_str(), 0700);
  return path;
}

struct Delivered {
  Delivered() : ca(testing::TestCa::Make(Made(dir.Sub("ca")))) {
    testing::WriteTokensFile(dir.Sub("tokens"),
                             "root-token-0001 root admin\n"
                             "maria-token-001 maria member\n"
                             "carol-token-001 carol member\n");
    WritePeople(kPeople);
  }
  void WritePeople(const std::string& text) {
    testing::WriteTokensFile(dir.Sub("people.json"), text);
  }
  WebhookReceiver::TlsOptions Good() const {
    return {ca.cert("good"), ca.key("good")};
  }
  void Start(std::vector<std::string> extra) {
    std::vector<std::string> args{"serve",
                                  "--data",
                                  dir.Sub("data"),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--tokens",
                                  dir.Sub("tokens"),
                                  "--people",
                                  dir.Sub("people.json"),
                                  "--reminder-interval",
                                  "0",
                                  "--webhook-ca",
                                  ca.ca_file(),
                                  "--public-url",
                                  "http://okr.test:8080"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<testing::ServerProcess>(OKR_BINARY, args);
  }
  HttpResult As(const std::string& who, const std::string& method,
                const std::string& target, const json& body = nullptr) {
    return HttpRequest(
        process->port(), method, target, body.is_null() ? "" : body.dump(),
        {{"Authorization",
          "Bearer " + who + "-token-" + (who == "root" ? "0001" : "001")}});
  }
  // Carol's company objective and maria's love aligned under it, love with
  // three key results last checked in 21 days ago: a run today issues 6
  // checkin_due to maria, 3 checkin_escalated to carol, 3 checkin_overdue
  // to admins. `carol_kr`: company gets one such key result too.
  void Quarter(bool carol_kr = false) {
    testing::QuarterPlan plan("q", Today().AddDays(-30), 90, {{"name", "Q"}});
    plan.Objective("company", "carol");
    plan.Objective("love", "maria", false, {{"parent_id", "company"}});
    std::vector<std::string> krs = {"nps", "churn", "csat"};
    for (const std::string& id : krs) plan.KeyResult("love", id, 0, 10);
    if (carol_kr) {
      plan.KeyResult("company", "revenue", 0, 10);
      krs.push_back("revenue");
    }
    for (const std::string& id : krs) {
      plan.CheckIn(id,
                   {{"value", 1}, {"date", Today().AddDays(-21).ToString()}});
    }
    testing::SendPlan(plan, [&](const testing::SetupRequest& r) {
      return As(r.actor, r.method, r.target, r.body);
    });
  }
  json Events() {
    return As("root", "GET", "/v1/events?after=0&limit=1000").json()["events"];
  }
  std::vector<json> Of(const std::string& type) {
    std::vector<json> out;
    for (const json& e : Events()) {
      if (e["type"] == type) out.push_back(e["data"]);
    }
    return out;
  }
  // Waits until the log holds `n` events of `type`.
  bool WaitForEvents(const std::string& type, std::size_t n) {
    return testing::Eventually([&] { return Of(type).size() >= n; });
  }
  // The DigestDelivered of `channel` for `recipient`.
  json DeliveredTo(const std::string& channel, const std::string& recipient) {
    for (const json& d : Of("DigestDelivered")) {
      if (d["channel"] == channel && d["recipient"] == recipient) return d;
    }
    return nullptr;
  }

  testing::TempDir dir;
  testing::TestCa ca;
  std::unique_ptr<testing::ServerProcess> process;
};

std::string HeaderOf(const WebhookReceiver::Request& r, const char* name) {
  for (const auto& [k, v] : r.headers) {
    if (strcasecmp(k.c_str(), name) == 0) return v;
  }
  return "";
}

// The request whose JSON body mentions `text`.
const WebhookReceiver::Request* Mentioning(
    const std::vector<WebhookReceiver::Request>& got, const std::string& text) {
  for (const auto& r : got) {
    if (r.body.find(text) != std::string::npos) return &r;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_e2e)

// One digest per person per run on Slack, Teams and email, over verified
// TLS; a second Slack webhook that never answers delays only itself.
BOOST_FIXTURE_TEST_CASE(digests_reach_every_channel_once_per_person,
                        Delivered) {
  WebhookReceiver slack(Good());
  WebhookReceiver hanging(Good(), [](int, const WebhookReceiver::Request&) {
    Action a;
    a.hold_until_closed = true;
    return a;
  });
  WebhookReceiver teams(
      Good(), [](int, const WebhookReceiver::Request&) { return Action{202}; });
  testing::SmtpSink sink(Made(dir.Sub("smtp")), ca.cert("good"),
                         ca.key("good"));
  Start({"--slack-webhook", hanging.Url("/hang"), "--slack-webhook",
         slack.Url("/slack"), "--teams-webhook",
         teams.UrlWithHost("localhost", "/teams"), "--smtp", sink.Url(),
         "--smtp-from", "okr@example.com", "--webhook-timeout-ms", "120000"});
  Quarter();
  HttpResult run = As("root", "POST", "/v1/reminders/run");
  BOOST_TEST_REQUIRE(run.status == 200, run.body);
  BOOST_TEST_REQUIRE(run.json()["reminders"].size() == 12u);

  // Three digests on each of slack, teams and email (maria, carol, root for
  // the admins), while the hanging webhook still holds its first.
  BOOST_TEST_REQUIRE(WaitForEvents("DigestDelivered", 9));
  BOOST_TEST_REQUIRE(sink.WaitForCount(3), sink.Log());
  BOOST_TEST(hanging.Requests().size() == 1u);
  std::vector<json> issued = Of("ReminderIssued");
  BOOST_TEST(issued.size() == 12u);
  std::map<std::string, std::set<std::string>> carried;  // channel -> ids
  for (const json& d : Of("DigestDelivered")) {
    for (const json& id : d["reminder_ids"]) {
      carried[d["channel"]].insert(id.get<std::string>());
    }
    BOOST_TEST(d["message_id"] ==
               "<" + d["digest_id"].get<std::string>() + "@okr-ledger>");
  }
  for (const char* channel : {"slack", "teams", "email"}) {
    BOOST_TEST(carried[channel].size() == 12u, channel);  // every reminder
  }
  BOOST_TEST(DeliveredTo("slack", "maria")["reminder_ids"].size() == 6u);
  BOOST_TEST(DeliveredTo("teams", "carol")["reminder_ids"].size() == 3u);
  BOOST_TEST(DeliveredTo("email", "root")["reminder_ids"].size() == 3u);
  // No address or name in the log.
  const std::string log = Events().dump();
  BOOST_TEST(log.find("maria@example.com") == std::string::npos);
  BOOST_TEST(log.find("U0MARIA01") == std::string::npos);
  BOOST_TEST(log.find("Carol King") == std::string::npos);

  // Slack: one message for maria with her six, mentioning her.
  std::vector<WebhookReceiver::Request> got = slack.Requests();
  BOOST_TEST_REQUIRE(got.size() == 3u);
  const auto* to_maria = Mentioning(got, "<@U0MARIA01>");
  BOOST_TEST_REQUIRE(to_maria != nullptr);
  BOOST_TEST(to_maria->content_type == "application/json");
  BOOST_TEST(HeaderOf(*to_maria, "Idempotency-Key") ==
             DeliveredTo("slack", "maria")["digest_id"]);
  json body = json::parse(to_maria->body);
  BOOST_TEST(body["text"].get<std::string>().find("6 reminders") !=
             std::string::npos);
  BOOST_TEST_REQUIRE(body["blocks"].is_array());
  BOOST_TEST(body["blocks"].size() == 3u);  // lead, objective love, button
  BOOST_TEST(body["blocks"][1]["text"]["text"].get<std::string>().find(
                 "(love)") != std::string::npos);
  BOOST_TEST(body["blocks"][2]["elements"][0]["url"] ==
             "http://okr.test:8080/#/week");
  // Carol is not on Slack: named, not mentioned.
  BOOST_TEST(Mentioning(got, "Carol King, 3 reminders") != nullptr);

  // Teams: an Adaptive Card naming the person; 202 counted as delivered.
  std::vector<WebhookReceiver::Request> cards = teams.Requests();
  BOOST_TEST_REQUIRE(cards.size() == 3u);
  const auto* card = Mentioning(cards, "María Ortiz: 6 reminders");
  BOOST_TEST_REQUIRE(card != nullptr);
  json c = json::parse(card->body);
  BOOST_TEST(c["attachments"][0]["contentType"] ==
             "application/vnd.microsoft.card.adaptive");
  BOOST_TEST(c["attachments"][0]["content"]["type"] == "AdaptiveCard");

  // Email: over STARTTLS, from the sender to the address, with the
  // digest's Message-ID.
  std::vector<testing::SmtpSink::Message> mail = sink.Messages();
  BOOST_TEST_REQUIRE(mail.size() == 3u);
  const testing::SmtpSink::Message* m = nullptr;
  for (const auto& x : mail) {
    if (x.rcpt_tos == std::vector<std::string>{"maria@example.com"}) m = &x;
  }
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST(m->tls);
  BOOST_TEST(m->mail_from == "okr@example.com");
  BOOST_TEST(testing::HeaderOf(m->raw, "From") ==
             "OKR Ledger <okr@example.com>");
  BOOST_TEST(testing::HeaderOf(m->raw, "To") == "<maria@example.com>");
  BOOST_TEST(testing::HeaderOf(m->raw, "Subject") ==
             "OKR reminders: 6 reminders for you");
  BOOST_TEST(testing::HeaderOf(m->raw, "Message-ID") ==
             DeliveredTo("email", "maria")["message_id"]);
  const std::string text = testing::BodyOf(m->raw);
  BOOST_TEST(text.find("Hello María Ortiz,") != std::string::npos);
  BOOST_TEST(text.find("Objective \"love\" (love)") != std::string::npos);
  BOOST_TEST(text.find("key result \"nps\"") != std::string::npos);
  BOOST_TEST(text.find("http://okr.test:8080/#/week") != std::string::npos);
  process->Stop(SIGKILL);  // the hanging webhook would hold a clean stop
}

// smtps:// (TLS from the first byte) with credentials from a 0600 file:
// every message authenticated; a wrong password is a recorded failure.
BOOST_FIXTURE_TEST_CASE(email_over_smtps_with_credentials, Delivered) {
  testing::SmtpSink sink(Made(dir.Sub("smtp")), ca.cert("good"), ca.key("good"),
                         "okr-mailer:pa55-word",
                         /*implicit_tls=*/true);
  testing::WriteTokensFile(dir.Sub("smtp-credentials"),
                           "okr-mailer:pa55-word\n");
  Start({"--smtp", sink.Url(), "--smtp-from", "okr@example.com",
         "--smtp-credentials", dir.Sub("smtp-credentials")});
  Quarter();
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/reminders/run").status == 200);
  BOOST_TEST_REQUIRE(WaitForEvents("DigestDelivered", 3));
  BOOST_TEST_REQUIRE(sink.WaitForCount(3), sink.Log());
  for (const testing::SmtpSink::Message& m : sink.Messages()) {
    BOOST_TEST(m.tls);
    BOOST_TEST(m.authenticated_as == "okr-mailer");
  }
  BOOST_TEST(process->Stop() == 0);
  testing::WriteTokensFile(dir.Sub("smtp-credentials"), "okr-mailer:wrong\n");
  Start({"--smtp", sink.Url(), "--smtp-from", "okr@example.com",
         "--smtp-credentials", dir.Sub("smtp-credentials"),
         "--webhook-attempts", "1"});
  testing::QuarterPlan more("q2", Today().AddDays(-30), 90);
  more.Draft("idea", "maria");  // draft_pending to maria at once
  testing::SendPlan(more, [&](const testing::SetupRequest& r) {
    return As(r.actor, r.method, r.target, r.body);
  });
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/reminders/run").status == 200);
  BOOST_TEST_REQUIRE(WaitForEvents("DigestDeliveryFailed", 1));
  json failed = Of("DigestDeliveryFailed")[0];
  BOOST_TEST(failed["recipient"] == "maria");
  BOOST_TEST(failed["channel"] == "email");
  BOOST_TEST(
      failed["error"].get<std::string>().find("ogin") != std::string::npos,
      failed["error"]);
  BOOST_TEST(sink.Messages().size() == 3u);
}

// A certificate for another host, an expired one and one from an unknown
// CA are failed attempts whose errors say why; the good one is delivered.
BOOST_FIXTURE_TEST_CASE(tls_refusals_are_recorded_with_their_reason,
                        Delivered) {
  testing::TempDir elsewhere;
  testing::TestCa other = testing::TestCa::Make(Made(elsewhere.Sub("ca")));
  WebhookReceiver wrong_host({ca.cert("wrong-host"), ca.key("wrong-host")});
  WebhookReceiver expired({ca.cert("expired"), ca.key("expired")});
  WebhookReceiver unknown_ca({other.cert("good"), other.key("good")});
  WebhookReceiver good(Good());
  Start({"--webhook", wrong_host.Url(), "--webhook", expired.Url(), "--webhook",
         unknown_ca.Url(), "--webhook", good.Url(), "--webhook-secret",
         "s3cret", "--webhook-attempts", "1"});
  Quarter();
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/reminders/run").status == 200);
  // 12 reminders to each of four webhooks: 12 delivered, 36 failed.
  BOOST_TEST_REQUIRE(WaitForEvents("ReminderDelivered", 12));
  BOOST_TEST_REQUIRE(WaitForEvents("ReminderDeliveryFailed", 36));
  std::map<std::string, std::string> error_of;  // webhook -> an error
  for (const json& f : Of("ReminderDeliveryFailed")) {
    error_of[f["webhook"]] = f["error"];
  }
  for (const json& d : Of("ReminderDelivered")) {
    BOOST_TEST(d["webhook"] == good.Url());
  }
  BOOST_TEST(error_of[wrong_host.Url()].find("127.0.0.1") != std::string::npos,
             error_of[wrong_host.Url()]);
  BOOST_TEST(error_of[wrong_host.Url()].find("SSL") != std::string::npos);
  BOOST_TEST(error_of[expired.Url()].find("expired") != std::string::npos,
             error_of[expired.Url()]);
  BOOST_TEST(
      error_of[unknown_ca.Url()].find("certificate") != std::string::npos,
      error_of[unknown_ca.Url()]);
  BOOST_TEST(good.Requests().size() == 12u);
  BOOST_TEST(wrong_host.Requests().empty());
  BOOST_TEST(unknown_ca.Requests().empty());
}

// Killed while a digest is on the wire (the receiver holds it unanswered):
// after the restart the same digest is sent again with the same id, every
// digest is recorded once, and nothing is issued twice.
BOOST_FIXTURE_TEST_CASE(a_crash_during_delivery_resends_with_the_same_id,
                        Delivered) {
  WebhookReceiver slack(Good(), [](int n, const WebhookReceiver::Request&) {
    Action a;
    a.hold_until_closed = n == 1;
    return a;
  });
  const std::vector<std::string> flags = {"--slack-webhook", slack.Url(),
                                          "--webhook-timeout-ms", "120000"};
  Start(flags);
  Quarter();
  BOOST_TEST_REQUIRE(As("root", "POST", "/v1/reminders/run").status == 200);
  BOOST_TEST_REQUIRE(
      slack.WaitFor([](const auto& r) { return r.size() == 1; }));
  process->Stop(SIGKILL);
  Start(flags);
  BOOST_TEST_REQUIRE(WaitForEvents("DigestDelivered", 3));
  std::vector<WebhookReceiver::Request> got = slack.Requests();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  const std::string first = HeaderOf(got[0], "Idempotency-Key");
  int resent = 0;
  for (std::size_t i = 1; i < got.size(); ++i) {
    if (HeaderOf(got[i], "Idempotency-Key") == first) {
      ++resent;
      BOOST_TEST(got[i].body == got[0].body);
    }
  }
  BOOST_TEST(resent == 1);
  std::set<std::string> ids;
  for (const json& d : Of("DigestDelivered")) ids.insert(d["digest_id"]);
  BOOST_TEST(ids.size() == 3u);
  BOOST_TEST(ids.count(first) == 1u);
  BOOST_TEST(Of("DigestDelivered").size() == 3u);
  BOOST_TEST(Of("ReminderIssued").size() == 12u);
}

// SIGHUP rereads the people file: a manager added there makes carol's
// overdue key result escalate to them; a broken file leaves the one read
// before in force and the server up.
BOOST_FIXTURE_TEST_CASE(sighup_rereads_the_people_file, Delivered) {
  Start({});
  Quarter(/*carol_kr=*/true);
  auto to_dana = [&] {
    return As("root", "GET", "/v1/reminders?recipient=dana")
        .json()["reminders"]
        .size();
  };
  BOOST_TEST(to_dana() == 0u);
  std::string with_manager = kPeople;
  with_manager.replace(
      with_manager.find("\"email\": \"carol@example.com\""),
      std::string("\"email\": \"carol@example.com\"").size(),
      "\"email\": \"carol@example.com\", \"manager\": \"dana\"");
  WritePeople(with_manager);
  ::kill(process->pid(), SIGHUP);
  BOOST_TEST_REQUIRE(process->WaitForOutput("reread " + dir.Sub("people.json"),
                                            testing::kPatience));
  BOOST_TEST(to_dana() == 1u);
  WritePeople(R"({"people": [{"actor": "x", "time_zone": "Nowhere/City"}]})");
  ::kill(process->pid(), SIGHUP);
  BOOST_TEST(testing::Eventually(
      [&] { return As("root", "GET", "/healthz").status == 200; }));
  BOOST_TEST(to_dana() == 1u);  // the file read before stays
  BOOST_TEST(process->Stop() == 0);
  const std::string out = process->Output();
  BOOST_TEST(out.find("stopped cleanly") != std::string::npos, out);
}

// A people file that breaks a rule stops the server before the store is
// opened, naming the entry and the field.
BOOST_FIXTURE_TEST_CASE(a_bad_people_file_is_refused_at_start, Delivered) {
  WritePeople(R"({"people": [{"actor": "maria", "email": "no-at-sign"}]})");
  std::vector<std::string> args{
      "serve",           "--data",      dir.Sub("data"),
      "--listen",        "127.0.0.1:0", "--tokens",
      dir.Sub("tokens"), "--people",    dir.Sub("people.json")};
  testing::ServerProcessOptions o;
  o.capture_stderr = true;
  std::string said;
  try {
    testing::ServerProcess refused(OKR_BINARY, args, o);
  } catch (const std::runtime_error& e) {
    said = e.what();
  }
  BOOST_TEST(said.find("entry 1 (\"maria\"): \"email\" \"no-at-sign\"") !=
                 std::string::npos,
             said);
  std::ifstream data(dir.Sub("data") + "/CURRENT");
  BOOST_TEST(!data.good());  // no store was made
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
