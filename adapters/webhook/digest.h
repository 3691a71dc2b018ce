// Digests: what one person is told on a people channel (Slack, Teams,
// email) after one issuing run -- every reminder issued for them in that
// run, grouped by objective, with a link to My week -- and the three
// renderings of it. One message per person per run, not one per reminder:
// a person who owns 15 key results gets one message listing 15.
//
// Reminders addressed to "admins" go into the digest of every admin listed
// in the people file.
//
// A digest's id is derived from what it is (channel, destination, person,
// the reminders it carries): after a crash the same digest is built again
// with the same id, so the log records it once and an email's Message-ID
// ("<id@okr-ledger>") lets a mail reader recognise a resend.
//
// Hostile text: titles and messages come from members. Slack's control
// sequences (<!channel>, <@U…>, links) are escaped out of them (&, <, >),
// email lines carry no control characters and stay under 998 octets, and
// headers hold nothing a member wrote.
//
// Thread safety: pure functions.
#ifndef OKR_ADAPTERS_WEBHOOK_DIGEST_H_
#define OKR_ADAPTERS_WEBHOOK_DIGEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/webhook/people.h"
#include "events/catalogue.h"
#include "projections/okr_state.h"
#include "projections/reminders.h"

namespace okr::webhook {

struct DigestGroup {
  std::string title;  // "Objective \"Raise NPS\" (o-1)", "KPI …", "Cycle …"
  std::vector<std::string> messages;
};

struct Digest {
  std::string channel;                    // slack, teams or email
  std::string recipient;                  // an actor
  std::vector<std::string> reminder_ids;  // in the run's order
  std::vector<DigestGroup> groups;        // by first appearance in the run
  std::string digest_id;                  // "d-" and 40 hex digits
  std::string message_id;                 // "<" digest_id "@okr-ledger>"
};

// Noise control at delivery: a check-in reminder (checkin_due,
// checkin_overdue, checkin_escalated) whose key result has had a check-in
// dated within the last `skip_recent_days` days of `today` by the time its
// digest is built is left out (the person has just done it).
struct DigestSkip {
  int skip_recent_days = 0;
  Date today;
};

// One digest per person for the reminders of one run, ordered by
// recipient. `destination` tells apart two destinations of one channel
// (the id of each differs); `admins` are the actors "admins" expands to.
std::vector<Digest> BuildDigests(const OkrState& state,
                                 const std::vector<events::ReminderIssued>& run,
                                 const std::vector<std::string>& admins,
                                 const std::string& channel,
                                 const std::string& destination,
                                 const DigestSkip& skip = {});

// Slack incoming webhook: `text` (the notification's fallback) and Block
// Kit `blocks`; the person named as <@slack_member_id> when the people file
// knows it, else by name. `person` may be null (not in the people file).
std::string SlackPayload(const Digest& d, const Person* person,
                         const std::string& my_week_url);

// Teams Workflows webhook: a message with one Adaptive Card (1.4).
std::string TeamsPayload(const Digest& d, const Person* person,
                         const std::string& my_week_url);

// An email (RFC 5322, CRLF, UTF-8 text in 8 bits) from `from` to the
// person's address, dated `now_us` (UTC microseconds).
std::string EmailMessage(const Digest& d, const Person& person,
                         const std::string& from,
                         const std::string& my_week_url, std::int64_t now_us);

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_DIGEST_H_
