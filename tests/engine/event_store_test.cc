#include "engine/event_store.h"

#include <openssl/sha.h>

#include <boost/test/unit_test.hpp>
#include <set>
#include <thread>

#include "engine/storage_format.h"
#include "engine/subscription.h"
#include "tests/support/eventually.h"
#include "tests/support/raw_rocks.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using testing::TempDir;

constexpr std::int64_t kT0 = 1'790'000'000'000'000;  // 2026-09-22T...Z

NewEvent Ev(const std::string& stream, const std::string& type = "Noted",
            const std::string& data = "{}") {
  return NewEvent{stream, type, 1, data};
}

CommandMeta By(const std::string& actor) {
  CommandMeta m;
  m.actor = actor;
  return m;
}

struct StoreFixture {
  StoreFixture() : clock(kT0) { Reopen(); }

  void Reopen(Durability durability = Durability::kSync) {
    store.reset();
    StoreOptions options;
    options.clock = &clock;
    options.durability = durability;
    auto opened = EventStore::Open(dir.path(), options);
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    store = std::move(opened.value());
  }

  AppendResult MustAppend(const std::string& stream,
                          std::optional<std::uint64_t> expected,
                          std::vector<NewEvent> events,
                          CommandMeta meta = By("alice")) {
    auto r = store->Append(stream, expected, std::move(events), meta);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return r.value();
  }

  TempDir dir;
  ManualClock clock;
  std::unique_ptr<EventStore> store;
};

BOOST_FIXTURE_TEST_SUITE(event_store, StoreFixture)

BOOST_AUTO_TEST_CASE(positions_are_gapless_and_versions_count_per_stream) {
  MustAppend("objective/a", 0, {Ev(""), Ev("")});
  MustAppend("objective/b", 0, {Ev("")});
  AppendResult r = MustAppend("objective/a", 2, {Ev("")});
  BOOST_TEST(r.first_position == 4u);
  BOOST_TEST(r.last_position == 4u);
  BOOST_TEST(r.versions == std::vector<std::uint64_t>{3});
  BOOST_TEST(store->LastPosition() == 4u);

  auto all = store->ReadAll(1, 100);
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE_EQUAL(all->size(), 4u);
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < all->size(); ++i) {
    BOOST_TEST((*all)[i].position == i + 1);
    seen.push_back((*all)[i].stream + "@" + std::to_string((*all)[i].version));
  }
  std::vector<std::string> expected = {"objective/a@1", "objective/a@2",
                                       "objective/b@1", "objective/a@3"};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(store->StreamVersion("objective/a").value() == 3u);
  BOOST_TEST(store->StreamVersion("objective/zz").value() == 0u);
}

BOOST_AUTO_TEST_CASE(version_conflict_writes_nothing) {
  MustAppend("kr/k1", 0, {Ev("")});
  auto r = store->Append("kr/k1", 0, {Ev("")}, By("alice"));
  BOOST_TEST(r.status().IsVersionConflict());
  BOOST_TEST(r.status().message().find("kr/k1 is at version 1, expected 0") !=
             std::string::npos);
  auto stale = store->Append("kr/k1", 5, {Ev("")}, By("alice"));
  BOOST_TEST(stale.status().IsVersionConflict());
  BOOST_TEST(store->LastPosition() == 1u);
  BOOST_TEST(store->StreamVersion("kr/k1").value() == 1u);
  BOOST_TEST(store->Stats().conflicts == 2u);
  Reopen();
  BOOST_TEST(store->LastPosition() == 1u);
}

