// LogSummary: a fold over the log that counts what it holds (events by type,
// streams by kind, the time span). `okr info` prints it.
//
// Thread safety: one thread at a time. Deterministic: the same events in the
// same order give the same summary.
#ifndef OKR_PROJECTIONS_LOG_SUMMARY_H_
#define OKR_PROJECTIONS_LOG_SUMMARY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "events/envelope.h"

namespace okr {

class LogSummary {
 public:
  // REQUIRES: events arrive in log order.
  void Apply(const RecordedEvent& e);

  std::uint64_t events() const { return events_; }
  std::uint64_t last_position() const { return last_position_; }
  std::int64_t first_recorded_at() const { return first_recorded_at_; }
  std::int64_t last_recorded_at() const { return last_recorded_at_; }
  const std::map<std::string, std::uint64_t>& by_type() const {
    return by_type_;
  }
  // Streams per kind ("objective" -> 12).
  std::map<std::string, std::uint64_t> StreamsByKind() const;
  std::size_t streams() const { return streams_.size(); }

 private:
  std::uint64_t events_ = 0;
  std::uint64_t last_position_ = 0;
  std::int64_t first_recorded_at_ = 0;
  std::int64_t last_recorded_at_ = 0;
  std::map<std::string, std::uint64_t> by_type_;
  std::set<std::string> streams_;
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_LOG_SUMMARY_H_
