#include "adapters/http/json_body.h"

#include <date/date.h>

#include <cmath>
#include <sstream>

namespace okr::http {
namespace {

// Deepest nesting of arrays and objects, outside strings.
int Depth(std::string_view s) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

const char* TypeName(const nlohmann::json& j) {
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  return "null";
}

// Whether `s` has the shape of an RFC 3339 date-time, its time and offset
// fields in range:
//   YYYY-MM-DD ("T" | "t") HH:MM:SS ["." 1*6DIGIT]
//     ("Z" | "z" | ("+" | "-") HH:MM)
// date::parse is only handed text of this shape: on some malformed text it
// converts a NaN to an integer, which is undefined behaviour (found by
// tests/fuzz/fuzz_json_body).
bool Rfc3339Shape(std::string_view s) {
  auto number = [&](std::size_t at, std::size_t n, int max) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return v <= max;
  };
  auto is = [&](std::size_t at, char c) { return at < s.size() && s[at] == c; };
  if (!number(0, 4, 9999) || !is(4, '-') || !number(5, 2, 12) || !is(7, '-') ||
      !number(8, 2, 31) || !(is(10, 'T') || is(10, 't')) ||
      !number(11, 2, 23) || !is(13, ':') || !number(14, 2, 59) ||
      !is(16, ':') || !number(17, 2, 59)) {
    return false;
  }
  std::size_t at = 19;
  if (is(at, '.')) {
    std::size_t digits = 0;
    while (number(at + 1 + digits, 1, 9)) ++digits;
    if (digits < 1 || digits > 6) return false;
    at += 1 + digits;
  }
  if (is(at, 'Z') || is(at, 'z')) return at + 1 == s.size();
  return (is(at, '+') || is(at, '-')) && number(at + 1, 2, 23) &&
         is(at + 3, ':') && number(at + 4, 2, 59) && at + 6 == s.size();
}

}  // namespace

JsonBody JsonBody::Parse(std::string_view body, bool empty_is_object) {
  JsonBody b;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (!empty_is_object) {
      b.error_ = DomainError{ErrorKind::kInvalid, "malformed-json", "",
                             "the request needs a JSON object body"};
    }
    return b;
  }
  if (Depth(body) > kMaxDepth) {
    b.error_ = DomainError{
        ErrorKind::kInvalid, "malformed-json", "",
        "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    return b;
  }
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    b.error_ = DomainError{ErrorKind::kInvalid, "malformed-json", "",
                           "the body is not valid JSON (or not valid UTF-8)"};
    return b;
  }
  if (!j.is_object()) {
    b.error_ = DomainError{ErrorKind::kInvalid, "malformed-json", "",
                           "the body must be a JSON object"};
    return b;
  }
  b.json_ = std::move(j);
  return b;
}

void JsonBody::Fail(const std::string& field, const std::string& detail) {
  if (!error_) error_ = DomainError::Invalid(field, detail);
}

const nlohmann::json* JsonBody::Get(const char* name) {
  read_.insert(name);
  if (error_) return nullptr;
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonBody::Has(const char* name) const { return json_.contains(name); }
bool JsonBody::IsNull(const char* name) const {
  auto it = json_.find(name);
  return it != json_.end() && it->is_null();
}

std::optional<std::string> JsonBody::String(const char* name) {
  const nlohmann::json* j = Get(name);
  if (j == nullptr) return std::nullopt;
  if (!j->is_string()) {
    Fail(name, std::string(name) + " must be a string, not " + TypeName(*j));
    return std::nullopt;
  }
  return j->get<std::string>();
}

std::optional<double> JsonBody::Number(const char* name) {
  const nlohmann::json* j = Get(name);
  if (j == nullptr) return std::nullopt;
  if (!j->is_number()) {
    Fail(name, std::string(name) + " must be a number, not " + TypeName(*j));
    return std::nullopt;
  }
  double v = j->get<double>();
  if (!std::isfinite(v)) {
    Fail(name, std::string(name) + " must be a finite number");
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> JsonBody::Integer(const char* name) {
  const nlohmann::json* j = Get(name);
  if (j == nullptr) return std::nullopt;
  if (j->is_number_integer()) return j->get<std::int64_t>();
  if (j->is_number_float()) {
    double v = j->get<double>();
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
      return static_cast<std::int64_t>(v);
    }
  }
  Fail(name, std::string(name) + " must be an integer");
  return std::nullopt;
}

std::optional<double> JsonBody::NumberOrBool(const char* name) {
  auto it = json_.find(name);
  if (!error_ && it != json_.end() && it->is_boolean()) {
    read_.insert(name);
    return it->get<bool>() ? 1.0 : 0.0;
  }
  return Number(name);
}

std::optional<Date> JsonBody::DateField(const char* name) {
  std::optional<std::string> s = String(name);
  if (!s) return std::nullopt;
  std::optional<Date> d = Date::Parse(*s);
  if (!d) Fail(name, std::string(name) + " must be a date YYYY-MM-DD");
  return d;
}

std::string JsonBody::RequireString(const char* name) {
  std::optional<std::string> v = String(name);
  if (!v) Fail(name, std::string(name) + " is required");
  return v.value_or("");
}

double JsonBody::RequireNumber(const char* name) {
  std::optional<double> v = Number(name);
  if (!v) Fail(name, std::string(name) + " is required");
  return v.value_or(0);
}

double JsonBody::RequireNumberOrBool(const char* name) {
  std::optional<double> v = NumberOrBool(name);
  if (!v) Fail(name, std::string(name) + " is required");
  return v.value_or(0);
}

Date JsonBody::RequireDate(const char* name) {
  std::optional<Date> v = DateField(name);
  if (!v) Fail(name, std::string(name) + " is required");
  return v.value_or(Date());
}

std::optional<DomainError> JsonBody::Finish() {
  if (!error_) {
    for (auto it = json_.begin(); it != json_.end(); ++it) {
      if (read_.count(it.key()) == 0) {
        Fail(it.key(), "unknown field \"" + it.key() + "\"");
        break;
      }
    }
  }
  return error_;
}

std::optional<std::int64_t> ParseInstant(std::string_view text) {
  // date::parse handles %FT%T with fractional seconds and %Ez offsets.
  if (!Rfc3339Shape(text)) return std::nullopt;
  std::string s(text);
  s[10] = 'T';
  using us = std::chrono::microseconds;
  date::sys_time<us> t;
  std::istringstream in(s);
  if (s.back() == 'Z' || s.back() == 'z') {
    s.back() = 'Z';
    in.str(s);
    in >> date::parse("%FT%TZ", t);
  } else {
    std::chrono::minutes offset{};
    in >> date::parse("%FT%T%Ez", t, offset);
  }
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  // In UTC too the year must be 0000-9999, the years an instant is printed
  // back in: an offset can carry 9999-12-31T23:59:59-05:30 into 10000.
  constexpr date::sys_days kFirst{date::year{0} / 1 / 1};
  constexpr date::sys_days kEnd{date::year{10000} / 1 / 1};
  if (t < kFirst || t >= kEnd) return std::nullopt;
  return t.time_since_epoch().count();
}

}  // namespace okr::http
