// OkrState: the current state of every cycle, objective, key result and KPI,
// folded from the log, with each entity's lineage (below) so that the state
// as of any earlier position can be read through it (StateView,
// projections/state_view.h, which also computes the views for a business
// date `at`; the View* methods here are StateView's on the state as it is).
//
// Thread safety: Apply() and the views must not run concurrently; views may
// run concurrently with each other.
//
// Determinism: the state depends only on the events applied and their order.
// Views depend only on the state and `at`.
//
// Two modes. The full state keeps every check-in and measurement (reads,
// time travel, snapshots). The compact state (History::kLatestOnly) keeps
// per key result only the check-ins that views of dates on or after the
// latest check-in can see -- the latest by (date, position) and the latest
// that carried a confidence -- and per KPI the latest measurement: what the
// decision thread needs to decide commands, in a fraction of the memory.
// The compact state also archives closed cycles: the objectives of a closed
// cycle and their key results leave it, only their ids stay (IdSet), since
// a closed cycle takes almost no command. ArchiveClosedCycles() does it
// after a CycleClosed (not within the fold of the closing decision, whose
// answer still shows them), and Restore() brings entities back from a full
// state for the rare command that names one (a hand grade, a note).
//
// Snapshots: the state serializes with cereal (serialize() below); the file
// format around it lives in engine/snapshot_store.h.
#ifndef OKR_PROJECTIONS_OKR_STATE_H_
#define OKR_PROJECTIONS_OKR_STATE_H_

#include <algorithm>
#include <cassert>
#include <cereal/cereal.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "events/catalogue.h"
#include "events/envelope.h"
#include "projections/formulas.h"
#include "projections/id_set.h"
#include "projections/states.h"

namespace okr {

// What views need of a check-in; its note and actor stay in the log (the
// audit history and the retrospective read them from there).
struct CheckIn {
  double value = 0;
  std::uint64_t position = 0;
  Date date;
  std::optional<std::int8_t> confidence;  // as recorded (may be absent)

  bool operator==(const CheckIn&) const = default;
};
// Snapshots copy check-ins as raw bytes (KeyResult::save below).
static_assert(std::is_trivially_copyable_v<CheckIn>);
// Whether a check-in copied in as raw bytes is one: the flag of its
// optional confidence is a bool, whose byte must be 0 or 1 (reading any
// other is undefined behaviour). Looks at the bytes only.
bool RawCheckInValid(const CheckIn& c);

struct Grade {
  double score = 0;
  std::optional<std::string> note;
  bool manual = false;

  bool operator==(const Grade&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(score, note, manual);
  }
};

// An optional value kept behind a pointer: 8 bytes where a std::optional
// takes the value's size and more, for a rare field of a numerous entity
// (a key result's grade). Reads like a std::optional; a snapshot stores it
// as one (the same bytes).
template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& o) : p_(Copy(o.p_.get())) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = Copy(o.p_.get());
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(const T& v) {
    p_ = std::make_unique<T>(v);
    return *this;
  }
  Boxed& operator=(const std::optional<T>& v) {
    p_ = Copy(v ? &*v : nullptr);
    return *this;
  }

  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  // REQUIRES: has_value().
  const T& operator*() const {
    assert(p_);
    return *p_;
  }
  const T* operator->() const { return &**this; }
  std::optional<T> optional() const {
    return p_ ? std::optional<T>(*p_) : std::nullopt;
  }

  bool operator==(const Boxed& o) const {
    return p_ ? o.p_ && *p_ == *o.p_ : !o.p_;
  }
  template <class A>
  void save(A& ar) const {
    ar(optional());
  }
  template <class A>
  void load(A& ar) {
    std::optional<T> v;
    ar(v);
    *this = v;
  }

 private:
  static std::unique_ptr<T> Copy(const T* v) {
    return v ? std::make_unique<T>(*v) : nullptr;
  }
  std::unique_ptr<T> p_;
};

