#include "engine/domain_error.h"

namespace okr {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kUnauthorised:
      return "unauthorised";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kStale:
      return "stale";
    case ErrorKind::kRule:
      return "rule";
    case ErrorKind::kUnsupportedMedia:
      return "unsupported_media";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kReadOnly:
      return "read_only";
  }
  return "unknown";
}

}  // namespace okr
