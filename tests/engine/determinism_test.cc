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
#include "tests/support/random_workload.h"
#include "tests/support/state_compare.h"

namespace okr {
namespace {

using testing::Capture;
using testing::D;
using testing::EngineHarness;
using testing::Scenario;
using testing::ViewMismatch;

BOOST_FIXTURE_TEST_SUITE(determinism, Scenario)

BOOST_AUTO_TEST_CASE(live_state_equals_replay_and_every_snapshot_plus_tail) {
  options().snapshot_keep_every = 1;  // keep them all
  Reopen();
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
  const OkrState live = Live();
  for (std::size_t i : {2u, 3u, 0u, 5u, 1u, 4u, 4u}) {
    const Capture& c = captures[i];
    bool called = false;
    std::string mismatch;
    Status s = engine().ReadAsOf(c.at_us, [&](const StateView& st) {
      called = true;
      mismatch = ViewMismatch(st, live, c.state);
    });
    BOOST_TEST_REQUIRE(s.ok());
    BOOST_TEST(called);
    BOOST_TEST(mismatch == "", "as of capture " << i);
  }
  // Before the first event: empty. Far in the future: now.
  std::size_t cycles = 1;
  std::uint64_t position = 1;
  BOOST_TEST(engine()
                 .ReadAsOf(0,
                           [&](const StateView& st) {
                             cycles = st.Cycles().size();
                             position = st.last_position();
                           })
                 .ok());
  BOOST_TEST(cycles == 0u);
  BOOST_TEST(position == 0u);
  bool is_live = false;
  BOOST_TEST(engine()
                 .ReadAsOf(testing::NoonOf("2099-01-01"),
                           [&](const StateView& st) { is_live = st.live(); })
                 .ok());
  BOOST_TEST(is_live);
}

// The state as of any position, read through the position filter, is the
// fold of the log up to that position: entity for entity, field for field
// (versions, check-ins, changes, children and lineage included). Checked at
// every position of a seeded workload, folding the prefix one event at a
// time beside it.
BOOST_AUTO_TEST_CASE(the_state_as_of_every_position_is_the_fold_of_its_prefix) {
  Run(/*seed=*/20261206, /*phases=*/4, /*per_phase=*/500);
  auto log = engine().store().ReadAll(1, 1'000'000);
  BOOST_TEST_REQUIRE(log.ok());
  BOOST_TEST_REQUIRE(log->size() > 500u);
  OkrState prefix;
  events::Event event;
  std::string error;
  std::size_t checked = 0, failed = 0;
  std::string first_failure;
  engine().Read([&](const OkrState& live) {
    auto check = [&] {
      std::string m =
          ViewMismatch(StateView(live, prefix.last_position()), live, prefix);
      ++checked;
      if (!m.empty() && failed++ == 0) {
        first_failure =
            "at position " + std::to_string(prefix.last_position()) + ": " + m;
      }
    };
    check();  // position 0: nothing exists yet
    for (const RecordedEvent& e : *log) {
      if (!events::Decode(e, &event, &error)) {
        first_failure = error;
        ++failed;
        return;
      }
      prefix.Apply(e, event);
      check();
    }
  });
  BOOST_TEST(checked == log->size() + 1);
  BOOST_TEST(failed == 0u, first_failure);
}

BOOST_AUTO_TEST_CASE(time_travel_within_a_second_of_an_event) {
  Run(5, 2, 50);
  // Capture 0 holds the first phase; one microsecond before its instant
  // the log knew the same (nothing was recorded in the last 7 hours).
  const Capture& c = captures[0];
  const OkrState live = Live();
  std::string mismatch = "not read";
  BOOST_TEST(engine()
                 .ReadAsOf(c.at_us - 1,
                           [&](const StateView& st) {
                             mismatch = ViewMismatch(st, live, c.state);
                           })
                 .ok());
  BOOST_TEST(mismatch == "");
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
  // 0: the newest two only (the engine's default).
  BOOST_TEST(store.Prune(0, 2) == 3u);
  want = {2'750'000, 3'000'000};
  kept = store.List();
  BOOST_TEST(kept == want, boost::test_tools::per_element());
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

  // Time travel reads no snapshot at all: the state as of each capture is
  // what the engine held then, and nothing is ignored on the way.
  other.warnings.clear();
  const OkrState live = other.Live();
  for (const Capture& c : other.captures) {
    std::string mismatch = "not read";
    BOOST_TEST_REQUIRE(other.engine()
                           .ReadAsOf(c.at_us,
                                     [&](const StateView& s) {
                                       mismatch =
                                           ViewMismatch(s, live, c.state);
                                     })
                           .ok());
    BOOST_TEST(mismatch == "");
  }
  BOOST_TEST(other.warnings.empty());

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
