// DomainError: why a command was refused, in words a person understands.
//
// Thread safety: plain values.
//
// Every refusal has a kind (what sort of refusal: the HTTP adapter maps each
// kind to one status, in one place), a slug naming the rule
// ("focus-limit", "alignment-loop"; the problem type is
// urn:okr-ledger:problem:<slug>), the field to blame when there is one, and
// a sentence for the person who sent the command.
#ifndef OKR_ENGINE_DOMAIN_ERROR_H_
#define OKR_ENGINE_DOMAIN_ERROR_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace okr {

enum class ErrorKind {
  kInvalid,           // malformed input: a bad id, date, enum or length (400)
  kUnauthorised,      // no or unknown caller (401)
  kForbidden,         // the caller may not write this (403)
  kNotFound,          // an unknown id (404)
  kConflict,          // wrong state, duplicate id, reused idempotency key (409)
  kStale,             // If-Match no longer holds (412)
  kRule,              // a domain rule is broken (422)
  kUnsupportedMedia,  // a body in a form its route does not take (415)
  kUnavailable,       // the store failed or is closing; outcome unknown (503)
  kReadOnly,          // a write to a read replica (405)
};

const char* ErrorKindName(ErrorKind kind);

// One refused line of a file (ImportOkrs): where, which column, why.
struct LineError {
  int line = 0;
  std::string field, slug, detail;
};

struct DomainError {
  ErrorKind kind = ErrorKind::kInvalid;
  std::string slug;
  std::string field;  // empty when no single field is to blame
  std::string detail;
  // A file refused line by line: every bad line (problem+json "errors").
  std::vector<LineError> lines = {};

  static DomainError Invalid(std::string field, std::string detail) {
    return {ErrorKind::kInvalid, "invalid-" + Dashed(field), std::move(field),
            std::move(detail)};
  }
  static DomainError Forbidden(std::string detail) {
    return {ErrorKind::kForbidden, "forbidden", "", std::move(detail)};
  }
  static DomainError NotFound(std::string field, std::string detail) {
    return {ErrorKind::kNotFound, "not-found", std::move(field),
            std::move(detail)};
  }
  static DomainError Conflict(std::string slug, std::string detail,
                              std::string field = "") {
    return {ErrorKind::kConflict, std::move(slug), std::move(field),
            std::move(detail)};
  }
  static DomainError Rule(std::string slug, std::string field,
                          std::string detail) {
    return {ErrorKind::kRule, std::move(slug), std::move(field),
            std::move(detail)};
  }
  static DomainError Stale(std::string detail) {
    return {ErrorKind::kStale, "stale-version", "If-Match", std::move(detail)};
  }
  static DomainError Unavailable(std::string detail) {
    return {ErrorKind::kUnavailable, "store-unavailable", "",
            std::move(detail)};
  }

 private:
  static std::string Dashed(std::string s) {
    for (char& c : s) {
      if (c == '_') c = '-';
    }
    return s;
  }
};

// A value or the DomainError that refused it.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}            // NOLINT: implicit
  Outcome(DomainError error) : v_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok()
  T& value() {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const {
    assert(ok());
    return std::get<0>(v_);
  }
  // REQUIRES: !ok()
  const DomainError& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, DomainError> v_;
};

}  // namespace okr

#endif  // OKR_ENGINE_DOMAIN_ERROR_H_
