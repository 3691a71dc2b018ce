#include "adapters/http/problem.h"

namespace okr::http {

int StatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid:
      return 400;
    case ErrorKind::kUnauthorised:
      return 401;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kStale:
      return 412;
    case ErrorKind::kRule:
      return 422;
    case ErrorKind::kUnsupportedMedia:
      return 415;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kReadOnly:
      return 405;
  }
  return 500;
}

namespace {
const char* TitleOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid:
      return "Invalid request";
    case ErrorKind::kUnauthorised:
      return "Unauthorised";
    case ErrorKind::kForbidden:
      return "Forbidden";
    case ErrorKind::kNotFound:
      return "Not found";
    case ErrorKind::kConflict:
      return "Conflict";
    case ErrorKind::kStale:
      return "Precondition failed";
    case ErrorKind::kRule:
      return "Rule broken";
    case ErrorKind::kUnsupportedMedia:
      return "Unsupported media type";
    case ErrorKind::kUnavailable:
      return "Service unavailable";
    case ErrorKind::kReadOnly:
      return "Method not allowed";
  }
  return "Error";
}
}  // namespace

nlohmann::json ProblemJson(const DomainError& e) {
  nlohmann::json j{{"type", "urn:okr-ledger:problem:" + e.slug},
                   {"title", TitleOf(e.kind)},
                   {"status", StatusOf(e.kind)},
                   {"detail", e.detail}};
  if (!e.field.empty()) j["field"] = e.field;
  if (!e.lines.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const LineError& l : e.lines) {
      errors.push_back({{"line", l.line},
                        {"field", l.field},
                        {"type", "urn:okr-ledger:problem:" + l.slug},
                        {"detail", l.detail}});
    }
    j["errors"] = std::move(errors);
  }
  return j;
}

nlohmann::json HttpProblemJson(int status, const std::string& slug,
                               const std::string& detail) {
  const char* title = "Error";
  switch (status) {
    case 400:
      title = "Malformed request";
      break;
    case 413:
      title = "Content too large";
      break;
    case 431:
      title = "Request header fields too large";
      break;
    case 500:
      title = "Internal server error";
      break;
    case 503:
      title = "Service unavailable";
      break;
  }
  return nlohmann::json{{"type", "urn:okr-ledger:problem:" + slug},
                        {"title", title},
                        {"status", status},
                        {"detail", detail}};
}

}  // namespace okr::http
