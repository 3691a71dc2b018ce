// Webhook delivery against a real HTTP receiver on 127.0.0.1 that fails,
// answers slowly or hangs up: retries, signatures, idempotency ids, and
// the outcome events; a worker stopped mid-retry resumes from its durable
// checkpoint with the same idempotency id.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "adapters/cli/reminder_driver.h"
#include "adapters/webhook/delivery_worker.h"
#include "adapters/webhook/webhook_client.h"
#include "projections/reminders.h"
#include "tests/support/engine_harness.h"
#include "tests/support/webhook_receiver.h"

namespace okr::testing {
namespace {

using namespace std::chrono_literals;
using Action = WebhookReceiver::Action;

// A started quarter with maria's active objective and one key result added
// on 07-01; at 07-08 exactly one reminder is due (checkin_due nps 7 days).
struct Delivery : EngineHarness {
  Delivery() : EngineHarness("2026-07-01") {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    CreateObjective o;
    o.id = "love";
    o.cycle_id = "q3";
    o.title = "Love";
    o.level = "team";
    Must(Member("maria", o));
    Must(Member("maria", TransitionObjective{"love", ObjectiveAction::kActivate,
                                             std::nullopt}));
    AddKeyResult k;
    k.objective_id = "love";
    k.id = "nps";
    k.title = "NPS";
    k.kind = "metric";
    k.start = 45;
    k.target = 60;
    Must(Member("maria", k));
  }
  // Issues what is due at `at`; returns the reminder ids. Runs are for
  // today (or earlier): the clock moves to `at` first.
  std::vector<std::string> Issue(const char* at) {
    clock().Set(NoonOf(at));
    CommandResult r = Must(Admin(IssueReminders{D(at), std::nullopt}));
    std::vector<std::string> ids;
    for (const events::Event& e : r.decision.events) {
      ids.push_back(std::get<events::ReminderIssued>(e).reminder_id);
    }
    return ids;
  }
  webhook::DeliveryOptions Options(const std::string& url) {
    webhook::DeliveryOptions d;
    d.url = url;
    last_url_ = url;
    d.secret = "s3cret";
    d.max_attempts = 4;
    d.base_backoff = 20ms;
    // Long enough for any answer of a busy machine: only a receiver that
    // holds its answer meets it.
    d.timeout = 2s;
    d.seed = 7;
    return d;
  }
  // The recorded outcome of `id` for `url`, once there (or nothing after
  // testing::kPatience).
  std::optional<IssuedReminder::Outcome> OutcomeOf(const std::string& id,
                                                   const std::string& url) {
    std::optional<IssuedReminder::Outcome> out;
    testing::Eventually([&] {
      engine().Read([&](const OkrState& s) {
        auto it = s.reminders().find(id);
        if (it == s.reminders().end()) return;
        auto o = it->second.outcomes.find(url);
        if (o != it->second.outcomes.end()) out = o->second;
      });
      return out.has_value();
    });
    return out;
  }
  // Waits until the worker's durable checkpoint is at the end of the log.
  void WaitForCheckpoint() {
    bool reached = testing::Eventually([&] {
      auto c = engine().store().LoadCheckpoint(
          webhook::DeliveryWorker::SubscriberFor(last_url_));
      return c.ok() && c.value() == LastPosition();
    });
    if (!reached) {
      BOOST_FAIL("the delivery worker did not reach the end of the log");
    }
  }
  // Events of `type` in the log.
  int Count(const std::string& type) {
    int n = 0;
    auto all = engine().store().ReadAll(1, 100000);
    for (const RecordedEvent& e : all.value()) n += e.type == type ? 1 : 0;
    return n;
  }
  std::string last_url_;  // of the last Options(): WaitForCheckpoint's
};

}  // namespace

BOOST_AUTO_TEST_SUITE(webhook_delivery)

// RFC 4231, test case 2.
BOOST_AUTO_TEST_CASE(signature_is_hmac_sha256_hex) {
  BOOST_TEST(webhook::Signature("Jefe", "what do ya want for nothing?") ==
             "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
             "64ec3843");
  BOOST_TEST(webhook::ValidWebhookUrl("http://127.0.0.1:8080/a?b=1"));
  BOOST_TEST(webhook::ValidWebhookUrl("https://hooks.example.org/x"));
  BOOST_TEST(!webhook::ValidWebhookUrl("ftp://example.org/x"));
  BOOST_TEST(!webhook::ValidWebhookUrl("http://:80/"));
  BOOST_TEST(!webhook::ValidWebhookUrl("http://h:99999/"));
  BOOST_TEST(!webhook::ValidWebhookUrl("https://user:pw@example.org/"));
  BOOST_TEST(!webhook::ValidWebhookUrl("https://example.org/a b"));
}

BOOST_FIXTURE_TEST_CASE(retries_until_delivered_with_one_idempotency_id,
                        Delivery) {
  // Attempt 1: 500; 2: hang up; 3: too slow (no answer until the sender
  // gives up at its deadline); 4: 200.
  WebhookReceiver receiver([](int n, const WebhookReceiver::Request&) {
    if (n == 1) return Action{500};
    if (n == 2) return Action{200, 0ms, true};
    if (n == 3) return Action{200, 0ms, false, /*hold_until_closed=*/true};
    return Action{200};
  });
  webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
  BOOST_TEST_REQUIRE(worker.Start().ok());
  WaitForCheckpoint();  // started: what is issued next is delivered
  std::vector<std::string> ids = Issue("2026-07-08");
  BOOST_TEST_REQUIRE(ids.size() == 1u);
  auto outcome = OutcomeOf(ids[0], receiver.Url());
  worker.Stop();
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST(outcome->delivered);
  BOOST_TEST(outcome->attempts == 4);
  std::vector<WebhookReceiver::Request> got = receiver.Requests();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  const std::string now = std::to_string(clock().NowMicros() / 1'000'000);
  for (const auto& r : got) {
    BOOST_TEST(r.idempotency_key == ids[0]);
    BOOST_TEST(r.timestamp == now);
    BOOST_TEST(r.signature ==
               webhook::Signature("s3cret", r.timestamp + "." + r.body));
    BOOST_TEST(r.target == "/hook");
    nlohmann::json body = nlohmann::json::parse(r.body);
    BOOST_TEST(body["id"] == ids[0]);
    BOOST_TEST(body["kind"] == "checkin_due");
    BOOST_TEST(body["recipient"] == "maria");
    BOOST_TEST(body["key"] == "nps/2026-07-01/7");
  }
  // A tampered body, or the same body at another time, would not verify.
  BOOST_TEST(webhook::Signature("s3cret", got[0].timestamp + "." + got[0].body +
                                              " ") != got[0].signature);
  BOOST_TEST(webhook::Signature("s3cret", "1." + got[0].body) !=
             got[0].signature);
  BOOST_TEST(webhook::Signature("s3cret", got[0].body) != got[0].signature);
  BOOST_TEST(Count("ReminderDelivered") == 1);
}

// Each attempt is signed at its own time by the engine's clock: the
// receiver moves the clock on 90 s while refusing the first attempt; the
// second carries the later timestamp, and each signature verifies over its
// own "<timestamp>.<body>" only.
BOOST_FIXTURE_TEST_CASE(each_attempt_signs_its_timestamp_from_the_clock,
                        Delivery) {
  clock().Set(NoonOf("2026-07-08"));  // the day of the run below
  const std::int64_t t0 = clock().NowMicros() / 1'000'000;
  WebhookReceiver receiver([this](int n, const WebhookReceiver::Request&) {
    if (n == 1) {
      clock().Advance(90'000'000);
      return Action{500};
    }
    return Action{200};
  });
  webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
  BOOST_TEST_REQUIRE(worker.Start().ok());
  WaitForCheckpoint();  // started: what is issued next is delivered
  std::vector<std::string> ids = Issue("2026-07-08");
  BOOST_TEST_REQUIRE(ids.size() == 1u);
  auto outcome = OutcomeOf(ids[0], receiver.Url());
  worker.Stop();
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST(outcome->delivered);
  std::vector<WebhookReceiver::Request> got = receiver.Requests();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].timestamp == std::to_string(t0));
  BOOST_TEST(got[1].timestamp == std::to_string(t0 + 90));
  BOOST_TEST(got[0].body == got[1].body);
  for (const auto& r : got) {
    BOOST_TEST(r.signature ==
               webhook::Signature("s3cret", r.timestamp + "." + r.body));
  }
  // The first attempt's signature does not pass for the second's time.
  BOOST_TEST(got[0].signature != got[1].signature);
}

