// RequestTarget: the path and query of an HTTP request target, decoded and
// checked at the door, and the strict parsers of the log's paging
// parameters that GET /v1/events and its live stream share.
//
// Thread safety: plain values and pure functions.
//
// Every byte of a target is hostile: percent-decoded paths, parameter names
// and values must be valid UTF-8 (RFC 3629), or the request is refused
// before any route runs (400 `invalid-utf8`, naming the parameter).
#ifndef OKR_ADAPTERS_HTTP_REQUEST_TARGET_H_
#define OKR_ADAPTERS_HTTP_REQUEST_TARGET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/domain_error.h"

namespace okr::http {

struct RequestTarget {
  std::string path;                          // percent-decoded
  std::vector<std::string> segments;         // the path split at '/'
  std::map<std::string, std::string> query;  // decoded; the last one wins

  const std::string* Query(const char* name) const {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  }
};

// Decodes `target` ("/v1/x?a=1&b=%20"): '+' in the query is a space, a '%'
// not followed by two hex digits stays as it is. *error is set (and false
// returned) when the path or a query name or value is not valid UTF-8
// once decoded; the field named is "path", the parameter's name, or
// "query" when the name itself is not UTF-8.
bool ParseRequestTarget(std::string_view target, RequestTarget* out,
                        DomainError* error);

// The refusal of a header value that is kept (Idempotency-Key) or a text
// that is not valid UTF-8; nullopt when it is.
std::optional<DomainError> CheckUtf8(const std::string& field,
                                     std::string_view value);

// A log position for after= and Last-Event-ID: 1 to 20 ASCII digits, no
// sign, space or exponent, at most 18446744073709551615. nullopt otherwise.
std::optional<std::uint64_t> ParsePosition(std::string_view text);

// The page of the log a request asks for: `after` (absent: 0) and `limit`
// (absent: 100; 1 or more, capped at 1000). A refusal names the parameter.
struct LogPage {
  std::uint64_t after = 0;
  std::uint64_t limit = 100;
};
std::optional<DomainError> ParseLogPage(const std::string* after,
                                        const std::string* limit,
                                        LogPage* page);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_REQUEST_TARGET_H_
