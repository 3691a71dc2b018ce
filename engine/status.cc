#include "engine/status.h"

namespace okr {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kInvalidArgument:
      name = "invalid argument";
      break;
    case Code::kVersionConflict:
      name = "version conflict";
      break;
    case Code::kIdempotencyMismatch:
      name = "idempotency key reused";
      break;
    case Code::kCorruption:
      name = "corruption";
      break;
    case Code::kIOError:
      name = "I/O error";
      break;
    case Code::kClosed:
      name = "closed";
      break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace okr