BOOST_AUTO_TEST_CASE(multi_stream_command_is_all_or_nothing) {
  MustAppend("cycle/q1", 0, {Ev("")});
  AppendRequest req;
  req.events = {Ev("cycle/q1", "CycleClosed"), Ev("kr/a", "Graded"),
                Ev("kr/b", "Graded")};
  req.conditions = {{"cycle/q1", 1}, {"kr/a", 7}};  // kr/a is not at 7
  req.meta = By("admin");
  auto refused = store->Append(req);
  BOOST_TEST(refused.status().IsVersionConflict());
  BOOST_TEST(store->LastPosition() == 1u);
  BOOST_TEST(store->StreamVersion("kr/b").value() == 0u);

  req.conditions = {{"cycle/q1", 1}, {"kr/a", 0}};
  auto ok = store->Append(req);
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(ok->first_position == 2u);
  BOOST_TEST(ok->last_position == 4u);
  auto events = store->ReadAll(2, 10).value();
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  for (const auto& e : events) {
    BOOST_TEST(e.command_id == ok->command_id);
    BOOST_TEST(e.recorded_at_us == ok->recorded_at_us);
    BOOST_TEST(e.actor == "admin");
  }
  BOOST_TEST(ok->command_id == "cmd-2");
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_refused_and_write_nothing) {
  BOOST_TEST(store->Append("objective/a", std::nullopt, {}, By("alice"))
                 .status()
                 .IsInvalidArgument());
  BOOST_TEST(store->Append("Objective/A", std::nullopt, {Ev("")}, By("alice"))
                 .status()
                 .IsInvalidArgument());
  BOOST_TEST(store->Append("objective/a", std::nullopt, {Ev("")}, By(""))
                 .status()
                 .IsInvalidArgument());
  BOOST_TEST(
      store->Append("objective/a", std::nullopt, {Ev("", "")}, By("alice"))
          .status()
          .IsInvalidArgument());
  BOOST_TEST(store->LastPosition() == 0u);
}

BOOST_AUTO_TEST_CASE(idempotent_replay_appends_nothing_even_after_restart) {
  CommandMeta meta = By("alice");
  meta.idempotency_key = "key-1";
  meta.fingerprint = "POST /v1/x {\"a\":1}";
  meta.response = "{\"id\":\"x\"}";
  AppendResult first = MustAppend("objective/x", 0, {Ev("")}, meta);
  BOOST_TEST(!first.replayed);

  // A replay needs no matching expected version: the command is not decided
  // again.
  AppendResult again = MustAppend("objective/x", 0, {Ev("")}, meta);
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.first_position == first.first_position);
  BOOST_TEST(again.command_id == first.command_id);
  BOOST_TEST(again.response == "{\"id\":\"x\"}");
  BOOST_TEST(store->LastPosition() == 1u);

  Reopen();
  AppendResult after_restart = MustAppend("objective/x", 0, {Ev("")}, meta);
  BOOST_TEST(after_restart.replayed);
  BOOST_TEST(after_restart.recorded_at_us == first.recorded_at_us);
  BOOST_TEST(store->LastPosition() == 1u);
  // Asked without appending, the store answers as Append does.
  auto answer = store->AnswerByKey(meta);
  BOOST_REQUIRE(answer.ok() && answer->has_value());
  BOOST_TEST(answer->value().replayed);
  BOOST_TEST(answer->value().first_position == 1u);
  BOOST_TEST(answer->value().command_id == first.command_id);
  BOOST_TEST(answer->value().response == "{\"id\":\"x\"}");
  CommandMeta other = meta;
  other.actor = "bob";
  BOOST_TEST(!store->AnswerByKey(other)->has_value());
  other = meta;
  other.fingerprint = "another request";
  BOOST_TEST(store->AnswerByKey(other).status().IsIdempotencyMismatch());
}

BOOST_AUTO_TEST_CASE(idempotency_key_with_another_request_is_refused) {
  CommandMeta meta = By("alice");
  meta.idempotency_key = "k";
  meta.fingerprint = "one";
  MustAppend("objective/x", std::nullopt, {Ev("")}, meta);
  meta.fingerprint = "two";
  auto r = store->Append("objective/x", std::nullopt, {Ev("")}, meta);
  BOOST_TEST(r.status().IsIdempotencyMismatch());
  BOOST_TEST(store->LastPosition() == 1u);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_are_scoped_per_actor) {
  CommandMeta alice = By("alice");
  alice.idempotency_key = "same";
  CommandMeta bob = By("bob");
  bob.idempotency_key = "same";
  MustAppend("objective/x", std::nullopt, {Ev("")}, alice);
  AppendResult r = MustAppend("objective/x", std::nullopt, {Ev("")}, bob);
  BOOST_TEST(!r.replayed);
  BOOST_TEST(store->LastPosition() == 2u);
}

