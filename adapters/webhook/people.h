// People: the people directory (`okr serve --people FILE`), who each actor
// is outside the log -- name, email address, Slack member id, time zone and
// manager -- for the people channels (Slack, Teams, email), the weekly
// schedule and escalation. Personal data stays out of the immutable log
// (it could never be erased there): events name actors only.
//
// The file (README "People directory"):
//
//   {"people": [{"actor": "alice", "display_name": "Alice Ng",
//                "email": "alice@example.com", "slack_member_id": "U024BE7LH",
//                "time_zone": "Europe/Paris", "manager": "carol"}]}
//
// Every field but `actor` is optional; `time_zone` is an IANA name (default
// UTC). The file is read like the tokens file (mode 0600, owned by the
// server's user) and refused whole, naming the entry and the field, when
// anything in it is wrong: an unknown member, a repeated actor, an address
// that is not one, a time zone the system's tzdata does not know, a
// manager who is the person.
//
// Thread safety: People is immutable after Load(); PeopleDirectory's
// Get() and Set() may be called from any thread (SIGHUP reloads it).
#ifndef OKR_ADAPTERS_WEBHOOK_PEOPLE_H_
#define OKR_ADAPTERS_WEBHOOK_PEOPLE_H_

#include <date/tz.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/status.h"

namespace okr::webhook {

// local@domain: printable ASCII without spaces, quotes, angle brackets,
// commas or a second '@' (what a header and an SMTP envelope take without
// quoting), a dot in the domain, at most 254 characters.
bool IsEmailAddress(const std::string& address);

struct Person {
  std::string actor, display_name, email, slack_member_id, manager;
  std::string time_zone = "UTC";
  const date::time_zone* zone = nullptr;  // of time_zone; never null

  // display_name, or the actor without one.
  const std::string& Name() const {
    return display_name.empty() ? actor : display_name;
  }
};

class People {
 public:
  // Reads `path` as a secret file (http::ReadSecretFile) and parses it.
  static Result<People> Load(const std::string& path);
  // `origin` names the file in errors.
  static Result<People> Parse(const std::string& origin,
                              const std::string& text);

  const Person* Find(const std::string& actor) const;
  const std::vector<Person>& all() const { return people_; }
  // actor -> manager, for the people who have one.
  std::map<std::string, std::string> Managers() const;

 private:
  std::vector<Person> people_;  // in the file's order
  std::map<std::string, std::size_t> by_actor_;
};

// The people file in force; empty (no one) until Set.
class PeopleDirectory {
 public:
  PeopleDirectory() : current_(std::make_shared<const People>()) {}
  std::shared_ptr<const People> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Set(People people) {
    auto next = std::make_shared<const People>(std::move(people));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const People> current_;
};

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_PEOPLE_H_