// A reminder whose stored text is not UTF-8 (as a store of an older
// release may hold) is delivered, not lost to an exception: the body is
// valid JSON with U+FFFD in place of the bad bytes, and it verifies.
BOOST_FIXTURE_TEST_CASE(a_message_that_is_not_utf8_is_delivered_with_fffd,
                        Delivery) {
  WebhookReceiver receiver;
  {
    // A first start: what is issued from then on is delivered.
    webhook::DeliveryWorker first(&engine(), Options({receiver.Url()}));
    BOOST_TEST_REQUIRE(first.Start().ok());
    WaitForCheckpoint();
    first.Stop();
  }
  clock().Set(NoonOf("2026-07-08"));
  AppendPastTheEngine(
      events::ReminderIssued{"r-old", "checkin_due", "nps", "maria",
                             "nps/2026-07-01/7", "bad \xFF\xFE bytes",
                             D("2026-07-08")},
      "okr-reminders");
  const std::vector<std::string> ids{"r-old"};
  webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
  BOOST_TEST_REQUIRE(worker.Start().ok());
  auto outcome = OutcomeOf(ids[0], receiver.Url());
  worker.Stop();
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST(outcome->delivered);
  std::vector<WebhookReceiver::Request> got = receiver.Requests();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  nlohmann::json body = nlohmann::json::parse(got[0].body, nullptr, false);
  BOOST_TEST_REQUIRE(!body.is_discarded(), got[0].body);
  BOOST_TEST(body["message"] == "bad \uFFFD\uFFFD bytes");
  BOOST_TEST(body["id"] == ids[0]);
  BOOST_TEST(
      got[0].signature ==
      webhook::Signature("s3cret", got[0].timestamp + "." + got[0].body));
}

