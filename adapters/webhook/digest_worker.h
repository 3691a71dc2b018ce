// DigestWorker: delivers the digests of each issuing run (digest.h) to one
// destination of a people channel -- a Slack incoming webhook, a Teams
// Workflows webhook or an SMTP server -- and records what reached whom
// (DigestDelivered, or DigestDeliveryFailed after the last attempt). Each
// destination has its own worker, queue and checkpoint (follower.h), so a
// dead or slow one delays only its own messages.
//
// A run is the ReminderIssued events of one IssueReminders command (one
// command id): the worker reads a run whole, past its page when it is
// longer, and checkpoints only between runs, so a crash never splits a
// run's digests. After a crash a digest whose outcome is in the log is not
// sent again; one sent without an outcome is sent again with the same id
// (Message-ID for email).
//
// Who: a person not in the people file is named by their actor on Slack
// and Teams and gets no email (there is no address); "admins" are the
// admins of the tokens file who are listed in the people file.
//
// Thread safety: Start() and Stop() from one thread; the worker runs on its
// own thread.
#ifndef OKR_ADAPTERS_WEBHOOK_DIGEST_WORKER_H_
#define OKR_ADAPTERS_WEBHOOK_DIGEST_WORKER_H_

#include <string>
#include <vector>

#include "adapters/webhook/digest.h"
#include "adapters/webhook/follower.h"
#include "adapters/webhook/people.h"

namespace okr::webhook {

struct DigestOptions : RetryPolicy {
  std::string channel;  // slack, teams or email
  std::string url;      // the webhook, or the SMTP server (mail.url)
  MailServer mail;      // email: server, sender, credentials
  Tls tls;
  std::string my_week_url;                  // where the digests link to
  const PeopleDirectory* people = nullptr;  // must outlive the worker
  std::vector<std::string> admins;          // admin actors (tokens file)
  int skip_recent_days = 0;                 // DigestSkip
  std::string actor = "okr-delivery";       // who records the outcomes
};

class DigestWorker : public LogFollower {
 public:
  // *engine and *options.people must outlive the worker.
  DigestWorker(OkrEngine* engine, DigestOptions options);
  ~DigestWorker() override;

  // InvalidArgument naming the option when the channel or URL is wrong.
  Status Start();

  // "<channel>-delivery:" and 12 hex digits of the URL's SHA-256.
  static std::string SubscriberFor(const std::string& channel,
                                   const std::string& url);

 private:
  bool HandlePage(const std::vector<RecordedEvent>& page,
                  std::uint64_t* resume_after) override;
  // The digests of one run; false when stopping or not recorded.
  bool DeliverRun(const std::vector<events::ReminderIssued>& run);
  SendResult Send(const Digest& d, const Person* person);

  const DigestOptions options_;
  std::string last_command_id_;  // the run delivered last (worker thread)
};

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_DIGEST_WORKER_H_
