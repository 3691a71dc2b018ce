#include "projections/state_view.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace okr {
namespace {

template <class Map>
auto* FindIn(const Map& map, const std::string& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

template <class T>
void Set(T* field, const Revision::Value& before) {
  if (const T* v = std::get_if<T>(&before)) *field = *v;
}

// Each entity's fields, set back to their value before revision `r`. A
// field the entity does not have (only a corrupt snapshot could hold one)
// changes nothing.
void Undo(Cycle& c, const Revision& r) {
  if (r.field == Field::kState) {
    std::int32_t s = 0;
    Set(&s, r.before);
    if (s <= static_cast<std::int32_t>(CycleState::kClosed)) {
      c.state = static_cast<CycleState>(s);
    }
  }
}

void Undo(Objective& o, const Revision& r) {
  switch (r.field) {
    case Field::kState: {
      std::int32_t s = 0;
      Set(&s, r.before);
      o.state = static_cast<ObjectiveState>(s);
      break;
    }
    case Field::kTitle:
      return Set(&o.title, r.before);
    case Field::kDescription:
      return Set(&o.description, r.before);
    case Field::kOwner:
      return Set(&o.owner, r.before);
    case Field::kTeam:
      return Set(&o.team, r.before);
    case Field::kParent:
      return Set(&o.parent_id, r.before);
    case Field::kScore:
      return Set(&o.score, r.before);
    default:
      break;
  }
}

void Undo(KeyResult& k, const Revision& r) {
  switch (r.field) {
    case Field::kKpi:
      return Set(&k.kpi_id, r.before);
    case Field::kTitle:
      return Set(&k.title, r.before);
    case Field::kTarget:
      return Set(&k.target, r.before);
    case Field::kWeight:
      return Set(&k.weight, r.before);
    case Field::kRemoved: {
      std::int32_t removed = 0;
      Set(&removed, r.before);
      k.removed = removed != 0;
      break;
    }
    case Field::kGrade: {
      GradeBefore g;
      Set(&g, r.before);
      k.grade = g.value();
      break;
    }
    default:
      break;
  }
}

void Undo(Kpi& k, const Revision& r) {
  if (r.field == Field::kThresholds) {
    KpiThresholds t;
    Set(&t, r.before);
    k.healthy_min = t.healthy_min;
    k.healthy_max = t.healthy_max;
    k.cadence_days = t.cadence_days;
  }
}

// Points *field at the value before a revision, if it holds a T.
template <class T>
void PointAt(const T** field, const Revision::Value& before) {
  if (const T* v = std::get_if<T>(&before)) *field = v;
}

// Calls fn(r) for each revision after position `p`, newest first.
template <class F>
void EachRevisionAfter(const Lineage& l, std::uint64_t p, F fn) {
  for (auto r = l.revisions.rbegin();
       r != l.revisions.rend() && r->position > p; ++r) {
    fn(*r);
  }
}

bool RevisedAfter(const Lineage& l, std::uint64_t p) {
  return !l.revisions.empty() && l.revisions.back().position > p;
}

// Undoes the revisions after `p`, newest first, and drops them; returns the
// entity's version at `p` by its revisions and the position that set it.
template <class T>
std::pair<std::uint64_t, std::uint64_t> RollBack(T& x, std::uint64_t p) {
  std::vector<Revision>& revs = x.lineage.revisions;
  while (!revs.empty() && revs.back().position > p) {
    Undo(x, revs.back());
    revs.pop_back();
  }
  if (revs.empty()) {
    return {x.lineage.created_version, x.lineage.created_position};
  }
  return {revs.back().version, revs.back().position};
}

template <class V, class Pos>
void CutAt(V& list, std::uint64_t p, Pos position_of) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const auto& x) { return position_of(x) > p; }),
             list.end());
}

// Facts (check-ins, measurements) after `since` up to the cut: each moved
// the stream's version by one.
template <class V>
std::uint64_t FactsAfter(const V& facts, std::uint64_t since) {
  return static_cast<std::uint64_t>(
      std::count_if(facts.begin(), facts.end(),
                    [&](const auto& f) { return f.position > since; }));
}

template <class V>
bool AnyAfter(const V& facts, std::uint64_t p) {
  return std::any_of(facts.begin(), facts.end(),
                     [&](const auto& f) { return f.position > p; });
}

// A cycle's objectives and an objective's key results are appended as they
// are created, so those created after a position are a suffix of the list:
// found by binary search, not by looking every one up.
void CutSuffix(std::vector<std::string>& ids,
               const std::function<bool(const std::string&)>& after) {
  ids.erase(
      std::partition_point(ids.begin(), ids.end(),
                           [&](const std::string& id) { return !after(id); }),
      ids.end());
}