BOOST_FIXTURE_TEST_CASE(gives_up_after_the_last_attempt_and_says_why,
                        Delivery) {
  WebhookReceiver failing(
      [](int, const WebhookReceiver::Request&) { return Action{503}; });
  WebhookReceiver fine;
  // Each webhook has its own worker and checkpoint.
  webhook::DeliveryWorker fine_worker(&engine(), Options(fine.Url("/ok")));
  BOOST_TEST_REQUIRE(fine_worker.Start().ok());
  WaitForCheckpoint();
  webhook::DeliveryWorker worker(&engine(), Options(failing.Url()));
  BOOST_TEST_REQUIRE(worker.Start().ok());
  WaitForCheckpoint();  // started: what is issued next is delivered
  std::vector<std::string> ids = Issue("2026-07-08");
  auto failed = OutcomeOf(ids[0], failing.Url());
  auto delivered = OutcomeOf(ids[0], fine.Url("/ok"));
  worker.Stop();
  fine_worker.Stop();
  BOOST_TEST_REQUIRE(failed.has_value());
  BOOST_TEST(!failed->delivered);
  BOOST_TEST(failed->attempts == 4);
  BOOST_TEST(failed->error == "HTTP 503");
  BOOST_TEST(failing.Requests().size() == 4u);
  BOOST_TEST_REQUIRE(delivered.has_value());
  BOOST_TEST(delivered->delivered);
  BOOST_TEST(delivered->attempts == 1);
  BOOST_TEST(Count("ReminderDeliveryFailed") == 1);
  BOOST_TEST(Count("ReminderDelivered") == 1);
}

