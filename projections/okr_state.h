// OkrState: the current state of every cycle, objective, key result and KPI,
// folded from the log; and the views of DESIGN §5 computed from it for a
// business date `at`.
//
// Thread safety: Apply() and the views must not run concurrently; views may
// run concurrently with each other.
//
// Determinism: the state depends only on the events applied and their order.
// Views depend only on the state and `at`.
#ifndef OKR_PROJECTIONS_OKR_STATE_H_
#define OKR_PROJECTIONS_OKR_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/catalogue.h"
#include "events/envelope.h"
#include "projections/formulas.h"

namespace okr {

struct CheckIn {
  double value = 0;
  std::optional<std::int32_t> confidence;  // as recorded (may be absent)
  std::optional<std::string> note;
  Date date;
  std::uint64_t position = 0;
  std::int64_t recorded_at_us = 0;
  std::string actor;
};

struct KeyResult {
  std::string id, objective_id, title, kind, unit;
  double start = 0, target = 0, original_target = 0, weight = 1;
  bool removed = false;
  // Sorted by (date, position): the order "latest" is decided in.
  std::vector<CheckIn> check_ins;
  std::optional<events::KeyResultGraded> grade;
  std::uint64_t version = 0;
};

struct Objective {
  std::string id, cycle_id, title, description, level, owner, team;
  std::optional<std::string> parent_id;
  std::string state = "draft";  // draft | active | achieved | abandoned
  std::vector<std::string> key_results;  // in the order they were added
  std::optional<double> score;           // set when the cycle closes
  std::uint64_t version = 0;
};

struct Cycle {
  std::string id, name;
  Date starts_on, ends_on;
  std::string state = "planning";       // planning | active | closed
  std::vector<std::string> objectives;  // in the order they were created
  std::uint64_t version = 0;
};

// A key result evaluated at a date.
struct KeyResultView {
  double current = 0;
  double attainment = 0;
  double progress = 0;
  formulas::Status status = formulas::Status::kOnTrack;
  std::optional<std::int32_t> confidence;  // of the current check-in
};

struct ObjectiveView {
  double progress = 0;
  formulas::Status status = formulas::Status::kNoKeyResults;
};

class OkrState {
 public:
  // REQUIRES: events arrive in log order; `e` is the decoded `recorded`.
  void Apply(const RecordedEvent& recorded, const events::Event& e);

  const Cycle* FindCycle(const std::string& id) const;
  const Objective* FindObjective(const std::string& id) const;
  const KeyResult* FindKeyResult(const std::string& id) const;

  const std::map<std::string, Cycle>& cycles() const { return cycles_; }
  const std::map<std::string, Objective>& objectives() const {
    return objectives_;
  }

  // The key result as of business date `at`: only check-ins dated on or
  // before `at` count; before any, current = start.
  KeyResultView ViewKeyResult(const KeyResult& kr, Date at) const;
  // Weighted progress and worst status over the key results not removed.
  ObjectiveView ViewObjective(const Objective& o, Date at) const;
  // Expected progress of the objective's cycle at `at`.
  double ExpectedAt(const Cycle& c, Date at) const;
  // Ids of the objectives of `cycle` whose parent is `parent` (nullopt:
  // roots), ordered by id.
  std::vector<std::string> Children(
      const std::string& cycle, const std::optional<std::string>& parent) const;

  std::uint64_t last_position() const { return last_position_; }

 private:
  std::map<std::string, Cycle> cycles_;
  std::map<std::string, Objective> objectives_;
  std::map<std::string, KeyResult> key_results_;
  std::uint64_t last_position_ = 0;
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_OKR_STATE_H_
