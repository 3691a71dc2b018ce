// Storage faults: a RocksDB FileSystem that fails writes, syncs and reads
// under the real store and engine (tests/support/faulty_fs.h). What must
// hold: a failed append is never acknowledged; while the disk fails, writes
// are refused at once (503 at the API) and reads go on; once it heals,
// writes resume without a restart; nothing acknowledged is ever lost and the
// chain verifies afterwards.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "engine/event_store.h"
#include "engine/verifier.h"
#include "tests/support/engine_harness.h"
#include "tests/support/eventually.h"
#include "tests/support/faulty_fs.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using testing::D;
using testing::EngineHarness;
using testing::FaultyFs;
using testing::TempDir;

constexpr std::int64_t kT0 = 1'790'000'000'000'000;

CommandMeta By(const std::string& actor) {
  CommandMeta m;
  m.actor = actor;
  return m;
}

NewEvent Ev(const std::string& stream, const std::string& data) {
  return NewEvent{stream, "Noted", 1, data};
}

using testing::Eventually;

struct FaultyStore {
  FaultyStore() : clock(kT0) {
    std::tie(fs, env) = FaultyFs::Make();
    Open(env.get());
  }
  void Open(rocksdb::Env* e) {
    store.reset();
    StoreOptions options;
    options.clock = &clock;
    options.TEST_env = e;
    auto opened = EventStore::Open(dir.path(), options);
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    store = std::move(opened.value());
  }
  Result<AppendResult> Put(const std::string& stream, const std::string& data) {
    clock.Advance(1000);
    return store->Append(stream, std::nullopt, {Ev(stream, data)}, By("ann"));
  }
  std::vector<std::string> Data() {
    std::vector<std::string> out;
    auto all = store->ReadAll(1, 1'000'000);
    BOOST_REQUIRE_MESSAGE(all.ok(), all.status().ToString());
    for (const RecordedEvent& e : *all) out.push_back(e.data);
    return out;
  }

  TempDir dir;
  ManualClock clock;
  std::shared_ptr<FaultyFs> fs;
  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<EventStore> store;
};

BOOST_AUTO_TEST_SUITE(storage_faults)

// A failed WAL write: the append answers IOError and nothing of it is
// visible; later appends are refused without touching the disk; reads go
// on; once the disk heals the store reopens itself (no command needed) and
// the next append gets the next position, as if the failed one never was.
BOOST_FIXTURE_TEST_CASE(failed_write_is_refused_then_writes_resume,
                        FaultyStore) {
  for (int i = 1; i <= 3; ++i)
    BOOST_REQUIRE(Put("objective/a", "a" + std::to_string(i)).ok());
  fs->fail_writes = true;
  auto failed = Put("objective/a", "lost");
  BOOST_TEST(!failed.ok());
  BOOST_TEST(failed.status().IsIOError());
  BOOST_TEST(!store->healthy());
  BOOST_TEST(store->HealthError().find("injected write fault") !=
             std::string::npos);
  const std::uint64_t injected = fs->injected();
  BOOST_TEST(injected >= 1u);

  // Refused at once, without a write reaching the file system.
  auto again = Put("objective/b", "refused");
  BOOST_TEST(again.status().IsIOError());
  BOOST_TEST(again.status().message().find("refusing writes") !=
             std::string::npos);
  // Reads keep working and show only what was acknowledged.
  BOOST_TEST(store->LastPosition() == 3u);
  BOOST_TEST(Data() == (std::vector<std::string>{"a1", "a2", "a3"}));
  auto version = store->StreamVersion("objective/a");
  BOOST_REQUIRE(version.ok());
  BOOST_TEST(version.value() == 3u);

  fs->fail_writes = false;
  // Heals by itself, within a few recovery intervals.
  BOOST_TEST(Eventually([&] { return store->healthy(); }));
  BOOST_TEST(store->Stats().recoveries >= 1u);
  BOOST_TEST(store->Stats().write_failures == 1u);
  auto resumed = Put("objective/a", "a4");
  BOOST_REQUIRE_MESSAGE(resumed.ok(), resumed.status().ToString());
  BOOST_TEST(resumed->first_position == 4u);
  BOOST_TEST(resumed->versions.at(0) == 4u);  // "lost" took no version

  Open(nullptr);  // a plain restart, no fault injection
  BOOST_TEST(Data() == (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  store.reset();
  auto report = VerifyStore(dir.path());
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->ok, report->problem);
  BOOST_TEST(report->events == 4u);
}

// A failed fsync: the WAL record reached the file before the sync failed,
// so the reopening finds it. It was never acknowledged, yet it is now part
// of the log, whole and chained; the command queued meanwhile is refused
// (it was decided against a head that moved), and the next one follows it.
BOOST_FIXTURE_TEST_CASE(failed_sync_outcome_unknown_but_chain_whole,
                        FaultyStore) {
  BOOST_REQUIRE(Put("objective/a", "a1").ok());
  BOOST_REQUIRE(Put("objective/a", "a2").ok());
  fs->fail_syncs = true;
  auto failed = Put("objective/a", "maybe");
  BOOST_TEST(failed.status().IsIOError());
  BOOST_TEST(store->LastPosition() == 2u);  // not visible before recovery
  BOOST_TEST(Data() == (std::vector<std::string>{"a1", "a2"}));
  fs->fail_syncs = false;
  BOOST_TEST(Eventually([&] { return store->healthy(); }));
  // The reopening read the batch back from the WAL.
  BOOST_TEST(store->LastPosition() == 3u);
  BOOST_TEST(Data() == (std::vector<std::string>{"a1", "a2", "maybe"}));
  auto next = Put("objective/a", "a3");
  BOOST_REQUIRE_MESSAGE(next.ok(), next.status().ToString());
  BOOST_TEST(next->first_position == 4u);
  BOOST_TEST(next->versions.at(0) == 4u);
  store.reset();
  auto report = VerifyStore(dir.path());
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->ok, report->problem);
  BOOST_TEST(report->events == 4u);
}

