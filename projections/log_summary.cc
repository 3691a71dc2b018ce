#include "projections/log_summary.h"

#include <cassert>

namespace okr {

void LogSummary::Apply(const RecordedEvent& e) {
  assert(e.position > last_position_);  // REQUIRES: log order
  if (events_ == 0) first_recorded_at_ = e.recorded_at_us;
  ++events_;
  last_position_ = e.position;
  last_recorded_at_ = e.recorded_at_us;
  ++by_type_[e.type];
  streams_.insert(e.stream);
}

std::map<std::string, std::uint64_t> LogSummary::StreamsByKind() const {
  std::map<std::string, std::uint64_t> out;
  for (const std::string& s : streams_) ++out[s.substr(0, s.find('/'))];
  return out;
}

}  // namespace okr
