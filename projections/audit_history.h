// AuditHistory: the audit entries of an objective (with its key results) or
// of a key result: every event with position, recorded_at, actor, type,
// stream, reason, and the field changes it made as {field, before, after}
// (the history shape of docs/openapi.yaml).
//
// Thread safety: a fold; one object per question, one thread at a time.
//
// Determinism: entries depend only on the events given and their order. A
// creation lists its initial fields with before = null; a state change
// names the state it left; a check-in shows the key result's value before
// and after it (by the (date, position) rule, so a backdated check-in may
// leave the value unchanged) and its confidence.
#ifndef OKR_PROJECTIONS_AUDIT_HISTORY_H_
#define OKR_PROJECTIONS_AUDIT_HISTORY_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "events/catalogue.h"
#include "events/envelope.h"
#include "projections/states.h"

namespace okr {

struct FieldChange {
  std::string field;
  nlohmann::json before, after;
};

struct HistoryEntry {
  std::uint64_t position = 0;
  std::int64_t recorded_at_us = 0;
  std::string actor, type, stream;
  std::optional<std::string> reason;
  std::vector<FieldChange> changes;
};

class AuditHistory {
 public:
  // REQUIRES: events of the streams asked about, in log order.
  void Apply(const RecordedEvent& recorded, const events::Event& e);
  const std::vector<HistoryEntry>& entries() const { return entries_; }

 private:
  struct KrTrack {
    std::vector<std::pair<std::pair<std::int32_t, std::uint64_t>, double>>
        check_ins;  // ((date, position), value), sorted
    double start = 0;
    std::optional<std::int32_t> confidence;
    std::optional<double> score;
  };
  std::vector<HistoryEntry> entries_;
  std::map<std::string, ObjectiveState> objective_state_;
  std::map<std::string, std::optional<double>> objective_score_;
  std::map<std::string, KrTrack> krs_;
};

nlohmann::json HistoryJson(const std::vector<HistoryEntry>& entries);

}  // namespace okr

#endif  // OKR_PROJECTIONS_AUDIT_HISTORY_H_
