// RandomWorkload and Scenario: random command sequences (seeded), mostly
// valid and some refused, pipelined through a real engine, with the read
// state captured after each phase. The determinism and time travel tests
// of tests/engine and tests/adapters run them.
//
// Thread safety: one per test, used from the test's thread.
#ifndef OKR_TESTS_SUPPORT_RANDOM_WORKLOAD_H_
#define OKR_TESTS_SUPPORT_RANDOM_WORKLOAD_H_

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/okr_engine.h"
#include "tests/support/engine_harness.h"

namespace okr::testing {

// Random commands over a small organisation: mostly valid, some refused
// (unknown ids, wrong states, limits, permissions), all decided by the
// engine. Ids and owners are picked from the state the engine shows (which
// may lag the commands still in flight: that makes refusals too).
class RandomWorkload {
 public:
  explicit RandomWorkload(std::uint32_t seed) : rng_(seed) {}

  CommandRequest Next(const OkrState& s, Date today) {
    CommandRequest r;
    r.caller.actor = Pick(people_);
    r.caller.role = Chance(0.2) ? Role::kAdmin : Role::kMember;
    // Acts as the owner of `owner` most of the time.
    auto as_owner = [&](const std::string& owner) {
      if (Chance(0.9)) r.caller.actor = owner;
    };
    int roll = Uniform(0, 99);
    if (s.cycles().empty() || roll < 2) {
      r.caller.role = Role::kAdmin;
      std::string id = "c" + std::to_string(next_cycle_++);
      int quarter = static_cast<int>(next_cycle_ % 4);
      Date start = D("2026-01-01").AddDays(quarter * 91);
      r.command = CreateCycle{id, std::nullopt, start, start.AddDays(90)};
    } else if (roll < 7) {
      r.caller.role = Role::kAdmin;
      const Cycle& c = PickOf(s.cycles());
      if (c.state == CycleState::kPlanning || Chance(0.85)) {
        r.command = StartCycle{c.id};  // refused unless planning
      } else {
        r.command = CloseCycle{c.id};
      }
    } else if (s.objectives().empty() || roll < 15) {
      CreateObjective c;
      c.id = "o" + std::to_string(next_objective_++);
      c.cycle_id = PickOf(s.cycles()).id;
      c.title = "Objective " + *c.id;
      c.level = Pick(levels_);
      if (!s.objectives().empty() && Chance(0.3)) {
        c.parent_id = PickOf(s.objectives()).id;
      }
      if (Chance(0.3)) c.team = Pick(teams_);
      if (r.caller.role == Role::kAdmin && Chance(0.5)) c.owner = Pick(people_);
      r.command = c;
    } else if (roll < 21) {
      const Objective& o = PickOf(s.objectives());
      as_owner(o.owner);
      ObjectiveAction a = o.state == ObjectiveState::kDraft && Chance(0.85)
                              ? ObjectiveAction::kActivate
                          : Chance(0.5) ? ObjectiveAction::kAchieve
                                        : ObjectiveAction::kAbandon;
      r.command = TransitionObjective{
          o.id, a,
          Chance(0.5) ? std::optional<std::string>("because") : std::nullopt};
    } else if (s.key_results().empty() || roll < 30) {
      const Objective& o = PickOf(s.objectives());
      as_owner(o.owner);
      AddKeyResult k;
      k.objective_id = o.id;
      k.id = "k" + std::to_string(next_kr_++);
      k.title = "KR " + *k.id;
      k.kind = Chance(0.85) ? "metric" : "boolean";
      if (k.kind == "metric") {
        k.start = Uniform(0, 50);
        k.target = Uniform(0, 100);
      }
      if (Chance(0.3)) k.weight = Uniform(1, 4);
      r.command = k;
    } else if (roll < 72) {
      const KeyResult& k = PickOf(s.key_results());
      as_owner(s.FindObjective(k.objective_id)->owner);
      RecordCheckIn c;
      c.kr_id = k.id;
      c.value = k.kind == "boolean" ? Uniform(0, 1) : Uniform(0, 100);
      if (Chance(0.6)) c.confidence = Uniform(0, 10);
      if (Chance(0.2)) c.note = "note";
      if (Chance(0.5)) c.date = today.AddDays(-Uniform(0, 40));
      r.command = c;
    } else if (roll < 78) {
      const KeyResult& k = PickOf(s.key_results());
      as_owner(s.FindObjective(k.objective_id)->owner);
      UpdateKeyResult u;
      u.kr_id = k.id;
      if (Chance(0.6)) u.target = Uniform(0, 100);
      if (Chance(0.8)) u.reason = "moved";
      if (Chance(0.3)) u.weight = Uniform(1, 3);
      if (Chance(0.2)) u.title = "Renamed " + u.kr_id;
      r.command = u;
    } else if (roll < 83) {
      const Objective& o = PickOf(s.objectives());
      as_owner(o.owner);
      r.command = SetParent{o.id, Chance(0.85)
                                      ? std::optional(PickOf(s.objectives()).id)
                                      : std::nullopt};
    } else if (roll < 87) {
      const Objective& o = PickOf(s.objectives());
      as_owner(o.owner);
      UpdateObjective u;
      u.objective_id = o.id;
      if (Chance(0.5)) u.title = "Retitled " + std::to_string(Uniform(0, 9));
      if (Chance(0.3)) u.owner = Pick(people_);
      if (Chance(0.3)) u.team = Pick(teams_);
      if (Chance(0.2)) u.description = "Why it matters";
      r.command = u;
    } else if (roll < 88) {
      const KeyResult& k = PickOf(s.key_results());
      as_owner(s.FindObjective(k.objective_id)->owner);
      r.command = RemoveKeyResult{k.id, "obsolete"};
    } else if (roll < 91) {
      const KeyResult& k = PickOf(s.key_results());
      as_owner(s.FindObjective(k.objective_id)->owner);
      r.command = GradeKeyResult{k.id, Uniform(0, 10) / 10.0, "by hand"};
    } else if (s.kpis().empty() || roll < 93) {
      DefineKpi k;
      k.id = "kpi" + std::to_string(next_kpi_++);
      k.name = "KPI " + *k.id;
      k.unit = "ms";
      k.healthy_max = Uniform(50, 100);
      r.command = k;
    } else if (roll < 98) {
      const Kpi& k = PickOf(s.kpis());
      as_owner(k.owner);
      r.command = RecordMeasurement{k.id, double(Uniform(0, 150)),
                                    today.AddDays(-Uniform(0, 5))};
    } else {
      const Objective& o = PickOf(s.objectives());
      as_owner(o.owner);
      r.command = AddRetrospectiveNote{
          o.cycle_id, Chance(0.5) ? std::optional(o.id) : std::nullopt,
          "went well"};
    }
    return r;
  }

