#include "adapters/http/json_body.h"

#include <cmath>

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

}  // namespace okr::http