// Who changed something, when and why: the retrospective lists these
// (target moves, realignments, notes) without reading the log again.
struct ChangeRecord {
  std::uint64_t position = 0;
  std::int64_t recorded_at_us = 0;
  std::string actor;
  std::optional<std::string> reason;

  bool operator==(const ChangeRecord&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(position, recorded_at_us, actor, reason);
  }
};

struct TargetChange {
  ChangeRecord record;
  double before = 0, after = 0;

  bool operator==(const TargetChange&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(record, before, after);
  }
};

// An alignment change: ObjectiveAligned (after = the new parent) or
// ObjectiveUnaligned (after = nullopt). The parent given at creation is
// not a change.
struct AlignmentChange {
  ChangeRecord record;
  std::optional<std::string> before, after;

  bool operator==(const AlignmentChange&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(record, before, after);
  }
};

// A retrospective note (RetrospectiveNoteAdded); record.reason unused.
struct RetroNote {
  ChangeRecord record;
  std::optional<std::string> objective_id;
  std::string text;

  bool operator==(const RetroNote&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(record, objective_id, text);
  }
};

// Time travel (projections/state_view.h): every event that changes a
// cycle, objective, key result or KPI after its creation -- check-ins and
// measurements aside, which carry their own positions -- leaves a Revision
// on the entity: the event's position, the entity's version after it, and
// the one field it overwrote with the value that field held before. The
// state as of position P is then the current state with the revisions past
// P undone and the positional lists (check-ins, measurements, changes,
// notes, children) cut at P: no replay, no snapshot. Only the full state
// keeps revisions; the compact one (History::kLatestOnly) drops them.
enum class Field : std::uint8_t {
  kNone,         // the event overwrote no field (a note, an alignment's
                 // record is positional): only the version moved
  kState,        // cycle or objective state (int32 of the enum)
  kTitle,        // string
  kDescription,  // string
  kOwner,        // string
  kTeam,         // string
  kParent,       // optional<string>
  kScore,        // optional<double>
  kTarget,       // double
  kWeight,       // double
  kRemoved,      // int32 (0 or 1)
  kGrade,        // GradeBefore
  kThresholds,   // KpiThresholds
  kKpi,          // optional<string>: a key result's linked KPI
};
constexpr std::uint8_t kLastField = static_cast<std::uint8_t>(Field::kKpi);

struct KpiThresholds {
  std::optional<double> healthy_min, healthy_max;
  std::int32_t cadence_days = 7;

  bool operator==(const KpiThresholds&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(healthy_min, healthy_max, cadence_days);
  }
};

// A grade as a revision holds it: behind a pointer (null: no grade), so
// that the rare grade does not make every revision as large as a grade.
struct GradeBefore {
  std::shared_ptr<const Grade> grade;

  GradeBefore() = default;
  explicit GradeBefore(const std::optional<Grade>& g)
      : grade(g ? std::make_shared<const Grade>(*g) : nullptr) {}
  explicit GradeBefore(const Boxed<Grade>& g) : GradeBefore(g.optional()) {}
  std::optional<Grade> value() const {
    return grade ? std::optional<Grade>(*grade) : std::nullopt;
  }
  bool operator==(const GradeBefore& o) const { return value() == o.value(); }
  template <class A>
  void save(A& ar) const {
    ar(value());
  }
  template <class A>
  void load(A& ar) {
    std::optional<Grade> g;
    ar(g);
    *this = GradeBefore(g);
  }
};

struct Revision {
  using Value =
      std::variant<std::monostate, std::string, std::optional<std::string>,
                   double, std::optional<double>, std::int32_t, GradeBefore,
                   KpiThresholds>;

  std::uint64_t position = 0;  // of the event
  std::uint32_t version = 0;   // the entity's version after it
  Field field = Field::kNone;
  Value before;  // the field's value before the event (type by `field`)