// Stopped during its backoff, the worker records nothing; started again it
// resumes from its checkpoint and sends the same reminder with the same id;
// already recorded outcomes are not sent again.
BOOST_FIXTURE_TEST_CASE(resumes_from_its_checkpoint_after_a_stop, Delivery) {
  WebhookReceiver receiver(
      [](int, const WebhookReceiver::Request&) { return Action{500}; });
  webhook::DeliveryOptions slow = Options({receiver.Url()});
  slow.base_backoff = 60s;  // stuck in the first backoff
  std::vector<std::string> ids;
  {
    webhook::DeliveryWorker worker(&engine(), slow);
    BOOST_TEST_REQUIRE(worker.Start().ok());
    WaitForCheckpoint();  // its first start is durable
    ids = Issue("2026-07-08");
    BOOST_TEST(receiver.WaitFor([](const auto& r) { return r.size() == 1; }));
  }  // stopped
  BOOST_TEST(Count("ReminderDelivered") + Count("ReminderDeliveryFailed") == 0);
  receiver.SetPolicy(nullptr);  // 200 from now on
  {
    webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
    BOOST_TEST_REQUIRE(worker.Start().ok());
    BOOST_TEST(OutcomeOf(ids[0], receiver.Url()).has_value());
  }
  std::vector<WebhookReceiver::Request> got = receiver.Requests();
  BOOST_TEST(got.size() == 2u);
  BOOST_TEST(got[0].idempotency_key == got[1].idempotency_key);
  // Started again: everything has an outcome, nothing is sent (it has
  // read to the end of the log).
  {
    webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
    BOOST_TEST_REQUIRE(worker.Start().ok());
    WaitForCheckpoint();
  }
  BOOST_TEST(receiver.Requests().size() == 2u);
  BOOST_TEST(Count("ReminderDelivered") == 1);
}

// A webhook enabled on a store with a past gets what is issued from then on,
// not the old reminders.
BOOST_FIXTURE_TEST_CASE(a_first_start_delivers_from_then_on, Delivery) {
  WebhookReceiver receiver;
  Issue("2026-07-08");  // before the worker ever ran
  webhook::DeliveryWorker worker(&engine(), Options({receiver.Url()}));
  BOOST_TEST_REQUIRE(worker.Start().ok());
  WaitForCheckpoint();
  BOOST_TEST(receiver.Requests().empty());
  CreateObjective draft;  // draft_pending at once: the cycle is 7 days old
  draft.id = "idea";
  draft.cycle_id = "q3";
  draft.title = "Idea";
  draft.level = "team";
  Must(Member("maria", draft));
  std::vector<std::string> ids = Issue("2026-07-08");
  BOOST_TEST_REQUIRE(ids.size() == 1u);
  BOOST_TEST(OutcomeOf(ids[0], receiver.Url()).has_value());
  BOOST_TEST(receiver.Requests().size() == 1u);
}

// The driver: the weekly kinds once on the schedule's day (2026-07-08 is a
// Wednesday); what becomes due later that week waits for the next one.
BOOST_FIXTURE_TEST_CASE(driver_issues_the_weekly_kinds_on_schedule, Delivery) {
  clock().Set(NoonOf("2026-07-07"));  // a Tuesday: not the day
  DriverOptions o;
  o.interval = std::chrono::seconds(3600);
  o.schedule = *ParseWeeklySchedule("wed 09:00");
  ReminderDriver driver(&engine(), o);
  BOOST_TEST(driver.RunOnce() == 0);
  clock().Set(NoonOf("2026-07-08"));
  BOOST_TEST(driver.RunOnce() == 1);  // checkin_due nps 7 days
  BOOST_TEST(driver.RunOnce() == 0);  // done for this week
  CreateObjective draft;
  draft.id = "idea";
  draft.cycle_id = "q3";
  draft.title = "Idea";
  draft.level = "team";
  Must(Member("maria", draft));
  BOOST_TEST(driver.RunOnce() == 0);  // draft_pending waits for next week
  clock().Set(NoonOf("2026-07-15"));
  BOOST_TEST(driver.RunOnce() == 2);  // checkin_due 14 days, draft_pending
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::testing
