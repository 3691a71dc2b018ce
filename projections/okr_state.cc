#include "projections/okr_state.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>
#include <type_traits>

#include "projections/state_view.h"

namespace okr {
namespace {

using OptConfidence = std::optional<std::int8_t>;

// Where an optional<int8_t> keeps its "present" flag: the one byte that
// differs between an empty and a present optional built on zeroed bytes.
std::size_t PresentFlagOffset() {
  alignas(OptConfidence) unsigned char empty[sizeof(OptConfidence)] = {};
  alignas(OptConfidence) unsigned char full[sizeof(OptConfidence)] = {};
  new (empty) OptConfidence();
  new (full) OptConfidence(std::int8_t{0});
  std::size_t at = 0;
  while (at < sizeof empty && empty[at] == full[at]) ++at;
  return at;
}

template <class Map>
auto* FindIn(Map& map, const std::string& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

// Keeps the latest check-in by (date, position) and the latest one that
// carried a confidence: all a view at or after the latest date can see.
void KeepLatest(std::vector<CheckIn>& v) {
  if (v.size() <= 1) return;
  auto with_confidence =
      std::find_if(v.rbegin(), v.rend(),
                   [](const CheckIn& c) { return c.confidence.has_value(); });
  CheckIn last = v.back();
  if (with_confidence == v.rend() || with_confidence == v.rbegin()) {
    v.assign(1, last);
  } else {
    CheckIn c = *with_confidence;
    v = {c, last};
  }
}

}  // namespace

Revision::Value Revision::EmptyValueOf(Field field) {
  switch (field) {
    case Field::kNone:
      return std::monostate{};
    case Field::kTitle:
    case Field::kDescription:
    case Field::kOwner:
    case Field::kTeam:
      return std::string();
    case Field::kParent:
    case Field::kKpi:
      return std::optional<std::string>();
    case Field::kScore:
      return std::optional<double>();
    case Field::kTarget:
    case Field::kWeight:
      return 0.0;
    case Field::kState:
    case Field::kRemoved:
      return std::int32_t{0};
    case Field::kGrade:
      return GradeBefore();
    case Field::kThresholds:
      return KpiThresholds{};
  }
  return std::monostate{};
}

const Revision* Lineage::LastRevisionAt(std::uint64_t position) const {
  auto it = std::upper_bound(
      revisions.begin(), revisions.end(), position,
      [](std::uint64_t p, const Revision& r) { return p < r.position; });
  return it == revisions.begin() ? nullptr : &*std::prev(it);
}

bool RawCheckInValid(const CheckIn& c) {
  static const std::size_t at = PresentFlagOffset();
  unsigned char flag = 0;
  std::memcpy(&flag, reinterpret_cast<const unsigned char*>(&c.confidence) + at,
              1);
  return flag <= 1;
}

void OkrState::CountOpen(const Objective& o, int delta) {
  if (!IsOpen(o.state)) return;
  int& n = open_[{o.cycle_id, o.owner}];
  n += delta;
  if (n == 0) open_.erase({o.cycle_id, o.owner});
}

bool OkrState::ArchivesCycle(const std::string& cycle_id) const {
  if (history_ != History::kLatestOnly) return false;
  const Cycle* c = FindCycle(cycle_id);
  return c != nullptr && c->state == CycleState::kClosed;
}

// A repeated id (in a file written by hand) keeps the first, as the load
// of a std::map does, archived or not.
void OkrState::AddLoaded(std::string&& id, Objective&& o) {
  if (ArchivesCycle(o.cycle_id)) {
    if (objectives_.count(id) == 0) archived_objectives_.Add(id);
    return;
  }
  if (history_ == History::kLatestOnly && ObjectiveArchived(id)) return;
  objectives_.emplace_hint(objectives_.end(), std::move(id), std::move(o));
}

void OkrState::AddLoaded(KeyResult&& k) {
  if (history_ == History::kLatestOnly) {
    if (KeyResultArchived(k.id)) return;
    if (ObjectiveArchived(k.objective_id)) {
      if (key_results_.count(k.id) == 0) archived_key_results_.Add(k.id);
      return;
    }
    // At once, capacity too: otherwise a compact load would hold every
    // check-in and revision until its end, as much as a full one.
    KeepLatest(k.check_ins);
    k.check_ins.shrink_to_fit();
    k.lineage.revisions = {};
  }
  std::string id = k.id;
  key_results_.emplace_hint(key_results_.end(), std::move(id), std::move(k));
}

void OkrState::RebuildIndexes() {
  open_.clear();
  for (const auto& [id, o] : objectives_) CountOpen(o, +1);
  reminder_keys_.clear();
  for (const auto& [id, m] : reminders_) reminder_keys_[{m.kind, m.key}] = id;
  kpi_links_.clear();
  for (const auto& [id, k] : key_results_) {
    if (k.kpi_id) kpi_links_[*k.kpi_id].insert(id);
  }
  latest_fact_.reset();
  for (const auto& [id, k] : key_results_) {
    if (!k.check_ins.empty()) NoteFact(k.check_ins.back().date);
  }
  for (const auto& [id, k] : kpis_) {
    if (!k.measurements.empty()) NoteFact(k.measurements.back().date);
  }
}

const IssuedReminder* OkrState::FindReminder(const std::string& kind,
                                             const std::string& key) const {
  auto it = reminder_keys_.find({kind, key});
  return it == reminder_keys_.end() ? nullptr : FindIn(reminders_, it->second);
}

void OkrState::Compact() {
  history_ = History::kLatestOnly;
  auto drop = [](Lineage& l) {
    l.revisions.clear();
    l.revisions.shrink_to_fit();
  };
  for (auto& [id, c] : cycles_) drop(c.lineage);
  for (auto& [id, o] : objectives_) drop(o.lineage);
  for (auto& [id, k] : key_results_) {
    KeepLatest(k.check_ins);
    k.check_ins.shrink_to_fit();
    drop(k.lineage);
  }
  for (auto& [id, k] : kpis_) {
    drop(k.lineage);
    if (k.measurements.size() > 1)
      k.measurements.erase(k.measurements.begin(), k.measurements.end() - 1);
    k.measurements.shrink_to_fit();
  }
  // The rule a compact load follows: the objectives of closed cycles, and
  // the key results of archived objectives.
  std::vector<std::string> objectives, key_results;
  for (auto it = objectives_.begin(); it != objectives_.end();) {
    if (!ArchivesCycle(it->second.cycle_id)) {
      ++it;
      continue;
    }
    CountOpen(it->second, -1);
    objectives.push_back(it->first);
    it = objectives_.erase(it);
  }
  archived_objectives_.Insert(std::move(objectives));
  for (auto it = key_results_.begin(); it != key_results_.end();) {
    if (!ObjectiveArchived(it->second.objective_id)) {
      ++it;
      continue;
    }
    key_results.push_back(it->first);
    it = key_results_.erase(it);
  }
  archived_key_results_.Insert(std::move(key_results));
  to_archive_.clear();
  restored_.clear();
}

void OkrState::TakeOut(std::map<std::string, Objective>::iterator o,
                       std::vector<std::string>* objective_ids,
                       std::vector<std::string>* key_result_ids) {
  CountOpen(o->second, -1);
  for (const std::string& kid : o->second.key_results) {
    if (key_results_.erase(kid) > 0) key_result_ids->push_back(kid);
  }
  objective_ids->push_back(o->first);
  objectives_.erase(o);
}

void OkrState::ArchiveClosedCycles() {
  if (history_ != History::kLatestOnly) return;
  std::vector<std::string> objectives, key_results;
  // What Restore() brought back goes back, id by id (no rebuild of the
  // sets: the ids are still packed there, only masked).
  for (const std::string& oid : restored_) {
    auto o = objectives_.find(oid);
    if (o != objectives_.end() && ArchivesCycle(o->second.cycle_id)) {
      TakeOut(o, &objectives, &key_results);
    }
  }
  restored_.clear();
  for (const std::string& id : objectives) archived_objectives_.Add(id);
  for (const std::string& id : key_results) archived_key_results_.Add(id);
  if (to_archive_.empty()) return;
  objectives.clear();
  key_results.clear();
  for (const std::string& cid : to_archive_) {
    const Cycle* c = FindCycle(cid);
    if (c == nullptr || c->state != CycleState::kClosed) continue;
    for (const std::string& oid : c->objectives) {
      auto o = objectives_.find(oid);
      if (o != objectives_.end()) TakeOut(o, &objectives, &key_results);
    }
  }
  to_archive_.clear();
  archived_objectives_.Insert(std::move(objectives));
  archived_key_results_.Insert(std::move(key_results));
}

void OkrState::Restore(const OkrState& full,
                       const std::vector<std::string>& objective_ids,
                       const std::vector<std::string>& key_result_ids) {
  assert(history_ == History::kLatestOnly);
  assert(full.history_ == History::kFull);
  std::vector<std::string> ids = objective_ids;
  for (const std::string& kid : key_result_ids) {
    if (!KeyResultArchived(kid)) continue;
    const KeyResult* k = full.FindKeyResult(kid);
    if (k == nullptr) continue;
    if (ObjectiveArchived(k->objective_id)) {
      ids.push_back(k->objective_id);
    } else {
      // Archived without its objective (not by ArchiveClosedCycles):
      // alone, then.
      archived_key_results_.Erase(kid);
      if (!k->check_ins.empty()) NoteFact(k->check_ins.back().date);
      KeyResult copy = *k;
      AddLoaded(std::move(copy));
    }
  }
  for (const std::string& oid : ids) {
    if (!ObjectiveArchived(oid)) continue;
    const Objective* o = full.FindObjective(oid);
    if (o == nullptr) continue;
    archived_objectives_.Erase(oid);
    for (const std::string& kid : o->key_results) {
      const KeyResult* k = full.FindKeyResult(kid);
      if (k == nullptr || !archived_key_results_.Erase(kid)) continue;
      if (!k->check_ins.empty()) NoteFact(k->check_ins.back().date);
      KeyResult copy = *k;
      AddLoaded(std::move(copy));
    }
    Objective copy = *o;
    copy.lineage.revisions = {};
    CountOpen(copy, +1);
    objectives_.emplace(oid, std::move(copy));
    restored_.push_back(oid);
  }
}

std::vector<const KeyResult*> OkrState::LinkedTo(
    const std::string& kpi_id) const {
  std::vector<const KeyResult*> out;
  auto it = kpi_links_.find(kpi_id);
  if (it == kpi_links_.end()) return out;
  for (const std::string& id : it->second) {
    const KeyResult* k = FindKeyResult(id);
    if (k != nullptr && k->kpi_id == kpi_id) out.push_back(k);
  }
  return out;
}

OkrState OkrState::CycleScratch(const std::string& cycle_id,
                                const std::vector<std::string>& also) const {
  OkrState s(History::kLatestOnly);
  if (const Cycle* c = FindCycle(cycle_id)) {
    Cycle copy = *c;
    copy.lineage.revisions = {};
    s.cycles_.emplace(cycle_id, std::move(copy));
  }
  auto add = [&](const Objective& o, bool with_key_results) {
    Objective copy = o;
    copy.lineage.revisions = {};
    if (with_key_results) {
      for (const std::string& kid : o.key_results) {
        const KeyResult* k = FindKeyResult(kid);
        if (k == nullptr) continue;
        KeyResult kc = *k;
        kc.check_ins = {};
        kc.lineage.revisions = {};
        s.key_results_.emplace(kid, std::move(kc));
      }
    } else {
      copy.key_results = {};
    }
    s.objectives_.emplace(copy.id, std::move(copy));
  };
  for (const auto& [id, o] : objectives_) {
    if (o.cycle_id == cycle_id) add(o, true);
  }
  for (const std::string& id : also) {
    const Objective* o = FindObjective(id);
    if (o == nullptr || o->cycle_id == cycle_id) continue;
    add(*o, false);
    // With its cycle: every handler may look an objective's cycle up.
    if (const Cycle* c = FindCycle(o->cycle_id)) {
      Cycle copy = *c;
      copy.lineage.revisions = {};
      s.cycles_.emplace(c->id, std::move(copy));
    }
  }
  s.last_position_ = last_position_;
  s.last_recorded_at_us_ = last_recorded_at_us_;
  s.RebuildIndexes();
  return s;
}

bool OkrState::operator==(const OkrState& o) const {
  return cycles_ == o.cycles_ && objectives_ == o.objectives_ &&
         archived_objectives_ == o.archived_objectives_ &&
         archived_key_results_ == o.archived_key_results_ &&
         key_results_ == o.key_results_ && kpis_ == o.kpis_ &&
         reminders_ == o.reminders_ && digests_ == o.digests_ &&
         last_position_ == o.last_position_ &&
         last_recorded_at_us_ == o.last_recorded_at_us_ &&
         checkpoints_ == o.checkpoints_;
}

int OkrState::OpenObjectives(const std::string& cycle,
                             const std::string& owner) const {
  auto it = open_.find({cycle, owner});
  return it == open_.end() ? 0 : it->second;
}

std::uint64_t OkrState::StreamVersion(const std::string& stream) const {
  auto slash = stream.find('/');
  if (slash == std::string::npos) return 0;
  std::string kind = stream.substr(0, slash), id = stream.substr(slash + 1);
  if (kind == "cycle") {
    const Cycle* c = FindCycle(id);
    return c ? c->version : 0;
  }
  if (kind == "objective") {
    const Objective* o = FindObjective(id);
    return o ? o->version : 0;
  }
  if (kind == "kr") {
    const KeyResult* k = FindKeyResult(id);
    return k ? k->version : 0;
  }
  if (kind == "kpi") {
    const Kpi* k = FindKpi(id);
    return k ? k->version : 0;
  }
  if (kind == "reminder") {
    auto it = reminders_.find(id);
    return it == reminders_.end() ? 0 : it->second.version;
  }
  if (kind == "digest") {
    auto it = digests_.find(id);
    return it == digests_.end() ? 0 : it->second.version;
  }
  if (kind == "chain" && id == "head") return checkpoints_;
  return 0;
}

// The fold of one event into the state: one handler per event type, as
// RocksDB's WriteBatch::Handler has one per record type. An event about an
// entity the state does not hold (possible only in a log written by hand)
// changes nothing but the position.
class OkrState::Folder {
 public:
  Folder(OkrState& s, const RecordedEvent& r, const events::Event& e)
      : s_(s), r_(r), e_(e) {}