template <class T, class Memo, class Build>
const T* Memoized(Memo& memo, const T* live, Build build) {
  auto [it, inserted] = memo.try_emplace(live);
  if (inserted) it->second = build();
  return it->second.get();
}

}  // namespace

StateView::StateView(const OkrState& state, std::uint64_t position)
    : state_(&state),
      position_(std::min(position, state.last_position())),
      live_(position_ == state.last_position()) {
  assert(live_ || state.history() == History::kFull);  // REQUIRES
}

const Cycle* StateView::AsOf(const Cycle* c) const {
  if (c == nullptr || live_) return c;
  if (!Exists(c->lineage)) return nullptr;
  auto created_after = [&](const std::string& id) {
    const Objective* o = FindIn(state_->objectives(), id);
    return o == nullptr || o->lineage.created_position > position_;
  };
  if (!RevisedAfter(c->lineage, position_) &&
      (c->objectives.empty() || !created_after(c->objectives.back()))) {
    return c;
  }
  return Memoized(memos().cycles, c, [&] {
    auto x = std::make_unique<Cycle>(*c);
    x->version = RollBack(*x, position_).first;
    CutSuffix(x->objectives, created_after);
    CutAt(x->notes, position_,
          [](const RetroNote& n) { return n.record.position; });
    return x;
  });
}

const Objective* StateView::AsOf(const Objective* o) const {
  if (o == nullptr || live_) return o;
  if (!Exists(o->lineage)) return nullptr;
  auto added_after = [&](const std::string& id) {
    const KeyResult* k = FindIn(state_->key_results(), id);
    return k == nullptr || k->lineage.created_position > position_;
  };
  if (!RevisedAfter(o->lineage, position_) &&
      (o->key_results.empty() || !added_after(o->key_results.back()))) {
    return o;
  }
  return Memoized(memos().objectives, o, [&] {
    auto x = std::make_unique<Objective>(*o);
    x->version = RollBack(*x, position_).first;
    CutSuffix(x->key_results, added_after);
    CutAt(x->alignment_changes, position_,
          [](const AlignmentChange& a) { return a.record.position; });
    return x;
  });
}

const KeyResult* StateView::AsOf(const KeyResult* k) const {
  if (k == nullptr || live_) return k;
  if (!Exists(k->lineage)) return nullptr;
  if (!RevisedAfter(k->lineage, position_) &&
      !AnyAfter(k->check_ins, position_)) {
    return k;
  }
  return Memoized(memos().key_results, k, [&] {
    auto x = std::make_unique<KeyResult>(*k);
    auto [version, since] = RollBack(*x, position_);
    CutAt(x->check_ins, position_, [](const CheckIn& c) { return c.position; });
    CutAt(x->target_changes, position_,
          [](const TargetChange& t) { return t.record.position; });
    x->version = version + FactsAfter(x->check_ins, since);
    return x;
  });
}

const Kpi* StateView::AsOf(const Kpi* k) const {
  if (k == nullptr || live_) return k;
  if (!Exists(k->lineage)) return nullptr;
  if (!RevisedAfter(k->lineage, position_) &&
      !AnyAfter(k->measurements, position_)) {
    return k;
  }
  return Memoized(memos().kpis, k, [&] {
    auto x = std::make_unique<Kpi>(*k);
    auto [version, since] = RollBack(*x, position_);
    CutAt(x->measurements, position_,
          [](const Measurement& m) { return m.position; });
    x->version = version + FactsAfter(x->measurements, since);
    return x;
  });
}

std::optional<KeyResultScalars> StateView::ScalarsOf(
    const KeyResult& live) const {
  if (!Exists(live.lineage)) return std::nullopt;
  KeyResultScalars out{&live, &live.title, live.removed, live.target,
                       live.weight};
  // The fields Undo(KeyResult&) sets back.
  EachRevisionAfter(live.lineage, position_, [&](const Revision& r) {
    switch (r.field) {
      case Field::kTitle:
        return PointAt(&out.title, r.before);
      case Field::kTarget:
        return Set(&out.target, r.before);
      case Field::kWeight:
        return Set(&out.weight, r.before);
      case Field::kRemoved: {
        std::int32_t removed = 0;
        Set(&removed, r.before);
        out.removed = removed != 0;
        return;
      }
      default:
        return;
    }
  });
  for (auto c = live.check_ins.rbegin(); c != live.check_ins.rend(); ++c) {
    if (c->position <= position_) {
      out.latest = &*c;
      break;
    }
  }
  return out;
}

