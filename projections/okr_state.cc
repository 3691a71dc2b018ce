#include "projections/okr_state.h"

#include <algorithm>
#include <type_traits>

namespace okr {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

template <class Map>
auto* FindIn(Map& map, const std::string& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

void OkrState::Apply(const RecordedEvent& r, const events::Event& e) {
  using namespace events;
  last_position_ = r.position;
  auto objective = [&](const std::string& id) -> Objective* {
    Objective* o = FindIn(objectives_, id);
    if (o != nullptr) o->version = r.version;
    return o;
  };
  auto key_result = [&](const std::string& id) -> KeyResult* {
    KeyResult* k = FindIn(key_results_, id);
    if (k != nullptr) k->version = r.version;
    return k;
  };
  auto cycle = [&](const std::string& id) -> Cycle* {
    Cycle* c = FindIn(cycles_, id);
    if (c != nullptr) c->version = r.version;
    return c;
  };
  std::visit(
      Overloaded{
          [&](const CycleCreated& v) {
            Cycle& c = cycles_[v.cycle_id];
            c.id = v.cycle_id;
            c.name = v.name;
            c.starts_on = v.starts_on;
            c.ends_on = v.ends_on;
            c.version = r.version;
          },
          [&](const CycleStarted& v) {
            if (Cycle* c = cycle(v.cycle_id)) c->state = "active";
          },
          [&](const CycleClosed& v) {
            if (Cycle* c = cycle(v.cycle_id)) c->state = "closed";
          },
          [&](const RetrospectiveNoteAdded& v) { cycle(v.cycle_id); },
          [&](const ObjectiveCreated& v) {
            Objective& o = objectives_[v.objective_id];
            o.id = v.objective_id;
            o.cycle_id = v.cycle_id;
            o.title = v.title;
            o.description = v.description;
            o.level = v.level;
            o.owner = v.owner;
            o.team = v.team;
            o.parent_id = v.parent_id;
            o.version = r.version;
            if (Cycle* c = FindIn(cycles_, v.cycle_id)) {
              c->objectives.push_back(v.objective_id);
            }
          },
          [&](const ObjectiveRetitled& v) {
            if (Objective* o = objective(v.objective_id)) o->title = v.after;
          },
          [&](const ObjectiveDescribed& v) {
            if (Objective* o = objective(v.objective_id)) {
              o->description = v.after;
            }
          },
          [&](const ObjectiveOwnerChanged& v) {
            if (Objective* o = objective(v.objective_id)) o->owner = v.after;
          },
          [&](const ObjectiveTeamChanged& v) {
            if (Objective* o = objective(v.objective_id)) o->team = v.after;
          },
          [&](const ObjectiveAligned& v) {
            if (Objective* o = objective(v.objective_id)) {
              o->parent_id = v.parent_id;
            }
          },
          [&](const ObjectiveUnaligned& v) {
            if (Objective* o = objective(v.objective_id)) o->parent_id.reset();
          },
          [&](const ObjectiveActivated& v) {
            if (Objective* o = objective(v.objective_id)) o->state = "active";
          },
          [&](const ObjectiveAchieved& v) {
            if (Objective* o = objective(v.objective_id)) o->state = "achieved";
          },
          [&](const ObjectiveAbandoned& v) {
            if (Objective* o = objective(v.objective_id)) {
              o->state = "abandoned";
            }
          },
          [&](const ObjectiveGraded& v) {
            if (Objective* o = objective(v.objective_id)) o->score = v.score;
          },
          [&](const KeyResultAdded& v) {
            KeyResult& k = key_results_[v.kr_id];
            k.id = v.kr_id;
            k.objective_id = v.objective_id;
            k.title = v.title;
            k.kind = v.kind;
            k.unit = v.unit;
            k.start = v.start;
            k.target = k.original_target = v.target;
            k.weight = v.weight;
            k.version = r.version;
            if (Objective* o = FindIn(objectives_, v.objective_id)) {
              o->key_results.push_back(v.kr_id);
            }
          },
          [&](const KeyResultRetitled& v) {
            if (KeyResult* k = key_result(v.kr_id)) k->title = v.after;
          },
          [&](const KeyResultTargetChanged& v) {
            if (KeyResult* k = key_result(v.kr_id)) k->target = v.after;
          },
          [&](const KeyResultWeightChanged& v) {
            if (KeyResult* k = key_result(v.kr_id)) k->weight = v.after;
          },
          [&](const KeyResultRemoved& v) {
            if (KeyResult* k = key_result(v.kr_id)) k->removed = true;
          },
          [&](const KeyResultGraded& v) {
            KeyResult* k = key_result(v.kr_id);
            // A grade at close never overrides a grade by hand.
            if (k != nullptr && (v.manual || !k->grade || !k->grade->manual)) {
              k->grade = v;
            }
          },
          [&](const CheckInRecorded& v) {
            KeyResult* k = key_result(v.kr_id);
            if (k == nullptr) return;
            CheckIn c{v.value,    v.confidence,     v.note, v.date,
                      r.position, r.recorded_at_us, r.actor};
            // Positions only grow, so (date, position) order needs only the
            // date to find the insertion point.
            auto at = std::upper_bound(
                k->check_ins.begin(), k->check_ins.end(), v.date,
                [](Date d, const CheckIn& x) { return d < x.date; });
            k->check_ins.insert(at, std::move(c));
          },
          [&](const auto&) {},  // KPIs and reminders: other projections
      },
      e);
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

double OkrState::ExpectedAt(const Cycle& c, Date at) const {
  return formulas::Expected(at, c.starts_on, c.ends_on);
}

KeyResultView OkrState::ViewKeyResult(const KeyResult& kr, Date at) const {
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
  const Objective* o = FindObjective(kr.objective_id);
  const Cycle* c = o != nullptr ? FindCycle(o->cycle_id) : nullptr;
  double expected = c != nullptr ? ExpectedAt(*c, at) : 0.0;
  view.status = formulas::KeyResultStatus(view.progress, expected);
  return view;
}

ObjectiveView OkrState::ViewObjective(const Objective& o, Date at) const {
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

std::vector<std::string> OkrState::Children(
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
