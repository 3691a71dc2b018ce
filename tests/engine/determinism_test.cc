// Determinism, snapshots and time travel: random command sequences (seeded)
// pipelined through the engine; the live state equals a replay from
// scratch, equals every snapshot plus its tail, survives a restart with or
// without snapshots; the state as of an instant equals the state the engine
// showed at that instant.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#include "engine/okr_engine.h"
#include "engine/verifier.h"
#include "tests/support/engine_harness.h"

namespace okr {
namespace {

using testing::D;
using testing::EngineHarness;

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

BOOST_FIXTURE_TEST_SUITE(determinism, Scenario)

BOOST_AUTO_TEST_CASE(live_state_equals_replay_and_every_snapshot_plus_tail) {
  Run(/*seed=*/20261127, /*phases=*/6, /*per_phase=*/500);
  const OkrState live = Live();
  BOOST_TEST_MESSAGE("positions " << LastPosition() << ", refused " << refused);
  for (const auto& [slug, n] : slugs) BOOST_TEST_MESSAGE(slug << " " << n);
  // A mix of outcomes, or the workload tests nothing.
  BOOST_TEST(refused > 100);
  BOOST_TEST(LastPosition() > 800u);
  BOOST_TEST(live.key_results().size() > 50u);
  BOOST_TEST(live.last_position() == LastPosition());

  // Accepted commands tile the log: refusals appended nothing, no gaps.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t next = 1;
  for (auto [first, last] : ranges) {
    BOOST_TEST_REQUIRE(first == next);
    next = last + 1;
  }
  BOOST_TEST(next == LastPosition() + 1);

  OkrState replayed;
  BOOST_TEST_REQUIRE(ReplayInto(engine().store(), &replayed).ok());
  BOOST_TEST((replayed == live));

  std::vector<std::uint64_t> snaps = engine().snapshots().List();
  BOOST_TEST_REQUIRE(snaps.size() >= 3u);
  for (std::uint64_t at : snaps) {
    OkrState s;
    BOOST_TEST_REQUIRE(engine().snapshots().Load(at, &s).ok());
    BOOST_TEST(s.last_position() == at);
    BOOST_TEST_REQUIRE(ReplayInto(engine().store(), &s).ok());
    BOOST_TEST((s == live), "snapshot at " << at << " plus tail");
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_log_and_state) {
  Run(42, 2, 400);
  Scenario other;
  other.Run(42, 2, 400);
  BOOST_TEST(other.LastPosition() == LastPosition());
  BOOST_TEST(other.refused == refused);
  BOOST_TEST((other.Live() == Live()));
  // Every event equal but for the hash chain's own bytes? No: all of it.
  auto mine = engine().store().ReadAll(1, 100000);
  auto theirs = other.engine().store().ReadAll(1, 100000);
  BOOST_TEST_REQUIRE(mine.ok());
  BOOST_TEST_REQUIRE(theirs.ok());
  BOOST_TEST((mine.value() == theirs.value()));
}

BOOST_AUTO_TEST_CASE(restart_with_and_without_snapshots_gives_the_same_state) {
  Run(7, 3, 400);
  const OkrState live = Live();
  Reopen();
  BOOST_TEST(engine().Stats().opened_from_snapshot > 0u);
  BOOST_TEST(engine().Stats().replayed_at_open < 250u);
  BOOST_TEST((Live() == live));
  for (std::uint64_t at : engine().snapshots().List()) {
    BOOST_TEST(engine().snapshots().Remove(at).ok());
  }
  options().snapshot_every = 0;
  Reopen();
  BOOST_TEST(engine().Stats().opened_from_snapshot == 0u);
  BOOST_TEST(engine().Stats().replayed_at_open == LastPosition());
  BOOST_TEST((Live() == live));
  BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(state_as_of_an_instant_is_what_the_engine_showed_then) {
  Run(99, 6, 300);
  // In an order that moves the cached state forward, back and forward.
  for (std::size_t i : {2u, 3u, 0u, 5u, 1u, 4u, 4u}) {
    const Capture& c = captures[i];
    bool called = false;
    Status s = engine().ReadAsOf(c.at_us, [&](const OkrState& st) {
      called = true;
      BOOST_TEST(st.last_position() == c.position);
      BOOST_TEST((st == c.state), "as of capture " << i);
    });
    BOOST_TEST_REQUIRE(s.ok());
    BOOST_TEST(called);
  }
  // Before the first event: empty. Far in the future: now.
  engine()
      .ReadAsOf(0,
                [](const OkrState& st) {
                  BOOST_TEST(st.cycles().empty());
                  BOOST_TEST(st.last_position() == 0u);
                })
      .ok();
  const OkrState live = Live();
  BOOST_TEST(
      engine()
          .ReadAsOf(testing::NoonOf("2099-01-01"),
                    [&](const OkrState& st) { BOOST_TEST((st == live)); })
          .ok());
}

BOOST_AUTO_TEST_CASE(time_travel_within_a_second_of_an_event) {
  Run(5, 2, 50);
  // Capture 0 holds the first phase; one microsecond before its instant
  // the log knew the same (nothing was recorded in the last 7 hours).
  const Capture& c = captures[0];
  engine()
      .ReadAsOf(c.at_us - 1,
                [&](const OkrState& st) { BOOST_TEST((st == c.state)); })
      .ok();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(snapshots, Scenario)

BOOST_AUTO_TEST_CASE(retention_keeps_the_newest_and_one_per_span) {
  testing::TempDir dir;
  SnapshotStore store(dir.Sub("snaps"));
  for (std::uint64_t p = 250'000; p <= 3'000'000; p += 250'000) {
    std::ofstream(store.PathOf(p)) << "x";
  }
  BOOST_TEST(store.Prune(1'000'000, 2) == 7u);
  std::vector<std::uint64_t> kept = store.List();
  std::vector<std::uint64_t> want{250'000, 1'000'000, 2'000'000, 2'750'000,
                                  3'000'000};
  BOOST_TEST(kept == want, boost::test_tools::per_element());
  BOOST_TEST(store.Prune(1'000'000, 2) == 0u);
}

void FlipByte(const std::string& path, std::size_t offset_from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  std::streamoff size = f.tellg();
  f.seekg(size - static_cast<std::streamoff>(offset_from_end));
  char c;
  f.get(c);
  f.seekp(size - static_cast<std::streamoff>(offset_from_end));
  f.put(static_cast<char>(c ^ 0x5A));
}

BOOST_AUTO_TEST_CASE(a_corrupt_snapshot_is_skipped_with_a_warning) {
  options().snapshot_every = 150;
  Reopen();
  Run(11, 2, 500);
  const OkrState live = Live();
  engine().Close();  // no snapshot is being written while we edit them
  std::vector<std::uint64_t> snaps = engine().snapshots().List();
  BOOST_TEST_REQUIRE(snaps.size() >= 2u);
  FlipByte(engine().snapshots().PathOf(snaps.back()), 10);
  Reopen();
  BOOST_TEST_REQUIRE(warnings.size() == 1u);
  BOOST_TEST(warnings[0].find("digest") != std::string::npos);
  // It fell back on the snapshot before.
  BOOST_TEST(engine().Stats().opened_from_snapshot == snaps[snaps.size() - 2]);
  BOOST_TEST((Live() == live));
}

BOOST_AUTO_TEST_CASE(an_old_format_snapshot_is_ignored_and_the_log_replayed) {
  options().snapshot_every = 150;
  Reopen();
  Run(12, 1, 600);
  const OkrState live = Live();
  options().snapshot_every = 0;
  engine().Close();  // no snapshot is being written while we edit them
  std::vector<std::uint64_t> snaps = engine().snapshots().List();
  BOOST_TEST_REQUIRE(!snaps.empty());
  for (std::uint64_t at : snaps) {
    // The format version is the 4 bytes after the 8-byte magic.
    std::fstream f(engine().snapshots().PathOf(at),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    f.put(0);
  }
  Reopen();
  BOOST_TEST_REQUIRE(warnings.size() == snaps.size());
  BOOST_TEST(warnings.back().find("snapshot format 0") != std::string::npos);
  BOOST_TEST(engine().Stats().opened_from_snapshot == 0u);
  BOOST_TEST((Live() == live));
}

// Copies every snapshot file of `from` into `to`'s snapshot folder.
void CopySnapshots(const std::string& from, const std::string& to) {
  for (const auto& f :
       std::filesystem::directory_iterator(from + "/snapshots")) {
    std::filesystem::copy_file(
        f.path(), to + "/snapshots/" + f.path().filename().string(),
        std::filesystem::copy_options::overwrite_existing);
  }
}

OkrState FoldOf(OkrEngine& engine) {
  OkrState s;
  BOOST_TEST_REQUIRE(ReplayInto(engine.store(), &s).ok());
  return s;
}

// Snapshots bound to the log: snapshots of another store (another chain at
// the same positions) are ignored at open, by time travel and reported by
// verify; the state is the fold of this log.
BOOST_AUTO_TEST_CASE(a_snapshot_of_another_log_is_ignored) {
  options().snapshot_every = 150;
  Reopen();
  Run(21, 1, 600);
  engine().Close();
  BOOST_TEST_REQUIRE(!engine().snapshots().List().empty());

  Scenario other;
  other.options().snapshot_every = 0;
  other.Reopen();
  other.Run(22, 3, 300);  // another workload: another chain
  BOOST_TEST_REQUIRE(other.LastPosition() > LastPosition());
  other.engine().Close();
  CopySnapshots(data_dir(), other.data_dir());
  std::vector<std::uint64_t> copied = other.engine().snapshots().List();
  BOOST_TEST_REQUIRE(!copied.empty());
  other.warnings.clear();
  other.Reopen();
  BOOST_TEST(other.engine().Stats().opened_from_snapshot == 0u);
  BOOST_TEST_REQUIRE(other.warnings.size() == copied.size());
  for (const std::string& w : other.warnings) {
    BOOST_TEST(w.find("taken from another log") != std::string::npos, w);
    BOOST_TEST(w.find("state-0000") != std::string::npos, w);
  }
  BOOST_TEST((other.Live() == FoldOf(other.engine())));

  // Time travel does not use them either: the state as of each capture is
  // what the engine held then.
  other.warnings.clear();
  for (const Capture& c : other.captures) {
    OkrState at;
    BOOST_TEST_REQUIRE(
        other.engine()
            .ReadAsOf(c.at_us, [&](const OkrState& s) { at = s; })
            .ok());
    BOOST_TEST((at == c.state));
  }
  BOOST_TEST(!other.warnings.empty());

  // okr verify: the log is fine, and it says which snapshots it would ignore.
  other.engine().Close();
  Result<VerifyReport> report = VerifyStore(other.data_dir());
  BOOST_TEST_REQUIRE(report.ok());
  BOOST_TEST(report->ok);
  BOOST_TEST_REQUIRE(report->snapshots.size() == copied.size());
  for (const VerifyReport::Snapshot& snap : report->snapshots) {
    BOOST_TEST(!snap.usable);
    BOOST_TEST(snap.why_ignored.find("another log") != std::string::npos);
  }
  // The store's own snapshots are usable.
  report = VerifyStore(data_dir());
  BOOST_TEST_REQUIRE(report.ok());
  BOOST_TEST_REQUIRE(!report->snapshots.empty());
  for (const VerifyReport::Snapshot& snap : report->snapshots) {
    BOOST_TEST(snap.usable, snap.why_ignored);
  }
}

// What an async-mode crash of the machine leaves: snapshots written after
// events the log then lost. The same workload run shorter is a prefix of
// the same chain; the snapshots past its end are ignored, any at or before
// it still match the chain and may be used, and the state is the fold.
BOOST_AUTO_TEST_CASE(a_snapshot_past_the_end_of_the_log_is_ignored) {
  options().snapshot_every = 150;
  Reopen();
  Run(23, 1, 600);
  engine().Close();
  std::vector<std::uint64_t> snaps = engine().snapshots().List();
  BOOST_TEST_REQUIRE(!snaps.empty());

  Scenario shorter;
  shorter.options().snapshot_every = 0;
  shorter.Reopen();
  shorter.Run(23, 1, 100);
  shorter.engine().Close();
  const std::uint64_t end = shorter.LastPosition();
  BOOST_TEST_REQUIRE(end < snaps.back());
  CopySnapshots(data_dir(), shorter.data_dir());
  shorter.warnings.clear();
  shorter.Reopen();
  std::size_t past = 0;
  for (std::uint64_t at : snaps) past += at > end ? 1 : 0;
  std::size_t said_past = 0;
  for (const std::string& w : shorter.warnings) {
    said_past += w.find("past the end of the log") != std::string::npos;
  }
  BOOST_TEST(said_past == past);
  BOOST_TEST(shorter.engine().Stats().opened_from_snapshot <= end);
  BOOST_TEST((shorter.Live() == FoldOf(shorter.engine())));
  // It goes on: new commands land after the end and a reopen still agrees.
  shorter.Run(24, 1, 50);
  BOOST_TEST(shorter.LastPosition() > end);
  shorter.Reopen();
  BOOST_TEST((shorter.Live() == FoldOf(shorter.engine())));
}

// The data folder and its snapshots hold the whole ledger: mode 0700.
BOOST_AUTO_TEST_CASE(the_data_and_snapshot_folders_are_private) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(data_dir().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  BOOST_TEST_REQUIRE(::stat((data_dir() + "/snapshots").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  testing::TempDir dir;
  auto store = EventStore::Open(dir.Sub("store"), StoreOptions{});
  BOOST_TEST_REQUIRE(store.ok());
  BOOST_TEST_REQUIRE(::stat(dir.Sub("store").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
}

BOOST_AUTO_TEST_CASE(a_truncated_snapshot_is_skipped) {
  options().snapshot_every = 150;
  Reopen();
  Run(13, 1, 600);
  const OkrState live = Live();
  engine().Close();
  std::vector<std::uint64_t> snaps = engine().snapshots().List();
  BOOST_TEST_REQUIRE(!snaps.empty());
  std::filesystem::resize_file(engine().snapshots().PathOf(snaps.back()), 30);
  Reopen();
  BOOST_TEST(!warnings.empty());
  BOOST_TEST((Live() == live));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