std::optional<ObjectiveScalars> StateView::ScalarsOf(
    const Objective& live) const {
  if (!Exists(live.lineage)) return std::nullopt;
  ObjectiveScalars out{&live,      &live.title,     &live.owner,
                       &live.team, &live.parent_id, live.state};
  // The fields Undo(Objective&) sets back.
  EachRevisionAfter(live.lineage, position_, [&](const Revision& r) {
    switch (r.field) {
      case Field::kTitle:
        return PointAt(&out.title, r.before);
      case Field::kOwner:
        return PointAt(&out.owner, r.before);
      case Field::kTeam:
        return PointAt(&out.team, r.before);
      case Field::kParent:
        return PointAt(&out.parent_id, r.before);
      case Field::kState: {
        std::int32_t state = 0;
        Set(&state, r.before);
        out.state = static_cast<ObjectiveState>(state);
        return;
      }
      default:
        return;
    }
  });
  return out;
}

const Cycle* StateView::FindCycle(const std::string& id) const {
  return AsOf(FindIn(state_->cycles(), id));
}
const Objective* StateView::FindObjective(const std::string& id) const {
  return AsOf(FindIn(state_->objectives(), id));
}
const KeyResult* StateView::FindKeyResult(const std::string& id) const {
  return AsOf(FindIn(state_->key_results(), id));
}
const Kpi* StateView::FindKpi(const std::string& id) const {
  return AsOf(FindIn(state_->kpis(), id));
}

std::vector<const Cycle*> StateView::Cycles() const {
  std::vector<const Cycle*> out;
  for (const auto& [id, c] : state_->cycles()) {
    if (const Cycle* x = AsOf(&c)) out.push_back(x);
  }
  return out;
}

std::vector<const Kpi*> StateView::Kpis() const {
  std::vector<const Kpi*> out;
  for (const auto& [id, k] : state_->kpis()) {
    if (const Kpi* x = AsOf(&k)) out.push_back(x);
  }
  return out;
}

std::vector<const Objective*> StateView::Objectives(
    const std::string* cycle_id) const {
  std::vector<const Objective*> out;
  if (cycle_id == nullptr) {
    for (const auto& [id, o] : state_->objectives()) {
      if (const Objective* x = AsOf(&o)) out.push_back(x);
    }
    return out;
  }
  // An objective's cycle never changes: the cycle's list, as of now,
  // holds every objective it ever had.
  const Cycle* c = FindIn(state_->cycles(), *cycle_id);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    if (const Objective* x = FindObjective(id)) out.push_back(x);
  }
  std::sort(out.begin(), out.end(), [](const Objective* a, const Objective* b) {
    return a->id < b->id;
  });
  return out;
}

double StateView::ExpectedAt(const Cycle& c, Date at) const {
  return formulas::Expected(at, c.starts_on, c.ends_on);
}

KeyResultView StateView::ViewKeyResult(const KeyResult& kr, Date at) const {
  KeyResultView view;
  view.current = kr.start;
  // The latest check-in dated on or before `at`, by (date, position); its
  // confidence, or that of the latest earlier check-in that had one.
  auto end =
      std::upper_bound(kr.check_ins.begin(), kr.check_ins.end(), at,
                       [](Date d, const CheckIn& x) { return d < x.date; });
  if (end != kr.check_ins.begin()) {
    view.current = std::prev(end)->value;
    for (auto it = end; it != kr.check_ins.begin();) {
      --it;
      if (it->confidence) {
        view.confidence = it->confidence;
        break;
      }
    }
  }
  view.attainment = formulas::Attainment(kr.start, kr.target, view.current);
  view.progress = formulas::Progress(view.attainment);
  // A cycle's dates never change: the live cycle gives them, without
  // rebuilding a cycle (and its list of objectives) as of the position.
  const Objective* o = FindObjective(kr.objective_id);
  const Cycle* c =
      o != nullptr ? FindIn(state_->cycles(), o->cycle_id) : nullptr;
  if (c != nullptr && !Exists(c->lineage)) c = nullptr;
  double expected = c != nullptr ? ExpectedAt(*c, at) : 0.0;
  view.status = formulas::KeyResultStatus(view.progress, expected);
  return view;
}

ObjectiveView StateView::ViewObjective(const Objective& o, Date at) const {
  std::vector<std::pair<double, double>> weighted;
  std::vector<formulas::Status> statuses;
  for (const std::string& id : o.key_results) {
    const KeyResult* kr = FindKeyResult(id);
    if (kr == nullptr || kr->removed) continue;
    KeyResultView v = ViewKeyResult(*kr, at);
    weighted.emplace_back(kr->weight, v.progress);
    statuses.push_back(v.status);
  }
  return ObjectiveView{formulas::WeightedProgress(weighted),
                       formulas::ObjectiveStatus(statuses)};
}

std::vector<std::string> StateView::Children(
    const std::string& cycle, const std::optional<std::string>& parent) const {
  std::vector<std::string> out;
  const Cycle* c = FindCycle(cycle);
  if (c == nullptr) return out;
  for (const std::string& id : c->objectives) {
    const Objective* o = FindObjective(id);
    if (o != nullptr && o->parent_id == parent) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace okr