BOOST_AUTO_TEST_CASE(racing_requests_with_one_key_append_once) {
  // Whether the racers land in one group commit (answered from the group's
  // own record) or in several (answered from RocksDB), one appends.
  std::vector<std::thread> threads;
  std::vector<AppendResult> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      CommandMeta m = By("alice");
      m.idempotency_key = "racing";
      m.fingerprint = "f";
      results[i] =
          store->Append("objective/x", std::nullopt, {Ev("")}, m).value();
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(store->LastPosition() == 1u);
  int originals = 0;
  for (const auto& r : results) {
    BOOST_TEST(r.first_position == 1u);
    originals += r.replayed ? 0 : 1;
  }
  BOOST_TEST(originals == 1);
}

BOOST_AUTO_TEST_CASE(recorded_at_never_decreases_when_the_clock_steps_back) {
  clock.Set(kT0 + 5'000'000);
  AppendResult a = MustAppend("objective/a", std::nullopt, {Ev("")});
  clock.Set(kT0);  // wall clock stepped back five seconds
  AppendResult b = MustAppend("objective/a", std::nullopt, {Ev("")});
  clock.Set(kT0 + 9'000'000);
  AppendResult c = MustAppend("objective/a", std::nullopt, {Ev("")});
  BOOST_TEST(a.recorded_at_us == kT0 + 5'000'000);
  BOOST_TEST(b.recorded_at_us == kT0 + 5'000'000);
  BOOST_TEST(c.recorded_at_us == kT0 + 9'000'000);
  // Also across a restart: the head remembers the last time.
  Reopen();
  clock.Set(kT0 - 1);
  AppendResult d = MustAppend("objective/a", std::nullopt, {Ev("")});
  BOOST_TEST(d.recorded_at_us == kT0 + 9'000'000);
  auto events = store->ReadAll(1, 10).value();
  for (std::size_t i = 1; i < events.size(); ++i) {
    BOOST_TEST(events[i].recorded_at_us >= events[i - 1].recorded_at_us);
  }
}

BOOST_AUTO_TEST_CASE(position_as_of_finds_the_last_event_recorded_by_then) {
  BOOST_TEST(store->PositionAsOf(kT0).value() == 0u);  // empty log
  // Times: positions 1-2 at T0+10 (one command), 3 at T0+20, 4 and 5 at
  // T0+20 (the clock did not move), 6 at T0+30.
  clock.Set(kT0 + 10);
  MustAppend("kr/a", std::nullopt, {Ev(""), Ev("")});
  clock.Set(kT0 + 20);
  MustAppend("kr/a", std::nullopt, {Ev("")});
  MustAppend("kr/a", std::nullopt, {Ev("")});
  MustAppend("kr/a", std::nullopt, {Ev("")});
  clock.Set(kT0 + 30);
  MustAppend("kr/a", std::nullopt, {Ev("")});
  BOOST_TEST(store->PositionAsOf(kT0 + 9).value() == 0u);
  BOOST_TEST(store->PositionAsOf(kT0 + 10).value() == 2u);
  BOOST_TEST(store->PositionAsOf(kT0 + 19).value() == 2u);
  BOOST_TEST(store->PositionAsOf(kT0 + 20).value() == 5u);
  BOOST_TEST(store->PositionAsOf(kT0 + 29).value() == 5u);
  BOOST_TEST(store->PositionAsOf(kT0 + 30).value() == 6u);
  BOOST_TEST(store->PositionAsOf(kT0 + 1'000'000).value() == 6u);
}

BOOST_AUTO_TEST_CASE(reads_by_stream_and_by_position_survive_restart) {
  for (int i = 0; i < 10; ++i) {
    MustAppend(i % 2 == 0 ? "kr/even" : "kr/odd", std::nullopt,
               {Ev("", "CheckIn", "v" + std::to_string(i))});
  }
  Reopen(Durability::kAsync);
  BOOST_TEST((store->durability() == Durability::kAsync));
  auto odd = store->ReadStream("kr/odd", 3, 100).value();
  BOOST_REQUIRE_EQUAL(odd.size(), 3u);
  BOOST_TEST(odd[0].version == 3u);
  BOOST_TEST(odd[0].data == "v5");
  BOOST_TEST(odd[2].data == "v9");
  auto limited = store->ReadStream("kr/even", 1, 2).value();
  BOOST_TEST(limited.size() == 2u);
  auto tail = store->ReadAll(8, 100).value();
  BOOST_REQUIRE_EQUAL(tail.size(), 3u);
  BOOST_TEST(tail[0].position == 8u);
  BOOST_TEST(tail[0].data == "v7");
  BOOST_TEST(store->ReadStream("kr/none", 1, 10)->empty());
  BOOST_TEST(store->ReadAll(11, 10)->empty());
  // Async appends are read back after a clean close too.
  MustAppend("kr/odd", 5, {Ev("", "CheckIn", "async")});
  Reopen();
  BOOST_TEST(store->ReadStream("kr/odd", 6, 1)->at(0).data == "async");
}

