#include "projections/audit_history.h"

#include <algorithm>

namespace okr {
namespace {

using nlohmann::json;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

json OrNull(const std::optional<std::string>& v) {
  return v ? json(*v) : json();
}

}  // namespace

void AuditHistory::Apply(const RecordedEvent& r, const events::Event& e) {
  using namespace events;
  HistoryEntry h;
  h.position = r.position;
  h.recorded_at_us = r.recorded_at_us;
  h.actor = r.actor;
  h.type = r.type;
  h.stream = r.stream;
  auto change = [&](const char* field, json before, json after) {
    h.changes.push_back(
        FieldChange{field, std::move(before), std::move(after)});
  };
  // The state machine is states.h's: where this event leaves the objective.
  auto state_to = [&](const std::string& id) {
    const ObjectiveState after = *ObjectiveStateAfter(e);
    auto it = objective_state_.find(id);
    change("state",
           it == objective_state_.end() ? json() : json(ToString(it->second)),
           ToString(after));
    objective_state_[id] = after;
  };
  std::visit(
      Overloaded{
          [&](const ObjectiveCreated& v) {
            change("cycle_id", nullptr, v.cycle_id);
            change("title", nullptr, v.title);
            change("description", nullptr, v.description);
            change("level", nullptr, v.level);
            change("owner", nullptr, v.owner);
            change("team", nullptr, v.team.empty() ? json() : json(v.team));
            change("parent_id", nullptr, OrNull(v.parent_id));
            change("state", nullptr, ToString(ObjectiveState::kDraft));
            objective_state_[v.objective_id] = ObjectiveState::kDraft;
          },
          [&](const ObjectiveRetitled& v) {
            change("title", v.before, v.after);
          },
          [&](const ObjectiveDescribed& v) {
            change("description", v.before, v.after);
          },
          [&](const ObjectiveOwnerChanged& v) {
            change("owner", v.before, v.after);
          },
          [&](const ObjectiveTeamChanged& v) {
            change("team", v.before.empty() ? json() : json(v.before),
                   v.after.empty() ? json() : json(v.after));
          },
          [&](const ObjectiveAligned& v) {
            change("parent_id", OrNull(v.previous_parent_id), v.parent_id);
          },
          [&](const ObjectiveUnaligned& v) {
            change("parent_id", v.previous_parent_id, nullptr);
          },
          [&](const ObjectiveActivated& v) {
            state_to(v.objective_id);
            h.reason = v.reason;
          },
          [&](const ObjectiveAchieved& v) {
            state_to(v.objective_id);
            h.reason = v.reason;
          },
          [&](const ObjectiveAbandoned& v) {
            state_to(v.objective_id);
            h.reason = v.reason;
          },
          [&](const ObjectiveGraded& v) {
            std::optional<double>& s = objective_score_[v.objective_id];
            change("score", s ? json(*s) : json(), v.score);
            s = v.score;
          },
          [&](const KeyResultAdded& v) {
            change("objective_id", nullptr, v.objective_id);
            change("title", nullptr, v.title);
            change("kind", nullptr, v.kind);
            change("start", nullptr, v.start);
            change("target", nullptr, v.target);
            change("unit", nullptr, v.unit);
            change("weight", nullptr, v.weight);
            change("state", nullptr, ToString(KeyResultState::kActive));
            krs_[v.kr_id].start = v.start;
          },
          [&](const KeyResultRetitled& v) {
            change("title", v.before, v.after);
          },
          [&](const KeyResultTargetChanged& v) {
            change("target", v.before, v.after);
            h.reason = v.reason;
          },
          [&](const KeyResultWeightChanged& v) {
            change("weight", v.before, v.after);
          },
          [&](const KeyResultKpiLinked& v) {
            change("kpi_id", v.before ? json(*v.before) : json(),
                   v.after ? json(*v.after) : json());
          },
          [&](const KeyResultRemoved& v) {
            change("state", ToString(KeyResultState::kActive),
                   ToString(KeyResultState::kRemoved));
            h.reason = v.reason;
          },
          [&](const KeyResultGraded& v) {
            KrTrack& k = krs_[v.kr_id];
            change("score", k.score ? json(*k.score) : json(), v.score);
            change("manual", nullptr, v.manual);
            k.score = v.score;
            h.reason = v.note;
          },
          [&](const CheckInRecorded& v) {
            KrTrack& k = krs_[v.kr_id];
            double before =
                k.check_ins.empty() ? k.start : k.check_ins.back().second;
            auto key = std::make_pair(v.date.days(), r.position);
            auto at = std::upper_bound(
                k.check_ins.begin(), k.check_ins.end(), key,
                [](const auto& a, const auto& b) { return a < b.first; });
            k.check_ins.insert(at, {key, v.value});
            change("value", before, k.check_ins.back().second);
            if (v.confidence) {
              change("confidence", k.confidence ? json(*k.confidence) : json(),
                     *v.confidence);
              k.confidence = v.confidence;
            }
            change("date", nullptr, v.date.ToString());
            h.reason = v.note;
          },
          [&](const auto&) {},
      },
      e);
  entries_.push_back(std::move(h));
}

json HistoryJson(const std::vector<HistoryEntry>& entries) {
  json list = json::array();
  for (const HistoryEntry& h : entries) {
    json changes = json::array();
    for (const FieldChange& c : h.changes) {
      changes.push_back(
          json{{"field", c.field}, {"before", c.before}, {"after", c.after}});
    }
    list.push_back(json{{"position", h.position},
                        {"recorded_at", FormatInstant(h.recorded_at_us)},
                        {"actor", h.actor},
                        {"type", h.type},
                        {"stream", h.stream},
                        {"reason", OrNull(h.reason)},
                        {"changes", std::move(changes)}});
  }
  return json{{"entries", std::move(list)}};
}

}  // namespace okr