  bool operator==(const Revision&) const = default;
  // The value's type follows from the field, so a snapshot stores no
  // variant index, and a load refuses a field it does not know.
  template <class A>
  void save(A& ar) const {
    ar(position, version, static_cast<std::uint8_t>(field));
    std::visit(
        [&](const auto& v) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(v)>,
                                        std::monostate>) {
            ar(v);
          }
        },
        before);
  }
  template <class A>
  void load(A& ar) {
    std::uint8_t f = 0;
    ar(position, version, f);
    if (f > kLastField) throw std::runtime_error("revision field");
    field = static_cast<Field>(f);
    before = EmptyValueOf(field);
    std::visit(
        [&](auto& v) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(v)>,
                                        std::monostate>) {
            ar(v);
          }
        },
        before);
    // A state or a flag out of range would be no value of its enum.
    if (const std::int32_t* i = std::get_if<std::int32_t>(&before);
        i != nullptr && (*i < 0 || *i > kMaxStateValue)) {
      throw std::runtime_error("revision value");
    }
  }
  // The largest int32 a revision holds: ObjectiveState::kAbandoned.
  static constexpr std::int32_t kMaxStateValue = 3;
  // A value of the type `field` holds.
  static Value EmptyValueOf(Field field);
};

// What each entity carries for time travel: where it was created and the
// revisions since (oldest first).
struct Lineage {
  std::uint64_t created_position = 0;  // of the creating event
  std::uint64_t created_version = 0;   // the entity's version after it
  std::vector<Revision> revisions;

  // The entity's version at `position` by its revisions (check-ins and
  // measurements, which leave none, are counted by the caller).
  // REQUIRES: created_position <= position.
  const Revision* LastRevisionAt(std::uint64_t position) const;
  bool operator==(const Lineage&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(created_position, created_version, revisions);
  }
};

struct KeyResult {
  std::string id, objective_id, title, kind, unit;
  double start = 0, target = 0, original_target = 0, weight = 1;
  bool removed = false;
  // The KPI whose measurements become check-ins on it (KeyResultKpiLinked).
  std::optional<std::string> kpi_id;
  Date added_on;  // the date of the KeyResultAdded (for reminders)
  // Sorted by (date, position): the order "latest" is decided in.
  std::vector<CheckIn> check_ins;
  Boxed<Grade> grade;
  std::vector<TargetChange> target_changes;  // oldest first
  std::uint64_t version = 0;
  Lineage lineage;

  bool operator==(const KeyResult&) const = default;
  // Check-ins go as one block of bytes: a snapshot of ten million of them
  // loads at memory speed. Snapshots are a cache of this machine's state
  // (the header records the byte order), never an interchange format.
  template <class A>
  void save(A& ar) const {
    ar(id, objective_id, title, kind, unit, start, target, original_target,
       weight, removed, kpi_id, grade, added_on, target_changes, version,
       lineage);
    std::uint64_t n = check_ins.size();
    ar(n, cereal::binary_data(check_ins.data(), n * sizeof(CheckIn)));
  }
  template <class A>
  void load(A& ar) {
    ar(id, objective_id, title, kind, unit, start, target, original_target,
       weight, removed, kpi_id, grade, added_on, target_changes, version,
       lineage);
    std::uint64_t n = 0;
    ar(n);
    if (n > (std::uint64_t{1} << 32)) throw std::length_error("check-ins");
    // Block by block, so that a corrupt count makes us allocate no more
    // than the bytes really there (and one block): the read of the first
    // missing block throws.
    check_ins.clear();
    constexpr std::uint64_t kBlock = std::uint64_t{1} << 16;
    for (std::uint64_t done = 0; done < n;) {
      std::uint64_t k = std::min(kBlock, n - done);
      check_ins.resize(done + k);
      ar(cereal::binary_data(check_ins.data() + done, k * sizeof(CheckIn)));
      for (std::uint64_t i = done; i < done + k; ++i) {
        if (!RawCheckInValid(check_ins[i])) {
          throw std::runtime_error("check-in " + std::to_string(i) + " of " +
                                   id + " is corrupt");
        }
      }
      done += k;
    }
  }
};