BOOST_AUTO_TEST_CASE(hash_chain_matches_an_independent_computation) {
  MustAppend("objective/a", 0, {Ev("", "Created", "abc")});
  MustAppend("objective/a", 1, {Ev("", "Retitled", "def")});
  auto events = store->ReadAll(1, 10).value();
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(HashToHex(events[0].prev_hash) == std::string(64, '0'));

  // Build the canonical bytes of event 1 by hand from the grammar in
  // storage_format.h and hash them with OpenSSL's one-shot SHA256().
  auto be = [](std::string* out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out->push_back(char(v >> (8 * i)));
  };
  auto str = [&](std::string* out, const std::string& s) {
    be(out, s.size(), 4);
    out->append(s);
  };
  std::string bytes(32, '\0');  // prev_hash first, then the envelope
  be(&bytes, 1, 8);
  str(&bytes, "objective/a");
  be(&bytes, 1, 8);
  str(&bytes, "Created");
  be(&bytes, 1, 4);
  be(&bytes, static_cast<std::uint64_t>(kT0), 8);
  str(&bytes, "alice");
  str(&bytes, "cmd-1");
  str(&bytes, "abc");
  bytes.append(32, '\0');  // the envelope's own prev_hash field
  Hash expected{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         expected.data());
  BOOST_TEST(HashToHex(events[0].hash) == HashToHex(expected));
  BOOST_TEST(events[1].prev_hash == events[0].hash);
  BOOST_TEST(format::ComputeHash(events[1]) == events[1].hash);
}

BOOST_AUTO_TEST_CASE(concurrent_appenders_share_fsyncs_and_stay_gapless) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store->Append("kr/t" + std::to_string(t), std::nullopt,
                               {Ev("", "CheckIn", std::to_string(i))},
                               By("u" + std::to_string(t)));
        if (r.ok()) got[t].push_back(r->first_position);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> positions;
  for (int t = 0; t < kThreads; ++t) {
    BOOST_TEST(got[t].size() == std::size_t(kPerThread));
    positions.insert(got[t].begin(), got[t].end());
    // Each thread's own appends keep their order.
    BOOST_TEST(std::is_sorted(got[t].begin(), got[t].end()));
  }
  const std::uint64_t total = kThreads * kPerThread;
  BOOST_TEST(positions.size() == total);
  BOOST_TEST(*positions.begin() == 1u);
  BOOST_TEST(*positions.rbegin() == total);
  StoreStats stats = store->Stats();
  BOOST_TEST(stats.commands == total);
  BOOST_TEST(stats.events == total);
  // Group commit: far fewer durable writes than commands.
  BOOST_TEST(stats.commit_groups < total);
  for (int t = 0; t < kThreads; ++t) {
    BOOST_TEST(store->StreamVersion("kr/t" + std::to_string(t)).value() ==
               std::uint64_t(kPerThread));
  }
}

BOOST_AUTO_TEST_CASE(reads_never_pass_the_durable_position) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 500; ++i) {
      (void)store->Append("kr/w", std::nullopt, {Ev("")}, By("w"));
    }
    done = true;
  });
  std::uint64_t violations = 0, reads = 0;
  while (!done) {
    auto events = store->ReadAll(1, 1'000'000).value();
    std::uint64_t durable_after = store->LastPosition();
    if (!events.empty() && events.back().position > durable_after) {
      ++violations;
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].position != i + 1) ++violations;
    }
    ++reads;
  }
  writer.join();
  BOOST_TEST(violations == 0u);
  BOOST_TEST(reads > 0u);
}