// Failed reads: a read answers an error, never wrong data; opening a store
// whose files cannot be read fails cleanly; both work again once the disk
// does.
BOOST_FIXTURE_TEST_CASE(failed_reads_are_errors_not_data, FaultyStore) {
  // 2,000 events of 1 KiB: many table blocks, so a scan from the start
  // reads blocks that no open or earlier read brought into the cache.
  for (int i = 1; i <= 2000; ++i) {
    std::string data = "d" + std::to_string(i);
    data.resize(1024, '.');
    BOOST_REQUIRE(Put("objective/s" + std::to_string(i % 5), data).ok());
  }
  Open(env.get());  // the clean close flushed everything into tables
  fs->fail_reads = true;
  auto page = store->ReadAll(1, 100);
  BOOST_TEST(!page.ok());
  BOOST_TEST(page.status().IsIOError());
  BOOST_TEST(fs->injected() >= 1u);
  fs->fail_reads = false;
  page = store->ReadAll(1, 100);
  BOOST_REQUIRE(page.ok());
  BOOST_TEST(page->size() == 100u);
  BOOST_TEST(page->back().data.substr(0, 5) == "d100.");

  store.reset();
  fs->fail_reads = true;
  StoreOptions options;
  options.clock = &clock;
  options.TEST_env = env.get();
  auto opened = EventStore::Open(dir.path(), options);
  BOOST_TEST(!opened.ok());
  fs->fail_reads = false;
  Open(env.get());
  BOOST_TEST(store->LastPosition() == 2000u);
}

