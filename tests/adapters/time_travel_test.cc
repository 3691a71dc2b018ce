// Time travel answers as a fold of the log prefix would: at many random
// instants of seeded workloads, the JSON of the tree, every objective,
// every key result, the histories and the window diff, from the position
// filter over the read state (projections/state_view.h), equals byte for
// byte what the same views give on the fold of the events recorded up to
// that instant.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <random>
#include <set>

#include "adapters/http/json_text.h"
#include "adapters/http/views.h"
#include "projections/audit_history.h"
#include "projections/window_diff.h"
#include "tests/support/random_workload.h"

namespace okr {
namespace {

using http::JsonText;
using nlohmann::json;
using testing::Scenario;

// Everything a time-travelling client may ask of one state, as text.
struct Answers {
  std::vector<std::string> texts;
};

Answers RenderAll(const StateView& s, const OkrState& ids, Date at) {
  Answers a;
  for (const auto& [id, c] : ids.cycles()) {
    const Cycle* cy = s.FindCycle(id);
    a.texts.push_back(cy ? JsonText(http::TreeJson(s, *cy, at)) : "none");
  }
  for (const auto& [id, o] : ids.objectives()) {
    const Objective* ob = s.FindObjective(id);
    a.texts.push_back(ob ? JsonText(http::ObjectiveJson(s, *ob, at)) : "none");
  }
  for (const auto& [id, k] : ids.key_results()) {
    const KeyResult* kr = s.FindKeyResult(id);
    a.texts.push_back(kr ? JsonText(http::KeyResultJson(s, *kr, at)) : "none");
  }
  for (const auto& [id, k] : ids.kpis()) {
    const Kpi* kpi = s.FindKpi(id);
    a.texts.push_back(kpi ? JsonText(http::KpiJson(*kpi)) : "none");
  }
  json cycles = json::array();
  for (const Cycle* c : s.Cycles())
    cycles.push_back(http::CycleView(s, *c, at));
  a.texts.push_back(JsonText(cycles));
  json objectives = json::array();
  for (const Objective* o : s.Objectives(nullptr)) {
    objectives.push_back(http::ObjectiveJson(s, *o, at));
  }
  a.texts.push_back(JsonText(objectives));
  return a;
}

// The history of objective `id` from the prefix's own events (those of its
// stream and of its key results' streams, up to the prefix's position).
std::string PrefixHistory(const std::vector<RecordedEvent>& log,
                          const OkrState& prefix, const std::string& id) {
  const Objective* o = prefix.FindObjective(id);
  if (o == nullptr) return "none";
  std::set<std::string> streams{"objective/" + id};
  for (const std::string& k : o->key_results) streams.insert("kr/" + k);
  AuditHistory h;
  events::Event e;
  std::string error;
  for (const RecordedEvent& r : log) {
    if (r.position > prefix.last_position()) break;
    if (streams.count(r.stream) == 0) continue;
    if (!events::Decode(r, &e, &error)) return "undecodable";
    h.Apply(r, e);
  }
  return JsonText(HistoryJson(h.entries()));
}

struct TimeTravel : Scenario {
  // The fold of the log up to each of `instants` (ascending).
  std::vector<OkrState> Prefixes(const std::vector<std::int64_t>& instants) {
    std::vector<OkrState> out;
    OkrState s;
    events::Event e;
    std::string error;
    std::size_t next = 0;
    for (std::int64_t t : instants) {
      while (next < log.size() && log[next].recorded_at_us <= t) {
        BOOST_TEST_REQUIRE(events::Decode(log[next], &e, &error), error);
        s.Apply(log[next], e);
        ++next;
      }
      out.push_back(s);
    }
    return out;
  }

  void LoadLog() {
    auto all = engine().store().ReadAll(1, 1'000'000);
    BOOST_TEST_REQUIRE(all.ok());
    log = std::move(all).value();
  }