BOOST_AUTO_TEST_CASE(checkpoint_is_written_with_the_subscribers_appends) {
  MustAppend("reminder/r1", 0, {Ev("", "ReminderIssued")});
  AppendRequest req;
  req.events = {Ev("reminder/r1", "ReminderDelivered")};
  req.conditions = {{"reminder/r1", 1}};
  req.meta = By("webhook-worker");
  req.checkpoint = CheckpointUpdate{"webhook", 1};
  BOOST_REQUIRE(store->Append(req).ok());
  BOOST_REQUIRE(
      store->SaveCheckpoint("projector", 2, {{"count", "2"}, {"last", "kr/x"}})
          .ok());
  Reopen();
  BOOST_TEST(store->LoadCheckpoint("webhook").value() == 1u);
  BOOST_TEST(store->LoadCheckpoint("projector").value() == 2u);
  BOOST_TEST(store->LoadCheckpoint("nobody").value() == 0u);
  BOOST_TEST(store->LoadSubscriberState("projector", "count").value() == "2");
  BOOST_TEST(
      store->LoadSubscriberState("projector", "nope").status().IsNotFound());
  // A refused command does not move its checkpoint either.
  req.checkpoint = CheckpointUpdate{"webhook", 9};
  BOOST_TEST(store->Append(req).status().IsVersionConflict());
  BOOST_TEST(store->LoadCheckpoint("webhook").value() == 1u);
}

BOOST_AUTO_TEST_CASE(durable_listener_hears_each_batch_in_order) {
  std::vector<std::uint64_t> heard;
  std::mutex mu;
  store->AddDurableListener([&](std::uint64_t last) {
    std::lock_guard<std::mutex> lock(mu);
    heard.push_back(last);
  });
  MustAppend("kr/a", std::nullopt, {Ev(""), Ev("")});
  MustAppend("kr/a", std::nullopt, {Ev("")});
  std::lock_guard<std::mutex> lock(mu);
  BOOST_TEST(heard == std::vector<std::uint64_t>({2, 3}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(closed_store_refuses_appends_and_reads) {
  MustAppend("kr/a", std::nullopt, {Ev("")});
  auto sub = store->Subscribe(0);
  store->Close();
  auto r = store->Append("kr/a", std::nullopt, {Ev("")}, By("alice"));
  BOOST_TEST(r.status().IsClosed());
  BOOST_TEST(store->ReadAll(1, 10).status().IsClosed());
  BOOST_TEST(store->ReadStream("kr/a", 1, 10).status().IsClosed());
  BOOST_TEST(store->StreamVersion("kr/a").status().IsClosed());
  BOOST_TEST(store->LoadCheckpoint("x").status().IsClosed());
  auto next = sub->Next(10, std::chrono::milliseconds(0));
  BOOST_REQUIRE(next.ok());
  BOOST_TEST(next->empty());
}

BOOST_AUTO_TEST_CASE(close_waits_for_readers_racing_it) {
  for (int i = 0; i < 200; ++i) {
    MustAppend("kr/r" + std::to_string(i % 10), std::nullopt, {Ev("")});
  }
  std::atomic<int> ok_reads{0}, closed_reads{0}, other{0}, reading{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (i == 1) ++reading;
        auto r = store->ReadAll(1, 1000);
        if (r.ok()) {
          ok_reads += r->size() == 200u ? 1 : 0;
        } else if (r.status().IsClosed()) {
          ++closed_reads;
        } else {
          ++other;
        }
      }
    });
  }
  // Closed once every reader is under way (past its first read).
  bool under_way = testing::Eventually([&] { return reading == 4; });
  store->Close();
  for (auto& t : readers) t.join();
  BOOST_TEST(under_way);
  BOOST_TEST(other.load() == 0);
  BOOST_TEST(ok_reads.load() + closed_reads.load() == 800);
}

BOOST_AUTO_TEST_CASE(open_refuses_an_unknown_format_version) {
  store.reset();
  {
    testing::RawRocks raw(dir.path());
    std::string v;
    format::PutU32(&v, 99);
    raw.Put(testing::RawRocks::kMeta, format::kFormatKey, v);
  }
  auto opened = EventStore::Open(dir.path(), StoreOptions{});
  BOOST_TEST(opened.status().IsCorruption());
  BOOST_TEST(opened.status().message().find("format version 99") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(open_refuses_a_second_process_on_the_same_folder) {
  auto second = EventStore::Open(dir.path(), StoreOptions{});
  BOOST_TEST(second.status().IsIOError());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
