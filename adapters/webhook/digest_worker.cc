#include "adapters/webhook/digest_worker.h"

#include <iostream>

#include "engine/sha256.h"
#include "events/event_codec.h"

namespace okr::webhook {
namespace {

// The ReminderIssued payload of `e`; false (said on stderr) when it does
// not decode: such an event is skipped, as the webhook worker does.
bool DecodeIssued(const RecordedEvent& e, events::ReminderIssued* out) {
  events::Event decoded;
  std::string error;
  if (!events::Decode(e, &decoded, &error)) {
    std::cerr << "okr: digest delivery: position " << e.position << ": "
              << error << "\n";
    return false;
  }
  *out = std::get<events::ReminderIssued>(std::move(decoded));
  return true;
}

}  // namespace

std::string DigestWorker::SubscriberFor(const std::string& channel,
                                        const std::string& url) {
  return channel + "-delivery:" + HashToHex(Sha256Of(url)).substr(0, 12);
}

DigestWorker::DigestWorker(OkrEngine* engine, DigestOptions options)
    : LogFollower(engine, SubscriberFor(options.channel, options.url)),
      options_(std::move(options)) {}

DigestWorker::~DigestWorker() { Stop(); }

Status DigestWorker::Start() {
  const std::string& c = options_.channel;
  if (c == "email") {
    if (!ParseEndpoint(options_.url, {"smtp", "smtps"})) {
      return Status::InvalidArgument(
          "--smtp must be smtp://host[:port] (STARTTLS) or "
          "smtps://host[:port], not \"" +
          Redacted(options_.url) + "\"");
    }
  } else if (c == "slack" || c == "teams") {
    if (!ParseEndpoint(options_.url, {"https"})) {
      return Status::InvalidArgument("--" + c +
                                     "-webhook must be an https:// URL "
                                     "without a user name or password, not "
                                     "\"" +
                                     Redacted(options_.url) + "\"");
    }
  } else {
    return Status::InvalidArgument("no channel \"" + c + "\"");
  }
  if (options_.people == nullptr) {
    return Status::InvalidArgument("a digest worker needs a people directory");
  }
  StartThread();
  return Status::OK();
}

bool DigestWorker::HandlePage(const std::vector<RecordedEvent>& page,
                              std::uint64_t* resume_after) {
  for (std::size_t i = 0; i < page.size(); ++i) {
    const RecordedEvent& e = page[i];
    if (e.type != events::ReminderIssued::kType ||
        e.command_id == last_command_id_) {
      continue;
    }
    // A new run: its events are contiguous (one command, one batch).
    const std::string command = e.command_id;
    std::vector<events::ReminderIssued> run;
    std::uint64_t last = e.position;
    std::size_t j = i;
    for (; j < page.size() && page[j].command_id == command; ++j) {
      events::ReminderIssued r;
      if (page[j].type == events::ReminderIssued::kType &&
          DecodeIssued(page[j], &r)) {
        run.push_back(std::move(r));
      }
      last = page[j].position;
    }
    if (j == page.size()) {
      // The run may go on past the page: read it to its end.
      for (bool more = true; more;) {
        auto next = engine_->store().ReadAll(last + 1, 1024);
        if (!next.ok()) return false;
        more = !next.value().empty();
        for (const RecordedEvent& x : next.value()) {
          if (x.command_id != command) {
            more = false;
            break;
          }
          events::ReminderIssued r;
          if (x.type == events::ReminderIssued::kType && DecodeIssued(x, &r)) {
            run.push_back(std::move(r));
          }
          last = x.position;
        }
      }
      *resume_after = std::max(*resume_after, last);
    }
    if (!DeliverRun(run)) return false;
    last_command_id_ = command;
    i = j - 1;
  }
  return true;
}

bool DigestWorker::DeliverRun(const std::vector<events::ReminderIssued>& run) {
  if (run.empty()) return true;
  std::shared_ptr<const People> people = options_.people->Get();
  std::vector<std::string> admins;
  for (const std::string& a : options_.admins) {
    if (people->Find(a) != nullptr) admins.push_back(a);
  }
  std::vector<Digest> digests;
  WaitForOwnRecords();
  const DigestSkip skip{options_.skip_recent_days, engine_->Today()};
  engine_->Read([&](const OkrState& s) {
    digests =
        BuildDigests(s, run, admins, options_.channel, options_.url, skip);
    std::erase_if(digests, [&](const Digest& d) {
      return s.digests().count(d.digest_id) != 0;  // recorded before
    });
  });
  for (const Digest& d : digests) {
    const Person* person = people->Find(d.recipient);
    if (options_.channel == "email" &&
        (person == nullptr || person->email.empty())) {
      continue;  // no address: nobody to send it to
    }
    auto sent =
        SendWithRetries(options_, d.digest_id, [&] { return Send(d, person); });
    if (!sent) return false;  // stopping: sent again after a restart
    if (!Record(options_.actor, d.digest_id,
                RecordDigestOutcome{d.digest_id, d.channel, d.recipient,
                                    d.reminder_ids, d.message_id, sent->second,
                                    sent->first.ok, sent->first.error})) {
      return false;
    }
  }
  return true;
}

SendResult DigestWorker::Send(const Digest& d, const Person* person) {
  if (options_.channel == "email") {
    return SendMail(options_.mail, person->email,
                    EmailMessage(d, *person, options_.mail.from,
                                 options_.my_week_url, engine_->NowMicros()),
                    options_.tls, options_.timeout);
  }
  const std::string body = options_.channel == "slack"
                               ? SlackPayload(d, person, options_.my_week_url)
                               : TeamsPayload(d, person, options_.my_week_url);
  return Post(
      options_.url,
      {{"Content-Type", "application/json"}, {"Idempotency-Key", d.digest_id}},
      body, options_.tls, options_.timeout);
}

}  // namespace okr::webhook