  void operator()(const events::CycleCreated& v) {
    Cycle& c = s_.cycles_[v.cycle_id];
    c.id = v.cycle_id;
    c.name = v.name;
    c.starts_on = v.starts_on;
    c.ends_on = v.ends_on;
    c.version = r_.version;
    Created(c);
  }
  void operator()(const events::CycleStarted& v) {
    if (Cycle* c = CycleOf(v.cycle_id)) {
      Before(*c, Field::kState, static_cast<std::int32_t>(c->state));
      c->state = CycleState::kActive;
    }
  }
  void operator()(const events::CycleClosed& v) {
    if (Cycle* c = CycleOf(v.cycle_id)) {
      Before(*c, Field::kState, static_cast<std::int32_t>(c->state));
      c->state = CycleState::kClosed;
      if (LatestOnly()) s_.to_archive_.push_back(v.cycle_id);
    }
  }
  void operator()(const events::RetrospectiveNoteAdded& v) {
    if (Cycle* c = CycleOf(v.cycle_id)) {
      c->notes.push_back({Record(std::nullopt), v.objective_id, v.text});
    }
  }

  void operator()(const events::ObjectiveCreated& v) {
    Objective& o = s_.objectives_[v.objective_id];
    if (!o.id.empty()) s_.CountOpen(o, -1);
    o.id = v.objective_id;
    o.cycle_id = v.cycle_id;
    o.title = v.title;
    o.description = v.description;
    o.level = v.level;
    o.owner = v.owner;
    o.team = v.team;
    o.parent_id = v.parent_id;
    o.version = r_.version;
    Created(o);
    s_.CountOpen(o, +1);
    if (Cycle* c = FindIn(s_.cycles_, v.cycle_id)) {
      c->objectives.push_back(v.objective_id);
    }
  }
  void operator()(const events::ObjectiveRetitled& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kTitle, o->title);
      o->title = v.after;
    }
  }
  void operator()(const events::ObjectiveDescribed& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kDescription, o->description);
      o->description = v.after;
    }
  }
  void operator()(const events::ObjectiveOwnerChanged& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kOwner, o->owner);
      s_.CountOpen(*o, -1);
      o->owner = v.after;
      s_.CountOpen(*o, +1);
    }
  }
  void operator()(const events::ObjectiveTeamChanged& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kTeam, o->team);
      o->team = v.after;
    }
  }
  void operator()(const events::ObjectiveAligned& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kParent, o->parent_id);
      o->alignment_changes.push_back(
          {Record(std::nullopt), v.previous_parent_id, v.parent_id});
      o->parent_id = v.parent_id;
    }
  }
  void operator()(const events::ObjectiveUnaligned& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kParent, o->parent_id);
      o->alignment_changes.push_back(
          {Record(std::nullopt), v.previous_parent_id, std::nullopt});
      o->parent_id.reset();
    }
  }
  // The transitions: the state machine's answer (states.h).
  void operator()(const events::ObjectiveActivated& v) { Move(v.objective_id); }
  void operator()(const events::ObjectiveAchieved& v) { Move(v.objective_id); }
  void operator()(const events::ObjectiveAbandoned& v) { Move(v.objective_id); }
  void operator()(const events::ObjectiveGraded& v) {
    if (Objective* o = ObjectiveOf(v.objective_id)) {
      Before(*o, Field::kScore, o->score);
      o->score = v.score;
    }
  }

  void operator()(const events::KeyResultAdded& v) {
    KeyResult& k = s_.key_results_[v.kr_id];
    k.id = v.kr_id;
    k.objective_id = v.objective_id;
    k.title = v.title;
    k.kind = v.kind;
    k.unit = v.unit;
    k.start = v.start;
    k.target = k.original_target = v.target;
    k.weight = v.weight;
    k.added_on = Date::FromMicros(r_.recorded_at_us);
    k.version = r_.version;
    Created(k);
    if (Objective* o = FindIn(s_.objectives_, v.objective_id)) {
      o->key_results.push_back(v.kr_id);
    }
  }
  void operator()(const events::KeyResultRetitled& v) {
    if (KeyResult* k = KeyResultOf(v.kr_id)) {
      Before(*k, Field::kTitle, k->title);
      k->title = v.after;
    }
  }
  void operator()(const events::KeyResultTargetChanged& v) {
    if (KeyResult* k = KeyResultOf(v.kr_id)) {
      Before(*k, Field::kTarget, k->target);
      k->target_changes.push_back({Record(v.reason), v.before, v.after});
      k->target = v.after;
    }
  }
  void operator()(const events::KeyResultWeightChanged& v) {
    if (KeyResult* k = KeyResultOf(v.kr_id)) {
      Before(*k, Field::kWeight, k->weight);
      k->weight = v.after;
    }
  }
  void operator()(const events::KeyResultKpiLinked& v) {
    if (KeyResult* k = KeyResultOf(v.kr_id)) {
      Before(*k, Field::kKpi, k->kpi_id);
      if (k->kpi_id) s_.kpi_links_[*k->kpi_id].erase(k->id);
      k->kpi_id = v.after;
      if (k->kpi_id) s_.kpi_links_[*k->kpi_id].insert(k->id);
    }
  }
  void operator()(const events::KeyResultRemoved& v) {
    if (KeyResult* k = KeyResultOf(v.kr_id)) {
      Before(*k, Field::kRemoved, static_cast<std::int32_t>(k->removed));
      k->removed = true;
    }
  }
  void operator()(const events::KeyResultGraded& v) {
    KeyResult* k = KeyResultOf(v.kr_id);
    if (k != nullptr) Before(*k, Field::kGrade, GradeBefore(k->grade));
    // A grade at close never overrides a grade by hand.
    if (k != nullptr && (v.manual || !k->grade || !k->grade->manual)) {
      k->grade = Grade{v.score, v.note, v.manual};
    }
  }
  // Check-ins and measurements leave no revision: each carries its
  // position, which is all time travel needs to cut them.
  void operator()(const events::CheckInRecorded& v) {
    KeyResult* k = FindIn(s_.key_results_, v.kr_id);
    if (k == nullptr) return;
    k->version = r_.version;
    CheckIn c{v.value, r_.position, v.date, std::nullopt};
    if (v.confidence) c.confidence = static_cast<std::int8_t>(*v.confidence);
    // Positions only grow, so (date, position) order needs only the date to
    // find the insertion point.
    auto at =
        std::upper_bound(k->check_ins.begin(), k->check_ins.end(), v.date,
                         [](Date d, const CheckIn& x) { return d < x.date; });
    k->check_ins.insert(at, std::move(c));
    s_.NoteFact(v.date);
    if (LatestOnly()) KeepLatest(k->check_ins);
  }

  void operator()(const events::KpiDefined& v) {
    Kpi& k = s_.kpis_[v.kpi_id];
    k.id = v.kpi_id;
    k.name = v.name;
    k.unit = v.unit;
    k.owner = v.owner;
    k.healthy_min = v.healthy_min;
    k.healthy_max = v.healthy_max;
    k.cadence_days = v.cadence_days;
    k.defined_on = Date::FromMicros(r_.recorded_at_us);
    k.version = r_.version;
    Created(k);
  }
  void operator()(const events::KpiThresholdsChanged& v) {
    Kpi* k = KpiOf(v.kpi_id);
    if (k == nullptr) return;
    Before(*k, Field::kThresholds,
           KpiThresholds{k->healthy_min, k->healthy_max, k->cadence_days});
    k->healthy_min = v.healthy_min;
    k->healthy_max = v.healthy_max;
    k->cadence_days = v.cadence_days;
  }
  void operator()(const events::KpiMeasured& v) {
    Kpi* k = FindIn(s_.kpis_, v.kpi_id);
    if (k == nullptr) return;
    k->version = r_.version;
    Measurement m{v.value, r_.position, v.date};
    auto at = std::upper_bound(
        k->measurements.begin(), k->measurements.end(), v.date,
        [](Date d, const Measurement& x) { return d < x.date; });
    k->measurements.insert(at, m);
    s_.NoteFact(v.date);
    if (LatestOnly() && k->measurements.size() > 1) {
      k->measurements.erase(k->measurements.begin(), k->measurements.end() - 1);
    }
  }

  void operator()(const events::ReminderIssued& v) {
    IssuedReminder& m = s_.reminders_[v.reminder_id];
    m.id = v.reminder_id;
    m.kind = v.kind;
    m.subject = v.subject;
    m.recipient = v.recipient;
    m.key = v.key;
    m.message = v.message;
    m.at = v.at;
    m.position = r_.position;
    m.recorded_at_us = r_.recorded_at_us;
    m.version = r_.version;
    s_.reminder_keys_[{v.kind, v.key}] = v.reminder_id;
  }
  void operator()(const events::ReminderDelivered& v) {
    if (IssuedReminder* m = ReminderOf(v.reminder_id)) {
      m->outcomes[v.webhook] = {true, v.attempts, ""};
    }
  }
  void operator()(const events::ReminderDeliveryFailed& v) {
    if (IssuedReminder* m = ReminderOf(v.reminder_id)) {
      m->outcomes[v.webhook] = {false, v.attempts, v.error};
    }
  }
  // A signed checkpoint changes no OKR: only the stream's version is kept
  // (reports find checkpoints by the stream: OkrEngine::CheckpointAt).
  void operator()(const events::ChainHeadSigned&) {
    s_.checkpoints_ = r_.version;
  }
  void operator()(const events::DigestDelivered& v) { Digest(v, true, ""); }
  void operator()(const events::DigestDeliveryFailed& v) {
    Digest(v, false, v.error);
  }

 private:
  // The entity an event changes, its version moved to the event's; null if
  // the state does not hold it.
  template <typename Map>
  auto* Versioned(Map& map, const std::string& id) {
    auto* x = FindIn(map, id);
    if (x != nullptr) x->version = r_.version;
    return x;
  }
  // The same, for an event that changes the entity after its creation: in
  // the full state it leaves a revision (its field set by Before()).
  template <typename Map>
  auto* Revised(Map& map, const std::string& id) {
    auto* x = Versioned(map, id);
    if (x != nullptr && !LatestOnly()) {
      // (A stream of more than 2^32 events would wrap; none comes near.)
      x->lineage.revisions.push_back(
          Revision{r_.position, static_cast<std::uint32_t>(r_.version)});
    }
    return x;
  }
  // The field the event's revision overwrites, and its value before.
  template <class Entity, class Value>
  void Before(Entity& x, Field field, Value before) {
    if (LatestOnly()) return;
    Revision& r = x.lineage.revisions.back();
    r.field = field;
    r.before = std::move(before);
  }
  template <class Entity>
  void Created(Entity& x) {
    x.lineage.created_position = r_.position;
    x.lineage.created_version = r_.version;
  }
  Cycle* CycleOf(const std::string& id) { return Revised(s_.cycles_, id); }
  Objective* ObjectiveOf(const std::string& id) {
    return Revised(s_.objectives_, id);
  }
  KeyResult* KeyResultOf(const std::string& id) {
    return Revised(s_.key_results_, id);
  }
  Kpi* KpiOf(const std::string& id) { return Revised(s_.kpis_, id); }
  IssuedReminder* ReminderOf(const std::string& id) {
    return Versioned(s_.reminders_, id);
  }
  template <class E>
  void Digest(const E& v, bool delivered, const std::string& error) {
    DigestOutcome& d = s_.digests_[v.digest_id];
    d = {v.digest_id, v.channel,  v.recipient, v.message_id, v.reminder_ids,
         delivered,   v.attempts, error,       r_.position,  r_.version};
  }

  void Move(const std::string& objective_id) {
    Objective* o = ObjectiveOf(objective_id);
    if (o == nullptr) return;
    Before(*o, Field::kState, static_cast<std::int32_t>(o->state));
    s_.CountOpen(*o, -1);
    o->state = *ObjectiveStateAfter(e_);
    s_.CountOpen(*o, +1);
  }
  ChangeRecord Record(const std::optional<std::string>& reason) const {
    return ChangeRecord{r_.position, r_.recorded_at_us, r_.actor, reason};
  }
  bool LatestOnly() const { return s_.history_ == History::kLatestOnly; }

  OkrState& s_;
  const RecordedEvent& r_;
  const events::Event& e_;
};