// Four writers append while faults come and go at random (write faults and
// sync faults, on the WAL and on every file, for a few milliseconds each).
// Afterwards, on a plain restart: every acknowledged append is in the log
// with its data at its position; the log is gapless and verifies.
BOOST_FIXTURE_TEST_CASE(random_faults_lose_nothing_acknowledged, FaultyStore) {
  std::mutex mu;
  std::map<std::uint64_t, std::string> acknowledged;  // position -> data
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> not_io_errors{0};  // refusals of another kind
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        std::string data = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = store->Append("objective/s" + std::to_string(w), std::nullopt,
                               {Ev("objective/s" + std::to_string(w), data)},
                               By("writer"));
        if (r.ok()) {
          std::lock_guard lock(mu);
          acknowledged[r->first_position] = data;
        } else {
          // No Boost.Test assertion here: they are not thread-safe.
          if (!r.status().IsIOError()) ++not_io_errors;
          ++refused;
          // A pause, not a wait: a refused writer would otherwise spin
          // through the episode; what it asserts does not depend on it.
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    });
  }
  std::mt19937 rng(7);
  int episodes = 0;
  // Episodes for 4 s, and on until enough happened to judge (a busy
  // machine appends less in 4 s); the random gaps and lengths of the
  // episodes are the point of the test, not waits for something.
  auto acked = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  auto enough = [&] {
    return fs->injected() >= 5u && acked() >= 50u && refused.load() >= 1u;
  };
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(4);
  const auto give_up = start + testing::kPatience;
  while (std::chrono::steady_clock::now() < give_up &&
         (std::chrono::steady_clock::now() < end || !enough())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 40));
    (rng() % 2 == 0 ? fs->fail_writes : fs->fail_syncs) = true;
    ++episodes;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 20));
    fs->fail_writes = false;
    fs->fail_syncs = false;
  }
  BOOST_TEST(Eventually([&] { return store->healthy(); }));
  stop = true;
  for (auto& t : writers) t.join();
  const std::uint64_t injected = fs->injected();
  BOOST_TEST_MESSAGE("random faults: " << episodes << " episodes, " << injected
                                       << " faults injected, "
                                       << acknowledged.size()
                                       << " appends acknowledged, "
                                       << refused.load() << " refused");
  BOOST_TEST(injected >= 5u);
  BOOST_TEST(acknowledged.size() >= 50u);
  BOOST_TEST(refused.load() >= 1u);
  BOOST_TEST(not_io_errors.load() == 0u);

  Open(nullptr);
  auto all = store->ReadAll(1, 10'000'000);
  BOOST_REQUIRE(all.ok());
  std::uint64_t lost = 0;
  for (const auto& [position, data] : acknowledged) {
    if (position > all->size() || (*all)[position - 1].data != data) ++lost;
  }
  BOOST_TEST(lost == 0u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    BOOST_REQUIRE((*all)[i].position == i + 1);
  }
  store.reset();
  auto report = VerifyStore(dir.path());
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->ok, report->problem);
}

// Through the engine: a command whose append fails is Unavailable (503 at
// the API); while the store is unhealthy every command is refused at once
// and queries still answer; after healing, commands go through, and after
// a restart everything acknowledged is there.
BOOST_AUTO_TEST_CASE(engine_refuses_while_unhealthy_then_resumes) {
  auto [fs, env] = FaultyFs::Make();
  EngineHarness h("2026-07-01");
  h.options().store.TEST_env = env.get();
  h.Reopen();
  h.Must(
      h.Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
  CreateObjective o;
  o.id = "love";
  o.cycle_id = "q3";
  o.title = "Customers love us";
  o.level = "team";
  h.Must(h.Member("maria", o));
  const std::uint64_t before = h.LastPosition();

  fs->fail_writes = true;
  CreateObjective o2 = o;
  o2.id = "speed";
  auto failed = h.Member("maria", o2);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST((failed.error().kind == ErrorKind::kUnavailable));
  BOOST_TEST(failed.error().slug == "store-unavailable");
  const std::uint64_t injected = fs->injected();
  auto refused = h.Member("maria", o2);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().kind == ErrorKind::kUnavailable));
  BOOST_TEST(refused.error().detail.find("nothing was written") !=
             std::string::npos);
  BOOST_TEST(fs->injected() == injected);  // refused without writing
  BOOST_TEST(h.LastPosition() == before);
  // Queries answer from the read state.
  bool found = h.engine().Read([](const OkrState& s) {
    return s.FindObjective("love") != nullptr &&
           s.FindObjective("speed") == nullptr;
  });
  BOOST_TEST(found);

  fs->fail_writes = false;
  BOOST_TEST(Eventually([&] { return h.engine().store().healthy(); }));
  auto ok = h.Member("maria", o2);
  BOOST_REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? std::string() : ok.error().detail));
  BOOST_TEST(ok.value().first_position == before + 1);

  h.options().store.TEST_env = nullptr;
  h.Reopen();
  bool both = h.engine().Read([](const OkrState& s) {
    return s.FindObjective("love") != nullptr &&
           s.FindObjective("speed") != nullptr;
  });
  BOOST_TEST(both);
  BOOST_TEST(h.LastPosition() == before + 1);
  h.engine().Close();
  auto report = VerifyStore(h.data_dir());
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->ok, report->problem);
}

