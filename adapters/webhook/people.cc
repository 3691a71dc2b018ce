#include "adapters/webhook/people.h"

#include <nlohmann/json.hpp>
#include <set>

#include "adapters/http/tokens.h"
#include "events/utf8.h"

namespace okr::webhook {
namespace {

// An actor as the tokens file writes one: no spaces or control bytes.
bool ValidActor(const std::string& a) {
  if (a.empty() || a.size() > 200 || !IsValidUtf8(a)) return false;
  for (unsigned char c : a) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

bool IsEmailAddress(const std::string& e) {
  if (e.size() < 3 || e.size() > 254) return false;
  std::size_t at = e.find('@');
  if (at == 0 || at == std::string::npos || at + 1 == e.size() ||
      e.find('@', at + 1) != std::string::npos || at > 64) {
    return false;
  }
  for (unsigned char c : e) {
    if (c <= 0x20 || c >= 0x7f ||
        std::string("\"(),:;<>[\\]").find(c) != std::string::npos) {
      return false;
    }
  }
  const std::string domain = e.substr(at + 1);
  return domain.find('.') != std::string::npos && domain.front() != '.' &&
         domain.back() != '.' && domain.find("..") == std::string::npos;
}

namespace {

// Slack member ids: U or W, then capitals and digits.
bool ValidSlackId(const std::string& id) {
  if (id.size() < 3 || id.size() > 24 || (id[0] != 'U' && id[0] != 'W')) {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// No control characters, and none of the invisible ones that reorder or
// hide text where a name is shown (U+200B..U+200F, U+202A..U+202E,
// U+2066..U+2069, U+FEFF).
bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 200 || !IsValidUtf8(n)) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(n[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < n.size() &&
        static_cast<unsigned char>(n[i + 1]) < 0xa0) {
      return false;  // C1 controls
    }
    if (i + 2 < n.size()) {
      const unsigned char b = static_cast<unsigned char>(n[i + 1]);
      const unsigned char d = static_cast<unsigned char>(n[i + 2]);
      if (c == 0xe2 && b == 0x80 &&
          ((d >= 0x8b && d <= 0x8f) || (d >= 0xaa && d <= 0xae))) {
        return false;
      }
      if (c == 0xe2 && b == 0x81 && d >= 0xa6 && d <= 0xa9) return false;
      if (c == 0xef && b == 0xbb && d == 0xbf) return false;
    }
  }
  return true;
}

}  // namespace

Result<People> People::Load(const std::string& path) {
  Result<std::string> text = http::ReadSecretFile("people file", path);
  if (!text.ok()) return text.status();
  return Parse(path, text.value());
}

Result<People> People::Parse(const std::string& origin,
                             const std::string& text) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("people file " + origin + ": " + what);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad("is not a JSON object");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "people") {
      return bad("has an unknown member \"" + it.key() + "\"");
    }
  }
  auto list = j.find("people");
  if (list == j.end() || !list->is_array()) {
    return bad("needs \"people\", an array");
  }
  if (list->size() > 1'000'000) return bad("has more than 1,000,000 people");
  static const std::set<std::string> kFields = {"actor",     "display_name",
                                                "email",     "slack_member_id",
                                                "time_zone", "manager"};
  People out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& e = (*list)[i];
    std::string where = "entry " + std::to_string(i + 1);
    if (!e.is_object()) return bad(where + " is not an object");
    Person p;
    auto it = e.find("actor");
    if (it == e.end() || !it->is_string() ||
        !ValidActor(it->get<std::string>())) {
      return bad(where +
                 " needs \"actor\", an actor of the tokens file (no spaces)");
    }
    p.actor = it->get<std::string>();
    where += " (\"" + p.actor + "\")";
    if (p.actor == "admins") {
      return bad(where +
                 ": \"admins\" names the admins' channel, not a person");
    }
    for (auto f = e.begin(); f != e.end(); ++f) {
      if (!kFields.count(f.key())) {
        return bad(where + " has an unknown member \"" + f.key() + "\"");
      }
      if (!f->is_string()) {
        return bad(where + ": \"" + f.key() + "\" must be a string");
      }
    }
    auto field = [&](const char* name) {
      auto f = e.find(name);
      return f == e.end() ? std::string() : f->get<std::string>();
    };
    p.display_name = field("display_name");
    if (e.contains("display_name") && !ValidName(p.display_name)) {
      return bad(where +
                 ": \"display_name\" must be 1 to 200 characters of UTF-8 "
                 "without control characters");
    }
    p.email = field("email");
    if (e.contains("email") && !IsEmailAddress(p.email)) {
      return bad(where + ": \"email\" \"" + p.email +
                 "\" is not an address such as name@example.com");
    }
    p.slack_member_id = field("slack_member_id");
    if (e.contains("slack_member_id") && !ValidSlackId(p.slack_member_id)) {
      return bad(where + ": \"slack_member_id\" \"" + p.slack_member_id +
                 "\" is not a Slack member id such as U024BE7LH");
    }
    if (e.contains("time_zone")) p.time_zone = field("time_zone");
    try {
      p.zone = date::locate_zone(p.time_zone);
    } catch (const std::exception&) {
      return bad(where + ": \"time_zone\" \"" + p.time_zone +
                 "\" is not an IANA time zone name such as Europe/Paris");
    }
    p.manager = field("manager");
    if (e.contains("manager") && !ValidActor(p.manager)) {
      return bad(where + ": \"manager\" must be an actor (no spaces)");
    }
    if (p.manager == p.actor) {
      return bad(where + ": \"manager\" is the person");
    }
    if (!out.by_actor_.emplace(p.actor, out.people_.size()).second) {
      return bad(where + " repeats an actor listed before");
    }
    out.people_.push_back(std::move(p));
  }
  return out;
}

const Person* People::Find(const std::string& actor) const {
  auto it = by_actor_.find(actor);
  return it == by_actor_.end() ? nullptr : &people_[it->second];
}

std::map<std::string, std::string> People::Managers() const {
  std::map<std::string, std::string> out;
  for (const Person& p : people_) {
    if (!p.manager.empty()) out[p.actor] = p.manager;
  }
  return out;
}

}  // namespace okr::webhook