  // `n` instants drawn between the first and the last event, plus the
  // edges: before the first, on an event's own instant, after the last.
  std::vector<std::int64_t> Instants(std::uint32_t seed, int n) {
    std::mt19937_64 rng(seed);
    const std::int64_t first = log.front().recorded_at_us;
    const std::int64_t last = log.back().recorded_at_us;
    std::vector<std::int64_t> out{first - 1, first,
                                  log[log.size() / 2].recorded_at_us, last};
    for (int i = 0; i < n; ++i) {
      out.push_back(
          std::uniform_int_distribution<std::int64_t>(first, last)(rng));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<RecordedEvent> log;
};

BOOST_FIXTURE_TEST_SUITE(time_travel, TimeTravel)

BOOST_AUTO_TEST_CASE(every_view_as_of_random_instants_equals_the_prefix_fold) {
  Run(11, /*phases=*/5, /*per_phase=*/300);
  LoadLog();
  BOOST_TEST_REQUIRE(log.size() > 400u);
  const OkrState live = Live();
  BOOST_TEST_REQUIRE(live.objectives().size() > 40u);
  const std::vector<std::int64_t> instants = Instants(2026, 40);
  const std::vector<OkrState> prefixes = Prefixes(instants);
  const Date today = engine().Today();
  std::size_t compared = 0, differed = 0, existed = 0;
  std::string first;
  for (std::size_t i = 0; i < instants.size(); ++i) {
    for (Date at : {today, today.AddDays(-20)}) {
      Answers got;
      BOOST_TEST_REQUIRE(engine()
                             .ReadAsOf(instants[i],
                                       [&](const StateView& s) {
                                         got = RenderAll(s, live, at);
                                       })
                             .ok());
      Answers want = RenderAll(prefixes[i], live, at);
      BOOST_TEST_REQUIRE(got.texts.size() == want.texts.size());
      for (std::size_t j = 0; j < got.texts.size(); ++j) {
        ++compared;
        existed += want.texts[j] != "none";
        if (got.texts[j] != want.texts[j] && differed++ == 0) {
          first = "instant " + std::to_string(instants[i]) + ", answer " +
                  std::to_string(j) + ":\n" + got.texts[j] + "\n" +
                  want.texts[j];
        }
      }
    }
  }
  BOOST_TEST(differed == 0u, first);
  // Both present and absent entities were compared.
  BOOST_TEST(existed > compared / 4);
  BOOST_TEST(existed < compared);
}

BOOST_AUTO_TEST_CASE(histories_as_of_random_instants_equal_the_prefix_fold) {
  Run(31, /*phases=*/3, /*per_phase=*/300);
  LoadLog();
  const OkrState live = Live();
  const std::vector<std::int64_t> instants = Instants(7, 15);
  const std::vector<OkrState> prefixes = Prefixes(instants);
  std::size_t differed = 0, found = 0;
  std::string first;
  for (std::size_t i = 0; i < instants.size(); ++i) {
    auto upto = engine().store().PositionAsOf(instants[i]);
    BOOST_TEST_REQUIRE(upto.ok());
    BOOST_TEST(upto.value() == prefixes[i].last_position());
    for (const auto& [id, o] : live.objectives()) {
      auto got =
          engine().History(OkrEngine::HistoryOf::kObjective, id, upto.value());
      std::string got_text =
          got.ok() ? JsonText(HistoryJson(got.value()))
                   : (got.status().IsNotFound() ? "none" : "error");
      std::string want = PrefixHistory(log, prefixes[i], id);
      found += want != "none";
      if (got_text != want && differed++ == 0) {
        first = id + " as of position " + std::to_string(upto.value()) + ":\n" +
                got_text + "\n" + want;
      }
    }
  }
  BOOST_TEST(differed == 0u, first);
  BOOST_TEST(found > 0u);
}

BOOST_AUTO_TEST_CASE(
    window_diffs_between_random_instants_equal_the_prefix_fold) {
  Run(41, /*phases=*/4, /*per_phase=*/300);
  LoadLog();
  const OkrState live = Live();
  const std::vector<std::int64_t> instants = Instants(99, 12);
  const std::vector<OkrState> prefixes = Prefixes(instants);
  std::size_t differed = 0, nonempty = 0, compared = 0;
  std::string first;
  for (std::size_t i = 0; i < instants.size(); ++i) {
    for (std::size_t j = i; j < instants.size(); j += 3) {
      for (const auto& entry : live.cycles()) {
        const std::string& cycle = entry.first;  // (clang 14: no binding
                                                 // captured by a lambda)
        std::string got;
        BOOST_TEST_REQUIRE(
            engine()
                .ReadWindow(instants[i], instants[j],
                            [&](const StateView& f, const StateView& t) {
                              auto w = SummarizeWindow(f, t, cycle);
                              got = DiffJsonText(w.first, w.second, cycle,
                                                 instants[i], instants[j]);
                            })
                .ok());
        std::string want = DiffJsonText(Summarize(prefixes[i], cycle),
                                        Summarize(prefixes[j], cycle), cycle,
                                        instants[i], instants[j]);
        ++compared;
        nonempty += want.find("\"objectives\":[]") == std::string::npos;
        if (got != want && differed++ == 0) {
          first = cycle + ":\n" + got + "\n" + want;
        }
      }
    }
  }
  BOOST_TEST(differed == 0u, first);
  BOOST_TEST(nonempty > compared / 4);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