struct Objective {
  std::string id, cycle_id, title, description, level, owner, team;
  std::optional<std::string> parent_id;
  ObjectiveState state = ObjectiveState::kDraft;
  std::vector<std::string> key_results;  // in the order they were added
  std::optional<double> score;           // set when the cycle closes
  std::vector<AlignmentChange> alignment_changes;  // oldest first
  std::uint64_t version = 0;
  Lineage lineage;

  bool operator==(const Objective&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(id, cycle_id, title, description, level, owner, team, parent_id,
       StateName<ObjectiveState>{state}, key_results, score, alignment_changes,
       version, lineage);
  }
};

struct Cycle {
  std::string id, name;
  Date starts_on, ends_on;
  CycleState state = CycleState::kPlanning;
  std::vector<std::string> objectives;  // in the order they were created
  std::vector<RetroNote> notes;         // oldest first
  std::uint64_t version = 0;
  Lineage lineage;

  bool operator==(const Cycle&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(id, name, starts_on, ends_on, StateName<CycleState>{state}, objectives,
       notes, version, lineage);
  }
};

struct Measurement {
  double value = 0;
  std::uint64_t position = 0;
  Date date;

  bool operator==(const Measurement&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(value, position, date);
  }
};

struct Kpi {
  std::string id, name, unit, owner;
  std::optional<double> healthy_min, healthy_max;
  std::int32_t cadence_days = 7;
  std::vector<Measurement> measurements;  // sorted by (date, position)
  Date defined_on;  // the date of the KpiDefined (for kpi_stale)
  std::uint64_t version = 0;
  Lineage lineage;

  // The latest measurement by (date, position); nullptr with none.
  const Measurement* latest() const {
    return measurements.empty() ? nullptr : &measurements.back();
  }
  bool operator==(const Kpi&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(id, name, unit, owner, healthy_min, healthy_max, cadence_days,
       measurements, defined_on, version, lineage);
  }
};

// An issued reminder (ReminderIssued) and what became of its delivery.
struct IssuedReminder {
  std::string id, kind, subject, recipient, key, message;
  Date at;  // the date it was evaluated for
  std::uint64_t position = 0;
  std::int64_t recorded_at_us = 0;
  struct Outcome {
    bool delivered = false;
    std::int32_t attempts = 0;
    std::string error;  // of the last attempt, when not delivered

    bool operator==(const Outcome&) const = default;
    template <class A>
    void serialize(A& ar) {
      ar(delivered, attempts, error);
    }
  };
  std::map<std::string, Outcome> outcomes;  // by webhook URL
  std::uint64_t version = 0;

  bool operator==(const IssuedReminder&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(id, kind, subject, recipient, key, message, at, position, recorded_at_us,
       outcomes, version);
  }
};

// A digest's delivery to one person on one people channel
// (DigestDelivered / DigestDeliveryFailed), by digest id.
struct DigestOutcome {
  std::string id, channel, recipient, message_id;
  std::vector<std::string> reminder_ids;
  bool delivered = false;
  std::int32_t attempts = 0;
  std::string error;  // of the last attempt, when not delivered
  std::uint64_t position = 0;
  std::uint64_t version = 0;

  bool operator==(const DigestOutcome&) const = default;
  template <class A>
  void serialize(A& ar) {
    ar(id, channel, recipient, message_id, reminder_ids, delivered, attempts,
       error, position, version);
  }
};

