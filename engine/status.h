// Status and Result: errors as values on the storage path.
//
// Thread safety: plain values; distinct objects may be used from distinct
// threads, one object from one thread at a time.
#ifndef OKR_ENGINE_STATUS_H_
#define OKR_ENGINE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace okr {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kNotFound,
    kInvalidArgument,
    kVersionConflict,      // expected_version did not hold
    kIdempotencyMismatch,  // key reused with a different request
    kCorruption,
    kIOError,
    kClosed,  // the store is shutting down
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status VersionConflict(std::string msg) {
    return Status(Code::kVersionConflict, std::move(msg));
  }
  static Status IdempotencyMismatch(std::string msg) {
    return Status(Code::kIdempotencyMismatch, std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, std::move(msg));
  }
  static Status IOError(std::string msg) {
    return Status(Code::kIOError, std::move(msg));
  }
  static Status Closed(std::string msg) {
    return Status(Code::kClosed, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsVersionConflict() const { return code_ == Code::kVersionConflict; }
  bool IsIdempotencyMismatch() const {
    return code_ == Code::kIdempotencyMismatch;
  }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsClosed() const { return code_ == Code::kClosed; }

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "version conflict: stream objective/o-1 is at 3, expected 2".
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace okr

#endif  // OKR_ENGINE_STATUS_H_