void OkrState::Apply(const RecordedEvent& r, const events::Event& e) {
  assert(r.position > last_position_);  // REQUIRES: log order
  last_position_ = r.position;
  last_recorded_at_us_ = r.recorded_at_us;
  std::visit(Folder(*this, r, e), e);
}

const Cycle* OkrState::FindCycle(const std::string& id) const {
  return FindIn(cycles_, id);
}
const Objective* OkrState::FindObjective(const std::string& id) const {
  return FindIn(objectives_, id);
}
const KeyResult* OkrState::FindKeyResult(const std::string& id) const {
  return FindIn(key_results_, id);
}
const Kpi* OkrState::FindKpi(const std::string& id) const {
  return FindIn(kpis_, id);
}

// The views are StateView's (projections/state_view.h), on the state as
// it is.
KeyResultView OkrState::ViewKeyResult(const KeyResult& kr, Date at) const {
  return StateView(*this).ViewKeyResult(kr, at);
}

ObjectiveView OkrState::ViewObjective(const Objective& o, Date at) const {
  return StateView(*this).ViewObjective(o, at);
}

std::vector<std::string> OkrState::Children(
    const std::string& cycle, const std::optional<std::string>& parent) const {
  return StateView(*this).Children(cycle, parent);
}

}  // namespace okr
