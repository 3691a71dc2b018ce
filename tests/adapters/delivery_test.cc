// Reminders that reach people: the people file, the weekly schedule in each
// person's time zone, escalation and the recent check-in skip, and the
// digests as Slack, Teams and email render them.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "adapters/cli/reminder_driver.h"
#include "adapters/webhook/digest.h"
#include "adapters/webhook/people.h"
#include "adapters/webhook/transport.h"
#include "events/event_codec.h"
#include "events/instant.h"
#include "projections/reminders.h"
#include "tests/support/engine_harness.h"

namespace okr::testing {
namespace {

using nlohmann::json;

std::int64_t At(const char* instant) { return *ParseInstant(instant); }

std::string ErrorOf(const std::string& text) {
  Result<webhook::People> p = webhook::People::Parse("people.json", text);
  return p.ok() ? "" : p.status().ToString();
}

// Two objectives of one quarter: maria's "love" aligned under carol's
// "company", each with a key result added 07-01 and never checked in.
struct Org : EngineHarness {
  Org() : EngineHarness("2026-07-01") {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    Objective("company", "carol", std::nullopt);
    Objective("love", "maria", "company");
    KeyResult("company", "revenue", "carol");
    KeyResult("love", "nps", "maria");
  }
  void Objective(const char* id, const char* owner,
                 std::optional<std::string> parent) {
    CreateObjective o;
    o.id = id;
    o.cycle_id = "q3";
    o.title = std::string("Title of ") + id;
    o.level = "team";
    o.parent_id = parent;
    Must(Member(owner, o));
    Must(Member(owner, TransitionObjective{id, ObjectiveAction::kActivate,
                                           std::nullopt}));
  }
  void KeyResult(const char* objective, const char* id, const char* owner) {
    AddKeyResult k;
    k.objective_id = objective;
    k.id = id;
    k.title = std::string("KR ") + id;
    k.kind = "metric";
    k.start = 0;
    k.target = 10;
    Must(Member(owner, k));
  }
  std::vector<DueReminder> Due(const char* at, const ReminderPolicy& p = {}) {
    std::vector<DueReminder> out;
    engine().Read([&](const OkrState& s) { out = DueReminders(s, D(at), p); });
    return out;
  }
  static int CountKind(const std::vector<DueReminder>& due, const char* kind,
                       const char* recipient = nullptr) {
    int n = 0;
    for (const DueReminder& r : due) {
      n += r.kind == kind && (recipient == nullptr || r.recipient == recipient);
    }
    return n;
  }
  // The ReminderIssued events of the log, in order.
  std::vector<events::ReminderIssued> Issued() {
    std::vector<events::ReminderIssued> out;
    auto all = engine().store().ReadAll(1, 100000);
    for (const RecordedEvent& e : all.value()) {
      events::Event x;
      std::string error;
      if (e.type == "ReminderIssued" && events::Decode(e, &x, &error)) {
        out.push_back(std::get<events::ReminderIssued>(x));
      }
    }
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(people_file)

BOOST_AUTO_TEST_CASE(a_good_file_loads_with_defaults) {
  Result<webhook::People> p = webhook::People::Parse("people.json",
                                                     R"({"people": [
        {"actor": "maria", "display_name": "María Ortiz",
         "email": "maria@example.com", "slack_member_id": "U024BE7LH",
         "time_zone": "Pacific/Auckland", "manager": "carol"},
        {"actor": "carol"}]})");
  BOOST_TEST_REQUIRE(p.ok(), p.status().ToString());
  const webhook::Person* maria = p.value().Find("maria");
  BOOST_TEST_REQUIRE(maria != nullptr);
  BOOST_TEST(maria->Name() == "María Ortiz");
  BOOST_TEST(maria->zone->name() == "Pacific/Auckland");
  const webhook::Person* carol = p.value().Find("carol");
  BOOST_TEST(carol->Name() == "carol");
  BOOST_TEST(carol->zone->name() == "UTC");
  BOOST_TEST((p.value().Managers() ==
              std::map<std::string, std::string>{{"maria", "carol"}}));
  BOOST_TEST(p.value().Find("nobody") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_bad_entry_is_refused_by_number_actor_and_field) {
  auto has = [](const std::string& error, const std::string& part) {
    BOOST_TEST(error.find(part) != std::string::npos, error);
  };
  has(ErrorOf(R"({"people": [{"actor": "a"}, {"actor": "b",
                 "time_zone": "Mars/Olympus"}]})"),
      "entry 2 (\"b\"): \"time_zone\" \"Mars/Olympus\"");
  has(ErrorOf(R"({"people": [{"actor": "a", "email": "not an address"}]})"),
      "entry 1 (\"a\"): \"email\"");
  has(ErrorOf(
          R"({"people": [{"actor": "a", "email": "a@b.c\r\nBcc: x@y.z"}]})"),
      "\"email\"");
  has(ErrorOf(R"({"people": [{"actor": "a", "slack_member_id": "<!here>"}]})"),
      "\"slack_member_id\"");
  has(ErrorOf(R"({"people": [{"actor": "a", "manager": "a"}]})"),
      "\"manager\" is the person");
  has(ErrorOf(R"({"people": [{"actor": "a"}, {"actor": "a"}]})"),
      "entry 2 (\"a\") repeats");
  has(ErrorOf(R"({"people": [{"actor": "a", "phone": "1"}]})"),
      "unknown member \"phone\"");
  has(ErrorOf(R"({"people": [{"display_name": "x"}]})"), "entry 1 needs");
  has(ErrorOf(R"({"people": [{"actor": "a", "display_name": 7}]})"),
      "must be a string");
  has(ErrorOf("[1,2"), "is not a JSON object");
  has(ErrorOf(R"({"people": [{"actor": "admins"}]})"),
      "names the admins' channel");
  has(ErrorOf("{\"people\": [{\"actor\": \"a\", \"display_name\": "
              "\"evil\xe2\x80\xaetxt.exe\"}]}"),
      "\"display_name\"");
  has(ErrorOf(R"({"folk": []})"), "unknown member \"folk\"");
}

