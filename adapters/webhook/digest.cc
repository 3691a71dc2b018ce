#include "adapters/webhook/digest.h"

#include <date/date.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/http/json_text.h"
#include "engine/sha256.h"
#include "events/instant.h"
#include "events/utf8.h"

namespace okr::webhook {
namespace {

using nlohmann::json;

// What a reminder is about, as the digest groups it: the objective of a
// key result or the objective itself; a KPI; a cycle.
std::pair<std::string, std::string> GroupOf(const OkrState& s,
                                            const events::ReminderIssued& r) {
  const std::string& id = r.subject;
  const Objective* o = nullptr;
  if (const KeyResult* k = s.FindKeyResult(id)) {
    o = s.FindObjective(k->objective_id);
  } else {
    o = s.FindObjective(id);
  }
  if (o != nullptr && r.kind.rfind("kpi_", 0) != 0 && r.kind != "grading_due") {
    return {"objective/" + o->id,
            "Objective \"" + o->title + "\" (" + o->id + ")"};
  }
  if (const Kpi* k = s.FindKpi(id);
      k != nullptr && r.kind.rfind("kpi_", 0) == 0) {
    return {"kpi/" + k->id, "KPI \"" + k->name + "\" (" + k->id + ")"};
  }
  if (const Cycle* c = s.FindCycle(id)) {
    return {"cycle/" + c->id, "Cycle " + c->name + " (" + c->id + ")"};
  }
  return {"other/" + id, id};
}

std::string DigestId(const std::string& channel, const std::string& destination,
                     const std::string& recipient,
                     const std::vector<std::string>& ids) {
  Sha256 h;
  h.Update(channel);
  h.Update(std::string_view("\n", 1));
  h.Update(destination);
  h.Update(std::string_view("\n", 1));
  h.Update(recipient);
  for (const std::string& id : ids) {
    h.Update(std::string_view("\n", 1));
    h.Update(id);
  }
  return "d-" + HashToHex(h.Finish()).substr(0, 40);
}

// One line of plain text: valid UTF-8, control characters as spaces.
std::string OneLine(std::string_view text) {
  std::string s = ToValidUtf8(text);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return s;
}

// Slack mrkdwn: &, < and > are its control characters.
std::string SlackEscape(std::string_view text) {
  std::string out;
  for (char c : OneLine(text)) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// At most `max` bytes, cut on a character boundary, "…" when cut.
std::string Clip(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return s.substr(0, cut) + "\xe2\x80\xa6";
}

std::string Count(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " reminder" : " reminders");
}

// Slack allows 50 blocks and 3,000 characters a section.
constexpr std::size_t kSlackGroups = 45;
constexpr std::size_t kSlackSection = 2900;
// Teams: lines of a card (about 28 KB a message).
constexpr std::size_t kTeamsLines = 60;

}  // namespace

std::vector<Digest> BuildDigests(const OkrState& state,
                                 const std::vector<events::ReminderIssued>& run,
                                 const std::vector<std::string>& admins,
                                 const std::string& channel,
                                 const std::string& destination,
                                 const DigestSkip& skip) {
  struct Building {
    std::vector<std::string> ids;
    std::vector<DigestGroup> groups;
    std::map<std::string, std::size_t> group_index;
  };
  std::map<std::string, Building> by_person;
  auto checked_in_lately = [&](const events::ReminderIssued& r) {
    if (skip.skip_recent_days <= 0 || r.kind.rfind("checkin_", 0) != 0) {
      return false;
    }
    const KeyResult* k = state.FindKeyResult(r.subject);
    return k != nullptr && !k->check_ins.empty() &&
           skip.today.DaysSince(k->check_ins.back().date) <
               skip.skip_recent_days;
  };
  for (const events::ReminderIssued& r : run) {
    if (checked_in_lately(r)) continue;
    const std::pair<std::string, std::string> group = GroupOf(state, r);
    const std::string& key = group.first;
    const std::string& title = group.second;
    auto add = [&](const std::string& person) {
      Building& b = by_person[person];
      b.ids.push_back(r.reminder_id);
      auto [it, fresh] = b.group_index.emplace(key, b.groups.size());
      if (fresh) b.groups.push_back({title, {}});
      b.groups[it->second].messages.push_back(r.message);
    };
    if (r.recipient == kAdminsRecipient) {
      for (const std::string& a : admins) add(a);
    } else {
      add(r.recipient);
    }
  }
  std::vector<Digest> out;
  out.reserve(by_person.size());
  for (auto& [person, b] : by_person) {
    Digest d;
    d.channel = channel;
    d.recipient = person;
    d.digest_id = DigestId(channel, destination, person, b.ids);
    d.message_id = "<" + d.digest_id + "@okr-ledger>";
    d.reminder_ids = std::move(b.ids);
    d.groups = std::move(b.groups);
    out.push_back(std::move(d));
  }
  return out;
}

std::string SlackPayload(const Digest& d, const Person* person,
                         const std::string& my_week_url) {
  const std::string who =
      person != nullptr && !person->slack_member_id.empty()
          ? "<@" + person->slack_member_id + ">"
          : SlackEscape(person != nullptr ? person->Name() : d.recipient);
  const std::string lead =
      who + ", " + Count(d.reminder_ids.size()) + " for you in OKR Ledger";
  json blocks = json::array();
  blocks.push_back({{"type", "section"},
                    {"text", {{"type", "mrkdwn"}, {"text", lead + ":"}}}});
  std::size_t shown = 0;
  for (const DigestGroup& g : d.groups) {
    if (shown == kSlackGroups) break;
    std::string text = "*" + SlackEscape(g.title) + "*";
    for (const std::string& m : g.messages)
      text += "\n\xe2\x80\xa2 " + SlackEscape(m);
    blocks.push_back(
        {{"type", "section"},
         {"text", {{"type", "mrkdwn"}, {"text", Clip(text, kSlackSection)}}}});
    ++shown;
  }
  if (shown < d.groups.size()) {
    blocks.push_back(
        {{"type", "context"},
         {"elements",
          json::array(
              {{{"type", "mrkdwn"},
                {"text", "and " + std::to_string(d.groups.size() - shown) +
                             " more in My week"}}})}});
  }
  blocks.push_back(
      {{"type", "actions"},
       {"elements",
        json::array(
            {{{"type", "button"},
              {"text", {{"type", "plain_text"}, {"text", "Open My week"}}},
              {"url", my_week_url}}})}});
  return http::JsonText(
      {{"text", lead + ": " + my_week_url}, {"blocks", std::move(blocks)}});
}

std::string TeamsPayload(const Digest& d, const Person* person,
                         const std::string& my_week_url) {
  // Member-written text goes in TextRuns of RichTextBlocks, which render
  // plain text: no Markdown link or emphasis can be planted through a
  // title. Teams takes about 28 KB a message: at most kTeamsLines lines.
  auto plain = [](const std::string& text, bool bold) {
    json run = {{"type", "TextRun"}, {"text", Clip(OneLine(text), 1000)}};
    if (bold) run["weight"] = "Bolder";
    return json{{"type", "RichTextBlock"}, {"inlines", json::array({run})}};
  };
  json body = json::array();
  body.push_back(plain((person != nullptr ? person->Name() : d.recipient) +
                           ": " + Count(d.reminder_ids.size()) +
                           " in OKR Ledger",
                       true));
  std::size_t lines = 0, left = d.reminder_ids.size();
  for (const DigestGroup& g : d.groups) {
    if (lines + 1 >= kTeamsLines) break;
    body.push_back(plain(g.title, true));
    ++lines;
    for (const std::string& m : g.messages) {
      if (lines >= kTeamsLines) break;
      body.push_back(plain("- " + m, false));
      ++lines;
      --left;
    }
  }
  if (left > 0) {
    body.push_back(plain("and " + Count(left) + " more in My week", false));
  }
  json card = {
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.4"},
      {"body", std::move(body)},
      {"actions", json::array({{{"type", "Action.OpenUrl"},
                                {"title", "Open My week"},
                                {"url", my_week_url}}})}};
  return http::JsonText(
      {{"type", "message"},
       {"attachments",
        json::array(
            {{{"contentType", "application/vnd.microsoft.card.adaptive"},
              {"contentUrl", nullptr},
              {"content", std::move(card)}}})}});
}

namespace {

// RFC 5322 date-time in UTC: "Tue, 01 Dec 2026 09:00:00 +0000".
std::string MailDate(std::int64_t now_us) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  using namespace std::chrono;
  const sys_seconds t{seconds(now_us / 1'000'000)};
  const auto day = floor<days>(t);
  const date::year_month_day ymd{day};
  const date::weekday wd{day};
  const auto hms = date::hh_mm_ss<seconds>(t - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kDays[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// A body line: one line of text under 998 octets (RFC 5322), CRLF ended.
std::string MailLine(std::string_view text) {
  return Clip(OneLine(text), 900) + "\r\n";
}

}  // namespace

std::string EmailMessage(const Digest& d, const Person& person,
                         const std::string& from,
                         const std::string& my_week_url, std::int64_t now_us) {
  std::string m;
  m += "From: OKR Ledger <" + from + ">\r\n";
  m += "To: <" + person.email + ">\r\n";
  m += "Subject: OKR reminders: " + Count(d.reminder_ids.size()) +
       " for you\r\n";
  m += "Date: " + MailDate(now_us) + "\r\n";
  m += "Message-ID: " + d.message_id + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Okr-Digest: " + d.digest_id + "\r\n";
  m += "\r\n";
  m += MailLine("Hello " + person.Name() + ",");
  m += "\r\n";
  m += MailLine(Count(d.reminder_ids.size()) + " for you in OKR Ledger:");
  for (const DigestGroup& g : d.groups) {
    m += "\r\n";
    m += MailLine(g.title);
    for (const std::string& msg : g.messages) m += MailLine("  - " + msg);
  }
  m += "\r\n";
  m += MailLine("Check in from My week: " + my_week_url);
  return m;
}

}  // namespace okr::webhook
