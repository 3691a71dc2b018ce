// JsonBody: strict reading of a request's JSON body, field by field.
//
// Thread safety: one object per request.
//
// Strict means: the body is one JSON object (an empty body reads as {} on
// routes that allow it), nested at most kMaxDepth deep, valid UTF-8; every
// field has the type the API says; numbers are finite; and once the route
// has read what it knows, any other field is an error. The first problem
// found is kept and named (400, with the field).
#ifndef OKR_ADAPTERS_HTTP_JSON_BODY_H_
#define OKR_ADAPTERS_HTTP_JSON_BODY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "engine/domain_error.h"
#include "events/date.h"

namespace okr::http {

inline constexpr int kMaxDepth = 16;

class JsonBody {
 public:
  // Parses `body`; on malformed JSON, a non-object or too deep nesting,
  // error() is set and every getter returns nullopt.
  static JsonBody Parse(std::string_view body, bool empty_is_object = true);

  // Optional fields: nullopt when absent or null. A present value of the
  // wrong type sets error() (naming the field) and returns nullopt.
  std::optional<std::string> String(const char* name);
  std::optional<double> Number(const char* name);
  std::optional<std::int64_t> Integer(const char* name);
  // A number, or true/false read as 1/0 (boolean key results).
  std::optional<double> NumberOrBool(const char* name);
  std::optional<Date> DateField(const char* name);
  // Present (even null)? For "parent_id": null means unalign.
  bool Has(const char* name) const;
  bool IsNull(const char* name) const;

  // Required fields: absent or null sets error() ("<name> is required").
  std::string RequireString(const char* name);
  double RequireNumber(const char* name);
  double RequireNumberOrBool(const char* name);
  Date RequireDate(const char* name);

  // Call after reading every known field: unknown fields become the error.
  // Returns the first error, if any.
  std::optional<DomainError> Finish();
  const std::optional<DomainError>& error() const { return error_; }

 private:
  const nlohmann::json* Get(const char* name);
  void Fail(const std::string& field, const std::string& detail);

  nlohmann::json json_ = nlohmann::json::object();
  std::set<std::string> read_;
  std::optional<DomainError> error_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_JSON_BODY_H_