// What a Slack or Teams URL may show in a message: scheme and host only.
BOOST_AUTO_TEST_CASE(urls_in_messages_keep_their_secret_out) {
  BOOST_TEST(webhook::Redacted("https://hooks.slack.com/services/T0/B0/xyz") ==
             "https://hooks.slack.com/…");
  BOOST_TEST(webhook::Redacted("https://user:pw@h.example:8443") ==
             "https://…@h.example:8443");
  BOOST_TEST(webhook::Redacted("no url") == "(not a URL)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reminder_schedule)

BOOST_AUTO_TEST_CASE(parses_a_weekday_and_a_time) {
  auto s = ParseWeeklySchedule("MON 09:00");
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->weekday == 1u);
  BOOST_TEST(s->time.count() == 9 * 60);
  BOOST_TEST(ParseWeeklySchedule("sun 23:59")->weekday == 0u);
  BOOST_TEST(ParseWeeklySchedule("always")->always);
  for (const char* bad : {"MON 24:00", "MON 9:00", "MONDAY 09:00", "XYZ 09:00",
                          "MON 09:60", "", "MON  09:00"}) {
    BOOST_TEST(!ParseWeeklySchedule(bad).has_value(), bad);
  }
}

// 2026-07-12 is a Sunday. Monday 09:00 comes first in Auckland (UTC+12 in
// July), then in UTC, then in Los Angeles (UTC-7).
BOOST_AUTO_TEST_CASE(each_time_zone_reaches_monday_nine_on_its_own) {
  const WeeklySchedule s = *ParseWeeklySchedule("MON 09:00");
  const auto* akl = date::locate_zone("Pacific/Auckland");
  const auto* utc = date::locate_zone("UTC");
  const auto* la = date::locate_zone("America/Los_Angeles");
  const Date monday = D("2026-07-13");
  // Sunday 20:59 UTC is Monday 08:59 in Auckland: not yet.
  BOOST_TEST(!WeeklyRunDate(s, akl, At("2026-07-12T20:59:00Z")));
  BOOST_TEST((WeeklyRunDate(s, akl, At("2026-07-12T21:00:00Z")) == monday));
  BOOST_TEST(!WeeklyRunDate(s, utc, At("2026-07-12T21:00:00Z")));
  BOOST_TEST(!WeeklyRunDate(s, utc, At("2026-07-13T08:59:59Z")));
  BOOST_TEST((WeeklyRunDate(s, utc, At("2026-07-13T09:00:00Z")) == monday));
  BOOST_TEST(!WeeklyRunDate(s, la, At("2026-07-13T15:59:00Z")));
  BOOST_TEST((WeeklyRunDate(s, la, At("2026-07-13T16:00:00Z")) == monday));
  // Monday ends at local midnight: 12:00 UTC Monday is Tuesday in Auckland.
  BOOST_TEST(!WeeklyRunDate(s, akl, At("2026-07-13T12:00:00Z")));
  BOOST_TEST((WeeklyRunDate(s, la, At("2026-07-14T06:59:00Z")) == monday));
}

// On a virtual clock: maria (Auckland) is reminded on her Monday while it is
// still Sunday in UTC, evaluated for her local date; carol (UTC) on hers.
BOOST_FIXTURE_TEST_CASE(the_driver_issues_for_each_zone_at_its_time, Org) {
  webhook::PeopleDirectory people;
  Result<webhook::People> p = webhook::People::Parse(
      "people.json",
      R"({"people": [{"actor": "maria", "time_zone": "Pacific/Auckland"}]})");
  BOOST_TEST_REQUIRE(p.ok());
  people.Set(std::move(p.value()));
  DriverOptions o;
  o.schedule = *ParseWeeklySchedule("MON 09:00");
  o.people = &people;
  ReminderDriver driver(&engine(), o);
  clock().Set(At("2026-07-12T20:00:00Z"));  // Monday 08:00 in Auckland
  BOOST_TEST(driver.RunOnce() == 0);
  clock().Set(At("2026-07-12T21:30:00Z"));  // Monday 09:30 in Auckland
  BOOST_TEST(driver.RunOnce() == 1);
  BOOST_TEST(driver.RunOnce() == 0);  // once a week
  std::vector<events::ReminderIssued> issued = Issued();
  BOOST_TEST_REQUIRE(issued.size() == 1u);
  BOOST_TEST(issued[0].recipient == "maria");
  BOOST_TEST(issued[0].kind == "checkin_due");
  BOOST_TEST((issued[0].at == D("2026-07-13")));  // her date, not UTC's
  clock().Set(At("2026-07-13T09:00:00Z"));        // Monday 09:00 in UTC
  BOOST_TEST(driver.RunOnce() == 1);              // carol's
  issued = Issued();
  BOOST_TEST_REQUIRE(issued.size() == 2u);
  BOOST_TEST(issued[1].recipient == "carol");
  BOOST_TEST(driver.RunOnce() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(escalation_and_skip)

// 21 days without a check-in: maria's key result escalates to carol, who
// owns the parent objective; carol's own (no parent) to her manager from
// the people file, and to no one without one.
BOOST_FIXTURE_TEST_CASE(escalates_up_the_alignment_or_to_the_manager, Org) {
  std::vector<DueReminder> due = Due("2026-07-22");
  BOOST_TEST(CountKind(due, "checkin_escalated") == 1);
  BOOST_TEST(CountKind(due, "checkin_escalated", "carol") == 1);
  BOOST_TEST(CountKind(due, "checkin_overdue", "admins") == 2);
  ReminderPolicy p;
  p.managers = {{"carol", "dana"}, {"maria", "erin"}};
  due = Due("2026-07-22", p);
  BOOST_TEST(CountKind(due, "checkin_escalated") == 2);
  BOOST_TEST(CountKind(due, "checkin_escalated", "carol") == 1);  // parent
  BOOST_TEST(CountKind(due, "checkin_escalated", "dana") == 1);   // manager
  for (const DueReminder& r : due) {
    if (r.kind == "checkin_escalated" && r.recipient == "carol") {
      BOOST_TEST(r.key == "nps/2026-07-01");
      BOOST_TEST(r.subject == "nps");
    }
  }
  BOOST_TEST(Due("2026-07-21").size() == Due("2026-07-21", p).size());
  BOOST_TEST(CountKind(Due("2026-07-21", p), "checkin_escalated") == 0);
}

// A check-in dated within the last skip_recent_days days leaves the key
// result out of the check-in kinds.
BOOST_FIXTURE_TEST_CASE(a_recent_check_in_leaves_the_key_result_out, Org) {
  clock().Set(NoonOf("2026-07-20"));
  RecordCheckIn c;
  c.kr_id = "nps";
  c.value = 3;
  c.date = D("2026-07-19");
  Must(Member("maria", c));
  ReminderPolicy p;
  p.skip_recent_days = 10;
  // At 07-29 the check-in is 10 days old: due again (7 days or more).
  BOOST_TEST(CountKind(Due("2026-07-28", p), "checkin_due", "maria") == 0);
  BOOST_TEST(CountKind(Due("2026-07-29", p), "checkin_due", "maria") == 1);
  BOOST_TEST(CountKind(Due("2026-07-28"), "checkin_due", "maria") == 1);
  // Carol's key result, never checked in, is not silenced.
  BOOST_TEST(CountKind(Due("2026-07-28", p), "checkin_due", "carol") == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(digests)

// Every reminder of a run for one person is one digest, grouped by
// objective; "admins" go to each admin listed; ids are stable.
BOOST_FIXTURE_TEST_CASE(one_digest_per_person_per_run, Org) {
  clock().Set(NoonOf("2026-07-22"));
  Must(Admin(IssueReminders{D("2026-07-22"), std::nullopt}));
  std::vector<events::ReminderIssued> run = Issued();
  BOOST_TEST_REQUIRE(run.size() == 7u);  // 2x2 due, 2 overdue, 1 escalated
  std::vector<webhook::Digest> d;
  engine().Read([&](const OkrState& s) {
    d = webhook::BuildDigests(s, run, {"root"}, "slack", "https://h/1");
  });
  BOOST_TEST_REQUIRE(d.size() == 3u);  // carol, maria, root (admins)
  BOOST_TEST(d[0].recipient == "carol");
  BOOST_TEST(d[0].reminder_ids.size() == 3u);    // 2 due, 1 escalated
  BOOST_TEST_REQUIRE(d[0].groups.size() == 2u);  // her objective, maria's
  BOOST_TEST(d[1].recipient == "maria");
  BOOST_TEST(d[1].reminder_ids.size() == 2u);
  BOOST_TEST_REQUIRE(d[1].groups.size() == 1u);
  BOOST_TEST(d[1].groups[0].title == "Objective \"Title of love\" (love)");
  BOOST_TEST(d[1].groups[0].messages.size() == 2u);
  BOOST_TEST(d[2].recipient == "root");
  BOOST_TEST(d[2].reminder_ids.size() == 2u);
  BOOST_TEST(d[1].message_id == "<" + d[1].digest_id + "@okr-ledger>");
  BOOST_TEST(d[1].digest_id.size() == 42u);
  // Built again: the same ids. Another destination or channel: others.
  std::vector<webhook::Digest> again, other, email;
  engine().Read([&](const OkrState& s) {
    again = webhook::BuildDigests(s, run, {"root"}, "slack", "https://h/1");
    other = webhook::BuildDigests(s, run, {"root"}, "slack", "https://h/2");
    email = webhook::BuildDigests(s, run, {"root"}, "email", "https://h/1");
  });
  BOOST_TEST(again[1].digest_id == d[1].digest_id);
  BOOST_TEST(other[1].digest_id != d[1].digest_id);
  BOOST_TEST(email[1].digest_id != d[1].digest_id);
  // Without admins listed, "admins" reach no one.
  engine().Read([&](const OkrState& s) {
    BOOST_TEST(webhook::BuildDigests(s, run, {}, "slack", "x").size() == 2u);
  });
}

webhook::Digest Sample() {
  webhook::Digest d;
  d.channel = "slack";
  d.recipient = "maria";
  d.reminder_ids = {"r-1", "r-2"};
  d.groups = {{"Objective \"<!channel> & co\" (o-1)",
               {"Time to check in <@U999>", "Second\r\nBcc: evil@x.y"}}};
  d.digest_id = "d-0123";
  d.message_id = "<d-0123@okr-ledger>";
  return d;
}

BOOST_AUTO_TEST_CASE(slack_mentions_the_person_and_escapes_what_members_wrote) {
  webhook::Person p;
  p.actor = "maria";
  p.slack_member_id = "U024BE7LH";
  json j =
      json::parse(webhook::SlackPayload(Sample(), &p, "https://okr/#/week"));
  BOOST_TEST(
      j["text"].get<std::string>().rfind("<@U024BE7LH>, 2 reminders", 0) == 0);
  const std::string all = j.dump();
  BOOST_TEST(all.find("<!channel>") == std::string::npos);
  BOOST_TEST(all.find("&lt;!channel&gt; &amp; co") != std::string::npos);
  BOOST_TEST(all.find("<@U999>") == std::string::npos);
  BOOST_TEST_REQUIRE(j["blocks"].is_array());
  BOOST_TEST(j["blocks"].size() == 3u);  // lead, the objective, the button
  BOOST_TEST(j["blocks"][1]["type"] == "section");
  BOOST_TEST(j["blocks"][1]["text"]["type"] == "mrkdwn");
  BOOST_TEST(j["blocks"][2]["elements"][0]["url"] == "https://okr/#/week");
  // Not in the people file: named by actor, no mention.
  json k = json::parse(webhook::SlackPayload(Sample(), nullptr, "u"));
  BOOST_TEST(k["text"].get<std::string>().rfind("maria, 2 reminders", 0) == 0);
}

BOOST_AUTO_TEST_CASE(teams_gets_an_adaptive_card_naming_the_person) {
  webhook::Person p;
  p.actor = "maria";
  p.display_name = "María Ortiz";
  json j =
      json::parse(webhook::TeamsPayload(Sample(), &p, "https://okr/#/week"));
  BOOST_TEST(j["type"] == "message");
  const json& a = j["attachments"][0];
  BOOST_TEST(a["contentType"] == "application/vnd.microsoft.card.adaptive");
  BOOST_TEST(a["content"]["type"] == "AdaptiveCard");
  BOOST_TEST(a["content"]["version"] == "1.4");
  const json& first = a["content"]["body"][0];
  BOOST_TEST(first["type"] == "RichTextBlock");  // plain text, no Markdown
  BOOST_TEST(first["inlines"][0]["type"] == "TextRun");
  BOOST_TEST(first["inlines"][0]["text"] ==
             "María Ortiz: 2 reminders in OKR Ledger");
  BOOST_TEST(a["content"]["actions"][0]["type"] == "Action.OpenUrl");
  BOOST_TEST(a["content"]["actions"][0]["url"] == "https://okr/#/week");
  BOOST_TEST(a["content"]["body"].size() == 4u);  // lead, title, 2 items
}

BOOST_AUTO_TEST_CASE(an_email_has_its_message_id_and_no_injected_header) {
  webhook::Person p;
  p.actor = "maria";
  p.email = "maria@example.com";
  const std::string m =
      webhook::EmailMessage(Sample(), p, "okr@example.com",
                            "https://okr/#/week", At("2026-12-07T09:00:00Z"));
  const std::string head = m.substr(0, m.find("\r\n\r\n") + 2);
  BOOST_TEST(head.find("From: OKR Ledger <okr@example.com>\r\n") !=
             std::string::npos);
  BOOST_TEST(head.find("To: <maria@example.com>\r\n") != std::string::npos);
  BOOST_TEST(head.find("Subject: OKR reminders: 2 reminders for you\r\n") !=
             std::string::npos);
  BOOST_TEST(head.find("Message-ID: <d-0123@okr-ledger>\r\n") !=
             std::string::npos);
  BOOST_TEST(head.find("Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n") !=
             std::string::npos);
  BOOST_TEST(m.find("\r\nBcc:") == std::string::npos);
  BOOST_TEST(m.find("Second  Bcc: evil@x.y") != std::string::npos);
  // Every line ends in CRLF, no bare LF or CR.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') BOOST_TEST((i > 0 && m[i - 1] == '\r'));
    if (m[i] == '\r') BOOST_TEST((i + 1 < m.size() && m[i + 1] == '\n'));
  }
  BOOST_TEST(m.find("https://okr/#/week") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::testing
