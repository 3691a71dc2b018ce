// Problems: the one place where domain errors become HTTP statuses and
// application/problem+json bodies (RFC 9457).
//
// Thread safety: pure functions.
#ifndef OKR_ADAPTERS_HTTP_PROBLEM_H_
#define OKR_ADAPTERS_HTTP_PROBLEM_H_

#include <nlohmann/json.hpp>
#include <string>

#include "engine/domain_error.h"

namespace okr::http {

// 400, 401, 403, 404, 409, 412, 422 or 503.
int StatusOf(ErrorKind kind);

// {"type": "urn:okr-ledger:problem:<slug>", "title", "status", "detail"}
// plus "field" when one field is to blame.
nlohmann::json ProblemJson(const DomainError& error);

// A refusal of the HTTP layer itself, before any route: 400, 413, 431 or
// 503 (or 500: an answer that could not be made), titled with its reason
// phrase, in the same shape as ProblemJson.
nlohmann::json HttpProblemJson(int status, const std::string& slug,
                               const std::string& detail);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_PROBLEM_H_
