// Fuzz target: the people file (`okr serve --people`, adapters/webhook/
// people.h) and what its entries flow into: the Slack, Teams and email
// renderings of a digest (adapters/webhook/digest.h).
//
// Input: the bytes are the file's text.
// Invariants:
//   - nothing crashes or reads out of bounds (ASan);
//   - a file that loads has each actor once, a time zone for everyone and
//     every email an address by IsEmailAddress;
//   - for each person, an email digest's header block is exactly the 10
//     header lines the renderer writes (no entry can add a header), every
//     line ends in CRLF and none is longer than 998 octets; the Slack and
//     Teams payloads are JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "adapters/webhook/digest.h"
#include "adapters/webhook/people.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckEmail(const std::string& m) {
  std::size_t end = m.find("\r\n\r\n");
  Check(end != std::string::npos);
  int headers = 0;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      Check(i > 0 && m[i - 1] == '\r');
      Check(i - line_start <= 998);
      if (i < end + 2) ++headers;
      line_start = i + 1;
    } else if (m[i] == '\r') {
      Check(i + 1 < m.size() && m[i + 1] == '\n');
    }
  }
  Check(headers == 10);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  okr::Result<okr::webhook::People> people =
      okr::webhook::People::Parse("fuzz", text);
  if (!people.ok()) return 0;
  std::set<std::string> actors;
  for (const okr::webhook::Person& p : people.value().all()) {
    Check(actors.insert(p.actor).second);
    Check(p.zone != nullptr);
    Check(p.email.empty() || okr::webhook::IsEmailAddress(p.email));
    Check(people.value().Find(p.actor) == &p);
    okr::webhook::Digest d;
    d.channel = "email";
    d.recipient = p.actor;
    d.reminder_ids = {"r-1"};
    d.groups = {{p.Name(), {p.display_name + "\r\n" + p.manager}}};
    d.digest_id = "d-1";
    d.message_id = "<d-1@okr-ledger>";
    if (!p.email.empty()) {
      CheckEmail(okr::webhook::EmailMessage(d, p, "okr@example.com",
                                            "https://okr/#/week", 0));
    }
    Check(!nlohmann::json::parse(okr::webhook::SlackPayload(d, &p, "u"),
                                 nullptr, false)
               .is_discarded());
    Check(!nlohmann::json::parse(okr::webhook::TeamsPayload(d, &p, "u"),
                                 nullptr, false)
               .is_discarded());
  }
  return 0;
}