// The projector never stops in silence: a read error of the log turns the
// engine degraded (commands refused kUnavailable, nothing written), and once
// the fault clears the projector's retry brings it back without a restart.
BOOST_AUTO_TEST_CASE(a_projector_read_error_degrades_then_recovers) {
  std::atomic<bool> fault{false};
  EngineHarness h;
  h.options().TEST_projector_fault = [&](std::uint64_t) {
    return fault ? Status::IOError("injected read fault") : Status::OK();
  };
  h.Reopen();
  h.Must(h.Admin(
      CreateCycle{"q1", std::nullopt, D("2026-07-01"), D("2026-09-30")}));
  BOOST_TEST(h.engine().healthy());
  fault = true;
  // A command whose events become durable while the projector cannot read
  // them: it is answered once they are in the state.
  auto promise = std::make_shared<std::promise<Outcome<CommandResult>>>();
  auto answered = promise->get_future();
  CommandRequest r;
  r.caller = Caller{"root", Role::kAdmin};
  r.command = CreateCycle{"q2", std::nullopt, D("2026-10-01"), D("2026-12-31")};
  h.engine().Submit(std::move(r), [promise](Outcome<CommandResult> o) {
    promise->set_value(std::move(o));
  });
  BOOST_TEST_REQUIRE(Eventually([&] { return !h.engine().healthy(); }));
  BOOST_TEST(h.engine().HealthError().find("injected read fault") !=
             std::string::npos);
  BOOST_TEST(h.engine().Stats().degraded);
  BOOST_TEST(h.engine().Stats().projector_errors >= 1u);
  const std::uint64_t before = h.LastPosition();
  auto refused = h.Admin(
      CreateCycle{"q3", std::nullopt, D("2027-01-01"), D("2027-03-31")});
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().kind == ErrorKind::kUnavailable));
  BOOST_TEST(refused.error().detail.find("degraded") != std::string::npos);
  BOOST_TEST(h.LastPosition() == before);

  fault = false;
  BOOST_TEST_REQUIRE(Eventually([&] { return h.engine().healthy(); }));
  BOOST_TEST(h.engine().HealthError().empty());
  BOOST_TEST_REQUIRE((answered.wait_for(std::chrono::seconds(30)) ==
                      std::future_status::ready));
  BOOST_TEST(answered.get().ok());
  auto later = h.Admin(
      CreateCycle{"q3", std::nullopt, D("2027-01-01"), D("2027-03-31")});
  BOOST_TEST(later.ok());
  bool all = h.engine().Read([](const OkrState& s) {
    return s.FindCycle("q2") != nullptr && s.FindCycle("q3") != nullptr;
  });
  BOOST_TEST(all);
}

// One policy for an event that does not decode, live, in History and at
// open: the fold stops before it, the engine is degraded naming its
// position, commands are refused; never skipped, never a crash.
BOOST_AUTO_TEST_CASE(an_undecodable_event_degrades_the_engine_everywhere) {
  EngineHarness h;
  h.Must(h.Admin(
      CreateCycle{"q3", std::nullopt, D("2026-07-01"), D("2026-09-30")}));
  CreateObjective o;
  o.id = "love";
  o.cycle_id = "q3";
  o.title = "Customers love us";
  o.level = "team";
  h.Must(h.Member("maria", o));
  CommandMeta meta;
  meta.actor = "maria";
  auto bad = h.engine().store().Append(
      "objective/love", std::nullopt,
      {NewEvent{"objective/love", "ObjectiveAligned", 1, "\x07"}}, meta);
  BOOST_TEST_REQUIRE(bad.ok());
  const std::string where =
      "position " + std::to_string(bad->first_position) + " does not decode";
  BOOST_TEST_REQUIRE(Eventually([&] { return !h.engine().healthy(); }));
  BOOST_TEST(h.engine().HealthError().find(where) != std::string::npos,
             h.engine().HealthError());
  auto refused = h.Admin(
      CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")});
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().kind == ErrorKind::kUnavailable));
  // History reads what the state holds: up to the event before it.
  auto history = h.engine().History(OkrEngine::HistoryOf::kObjective, "love");
  BOOST_TEST_REQUIRE(history.ok());
  BOOST_TEST_REQUIRE(!history->empty());
  BOOST_TEST(history->back().position < bad->first_position);

  h.Reopen();  // opens, degraded, at the same position
  BOOST_TEST(!h.engine().healthy());
  BOOST_TEST(h.engine().HealthError().find(where) != std::string::npos);
  BOOST_TEST(h.engine().Stats().applied_position == bad->first_position - 1);
  bool has = h.engine().Read(
      [](const OkrState& s) { return s.FindObjective("love") != nullptr; });
  BOOST_TEST(has);
  BOOST_TEST(h.LastPosition() == bad->first_position);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