 private:
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  const std::string& Pick(const std::vector<std::string>& v) {
    return v[static_cast<std::size_t>(Uniform(0, int(v.size()) - 1))];
  }
  template <class Map>
  const typename Map::mapped_type& PickOf(const Map& m) {
    auto it = m.begin();
    std::advance(it, Uniform(0, int(m.size()) - 1));
    return it->second;
  }

  std::mt19937 rng_;
  int next_cycle_ = 0, next_objective_ = 0, next_kr_ = 0, next_kpi_ = 0;
  std::vector<std::string> people_{"ann", "bob", "cy", "dee", "eve", "fay"};
  std::vector<std::string> levels_{"company", "department", "team",
                                   "individual"};
  std::vector<std::string> teams_{"core", "growth", "infra"};
};

struct Capture {
  std::int64_t at_us;
  std::uint64_t position;
  OkrState state;
};

// Runs `phases` batches of `per_phase` commands, each batch submitted
// without waiting (pipelined), and captures the read state after each.
struct Scenario : EngineHarness {
  Scenario() : EngineHarness("2026-03-01", Limits{}, /*snapshot_every=*/250) {}

  // Commands go in batches of 10, pipelined (submitted without waiting);
  // the workload picks from the state at the batch boundary and the clock
  // moves between batches, so a seed gives one sequence.
  void Run(std::uint32_t seed, int phases, int per_phase) {
    RandomWorkload work(seed);
    for (int p = 0; p < phases; ++p) {
      for (int b = 0; b < per_phase; b += 10) {
        std::vector<CommandRequest> batch;
        engine().Read([&](const OkrState& s) {
          for (int i = b; i < std::min(per_phase, b + 10); ++i) {
            batch.push_back(work.Next(s, engine().Today()));
          }
        });
        std::vector<std::future<Outcome<CommandResult>>> done;
        for (CommandRequest& r : batch) {
          auto promise =
              std::make_shared<std::promise<Outcome<CommandResult>>>();
          done.push_back(promise->get_future());
          engine().Submit(std::move(r), [promise](Outcome<CommandResult> o) {
            promise->set_value(std::move(o));
          });
        }
        for (auto& f : done) {
          Outcome<CommandResult> r = f.get();
          if (r.ok() && r.value().first_position != 0) {
            ranges.emplace_back(r.value().first_position,
                                r.value().last_position);
          } else if (!r.ok()) {
            ++refused;
            ++slugs[r.error().slug];
          }
        }
        clock().Advance(7LL * 3600 * 1'000'000);  // 7 hours a batch
      }
      Capture c{clock().NowMicros(), LastPosition(), OkrState()};
      engine().Read([&](const OkrState& s) { c.state = s; });
      captures.push_back(std::move(c));
      clock().Advance(1'000'000);  // later events are after the capture
    }
  }

  OkrState Live() {
    OkrState s;
    engine().Read([&](const OkrState& live) { s = live; });
    return s;
  }

  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  int refused = 0;
  std::map<std::string, int> slugs;
  std::vector<Capture> captures;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_RANDOM_WORKLOAD_H_