enum class History { kFull, kLatestOnly };

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
  explicit OkrState(History history = History::kFull) : history_(history) {}

  // REQUIRES: events arrive in log order; `e` is the decoded `recorded`.
  void Apply(const RecordedEvent& recorded, const events::Event& e);
  // Drops what the compact mode does not keep; the state then folds as
  // History::kLatestOnly.
  void Compact();

  const Cycle* FindCycle(const std::string& id) const;
  const Objective* FindObjective(const std::string& id) const;
  const KeyResult* FindKeyResult(const std::string& id) const;
  const Kpi* FindKpi(const std::string& id) const;

  // Objectives of `owner` in `cycle` that are draft or active (the focus
  // limit counts these).
  int OpenObjectives(const std::string& cycle, const std::string& owner) const;
  // The stream version of a stream ("objective/o-1"); 0 if it has no event.
  std::uint64_t StreamVersion(const std::string& stream) const;

  const std::map<std::string, Cycle>& cycles() const { return cycles_; }
  const std::map<std::string, Objective>& objectives() const {
    return objectives_;
  }
  const std::map<std::string, KeyResult>& key_results() const {
    return key_results_;
  }
  const std::map<std::string, Kpi>& kpis() const { return kpis_; }
  const std::map<std::string, IssuedReminder>& reminders() const {
    return reminders_;
  }
  const std::map<std::string, DigestOutcome>& digests() const {
    return digests_;
  }
  // Objectives and key results, archived ones included (new ids count
  // from these), and whether an id is taken by one, archived or not.
  std::size_t ObjectiveCount() const {
    return objectives_.size() + archived_objectives_.size();
  }
  std::size_t KeyResultCount() const {
    return key_results_.size() + archived_key_results_.size();
  }
  bool ObjectiveIdTaken(const std::string& id) const {
    return FindObjective(id) != nullptr || ObjectiveArchived(id);
  }
  bool KeyResultIdTaken(const std::string& id) const {
    return FindKeyResult(id) != nullptr || KeyResultArchived(id);
  }
  // Whether the compact state archived the entity (always false in the
  // full state). An archived entity is not found by FindObjective() or
  // FindKeyResult() nor listed until Restore() brings it back.
  bool ObjectiveArchived(const std::string& id) const {
    return archived_objectives_.Contains(id);
  }
  bool KeyResultArchived(const std::string& id) const {
    return archived_key_results_.Contains(id);
  }
  // Compact state: archives the objectives (and their key results) of the
  // cycles closed since the last call, and again those Restore() brought
  // back. Nothing in the full state.
  void ArchiveClosedCycles();
  // Compact state: brings back from `full` the archived objectives named,
  // those of the key results named, and all their key results, as they
  // are in `full`, until the next ArchiveClosedCycles(). Ids not archived
  // are skipped.
  // REQUIRES: `full` is a full state at this state's position.
  void Restore(const OkrState& full,
               const std::vector<std::string>& objective_ids,
               const std::vector<std::string>& key_result_ids);

  // The reminder issued for (kind, key), or nullptr: each is issued once.
  const IssuedReminder* FindReminder(const std::string& kind,
                                     const std::string& key) const;

  // The key result as of business date `at`: only check-ins dated on or
  // before `at` count; before any, current = start.
  KeyResultView ViewKeyResult(const KeyResult& kr, Date at) const;
  // Weighted progress and worst status over the key results not removed.
  ObjectiveView ViewObjective(const Objective& o, Date at) const;
  // Ids of the objectives of `cycle` whose parent is `parent` (nullopt:
  // roots), ordered by id.
  std::vector<std::string> Children(
      const std::string& cycle, const std::optional<std::string>& parent) const;

  // Whether views at `at` are exact: always in the full state; in the
  // compact one when `at` is on or after every check-in's and
  // measurement's date, since it dropped only what views of earlier dates
  // see.
  bool ExactAt(Date at) const {
    return history_ == History::kFull || !latest_fact_ || *latest_fact_ <= at;
  }

  std::uint64_t last_position() const { return last_position_; }
  std::int64_t last_recorded_at_us() const { return last_recorded_at_us_; }
  History history() const { return history_; }

  // The key results linked to KPI `kpi_id` (KeyResultKpiLinked), by id;
  // those the state does not hold (archived) are left out.
  std::vector<const KeyResult*> LinkedTo(const std::string& kpi_id) const;

  // A small compact state to decide a batch of creations in one cycle
  // against (ImportOkrs): the cycle, its objectives and their key results
  // (without check-ins or revisions), the objectives `also` names from
  // other cycles (without key results), and the last position. Ids of
  // other cycles are not in it: the caller checks them against this state.
  OkrState CycleScratch(const std::string& cycle_id,
                        const std::vector<std::string>& also) const;

  // Equal states: the same entities with the same fields and the same
  // archived ids (the mode and the derived indexes are not compared).
  bool operator==(const OkrState& o) const;

  // Objectives and key results load one by one, so that a compact state
  // archives those of closed cycles and drops the check-ins it does not
  // keep as it loads, never holding them all. Only a full state is saved
  // (a compact one has lost what it archived and dropped).
  template <class A>
  void save(A& ar) const {
    assert(history_ == History::kFull);
    ar(cycles_, objectives_, static_cast<std::uint64_t>(key_results_.size()));
    for (const auto& [id, k] : key_results_) ar(k);
    ar(kpis_, reminders_, digests_, checkpoints_, last_position_,
       last_recorded_at_us_);
  }
  template <class A>
  void load(A& ar) {
    ar(cycles_);
    // As cereal writes a std::map: its size, then each key and value.
    cereal::size_type n = 0;
    ar(cereal::make_size_tag(n));
    objectives_.clear();
    archived_objectives_ = IdSet();
    for (cereal::size_type i = 0; i < n; ++i) {
      std::string id;
      Objective o;
      ar(cereal::make_map_item(id, o));
      AddLoaded(std::move(id), std::move(o));
    }
    std::uint64_t krs = 0;
    ar(krs);
    key_results_.clear();
    archived_key_results_ = IdSet();
    for (std::uint64_t i = 0; i < krs; ++i) {
      KeyResult k;
      ar(k);
      AddLoaded(std::move(k));
    }
    ar(kpis_, reminders_, digests_, checkpoints_, last_position_,
       last_recorded_at_us_);
    if (history_ == History::kLatestOnly) Compact();
    RebuildIndexes();
  }

 private:
  class Folder;  // Apply's handlers, one per event type (okr_state.cc)

  // A loaded entity into the state, or its id into the archive if a
  // compact state archives it.
  void AddLoaded(std::string&& id, Objective&& o);
  void AddLoaded(KeyResult&& k);
  // Whether a compact state archives an objective of this cycle.
  bool ArchivesCycle(const std::string& cycle_id) const;
  // Removes objective `o` and its key results from the state, adding their
  // ids to the lists.
  void TakeOut(std::map<std::string, Objective>::iterator o,
               std::vector<std::string>* objective_ids,
               std::vector<std::string>* key_result_ids);
  void RebuildIndexes();
  void CountOpen(const Objective& o, int delta);
  void NoteFact(Date d) {
    if (!latest_fact_ || *latest_fact_ < d) latest_fact_ = d;
  }

  History history_;
  std::map<std::string, Cycle> cycles_;
  std::map<std::string, Objective> objectives_;
  std::map<std::string, KeyResult> key_results_;
  std::map<std::string, Kpi> kpis_;
  std::map<std::string, IssuedReminder> reminders_;  // by reminder id
  std::map<std::string, DigestOutcome> digests_;     // by digest id
  // Compact state: the ids of archived objectives and key results, and
  // the cycles closed since ArchiveClosedCycles() last ran.
  IdSet archived_objectives_, archived_key_results_;
  std::vector<std::string> to_archive_;
  std::vector<std::string> restored_;  // objectives Restore() brought back
  // The version of stream chain/head: the signed checkpoints folded in
  // (they change no OKR; the engine decides the next against it).
  std::uint64_t checkpoints_ = 0;
  std::uint64_t last_position_ = 0;
  std::int64_t last_recorded_at_us_ = 0;
  // Derived: open (draft or active) objectives per (cycle, owner).
  std::map<std::pair<std::string, std::string>, int> open_;
  // Derived: the latest date of a check-in or measurement (ExactAt).
  std::optional<Date> latest_fact_;
  // Derived: the key results linked to each KPI.
  std::map<std::string, std::set<std::string>> kpi_links_;
  // Derived: reminder id per (kind, key).
  std::map<std::pair<std::string, std::string>, std::string> reminder_keys_;
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_OKR_STATE_H_
