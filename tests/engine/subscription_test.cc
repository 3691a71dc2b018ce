#include "engine/subscription.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "engine/event_store.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using testing::TempDir;

// Appends `commands` commands of 1-3 events; answers how many failed. It
// asserts nothing itself: Boost.Test's assertions are not thread-safe and
// writers run on threads of their own.
int AppendN(EventStore& store, int commands, int first) {
  int failed = 0;
  for (int i = 0; i < commands; ++i) {
    std::vector<NewEvent> events(1 + (first + i) % 3);
    for (auto& e : events) e = NewEvent{"", "CheckIn", 1, "x"};
    CommandMeta meta;
    meta.actor = "writer";
    auto r = store.Append("kr/k" + std::to_string((first + i) % 7),
                          std::nullopt, std::move(events), meta);
    if (!r.ok()) ++failed;
  }
  return failed;
}

BOOST_AUTO_TEST_SUITE(subscription)

BOOST_AUTO_TEST_CASE(catch_up_then_live_sees_each_position_once_in_order) {
  TempDir dir;
  auto store = EventStore::Open(dir.path(), StoreOptions{}).value();
  BOOST_REQUIRE_EQUAL(AppendN(*store, 300, 0), 0);  // history before
  auto sub = store->Subscribe(0);
  BOOST_TEST((sub->state() == Subscription::State::kCatchingUp));

  // Appends race the subscriber through catch-up, the seam and live.
  std::atomic<int> writer_failed{-1};  // -1 while the writer runs
  std::thread writer([&] { writer_failed = AppendN(*store, 600, 300); });
  std::vector<std::uint64_t> seen;
  bool went_live = false;
  Status read_error;
  // The deadline only ends a reader that would never see the end; the
  // assertions below fail it then.
  const auto give_up = std::chrono::steady_clock::now() + testing::kPatience;
  while (std::chrono::steady_clock::now() < give_up) {
    auto batch = sub->Next(37, std::chrono::milliseconds(200));
    if (!batch.ok()) {
      read_error = batch.status();
      break;
    }
    for (const auto& e : batch.value()) seen.push_back(e.position);
    if (sub->state() == Subscription::State::kLive) went_live = true;
    if (batch->empty() && writer_failed >= 0 &&
        sub->position() == store->LastPosition()) {
      break;  // writer finished and everything was seen
    }
  }
  writer.join();
  BOOST_REQUIRE_EQUAL(writer_failed.load(), 0);
  BOOST_REQUIRE_MESSAGE(read_error.ok(), read_error.ToString());
  BOOST_REQUIRE_EQUAL(store->Stats().commands, 900u);
  BOOST_REQUIRE_EQUAL(seen.size(), store->LastPosition());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    BOOST_REQUIRE_EQUAL(seen[i], i + 1);
  }
  BOOST_TEST(went_live);
}

// The subscriber waits at the head before anything is appended, with a
// timeout far beyond the test's: only the append's wake-up returns it in
// time, and the event cannot come by catch-up.
BOOST_AUTO_TEST_CASE(live_subscriber_is_woken_by_the_append_not_its_timeout,
                     *boost::unit_test::timeout(120)) {
  TempDir dir;
  auto store = EventStore::Open(dir.path(), StoreOptions{}).value();
  auto sub = store->Subscribe(0);
  BOOST_TEST((sub->state() == Subscription::State::kLive));
  BOOST_TEST(sub->Next(10, std::chrono::milliseconds(0))->empty());
  bool waited = false;
  int writer_failed = -1;
  std::thread writer([&] {
    waited = testing::Eventually([&] { return store->TEST_Waiting() == 1; });
    writer_failed = AppendN(*store, 1, 0);
  });
  auto got = sub->Next(10, std::chrono::hours(1));
  writer.join();
  BOOST_REQUIRE(waited);  // the append came after the subscriber waited
  BOOST_REQUIRE_EQUAL(writer_failed, 0);
  BOOST_REQUIRE(got.ok());
  BOOST_REQUIRE_EQUAL(got->size(), 1u);
  BOOST_TEST(got->front().position == 1u);
  BOOST_TEST((sub->state() == Subscription::State::kLive));
}

BOOST_AUTO_TEST_CASE(resumes_from_a_durable_checkpoint_after_restart) {
  TempDir dir;
  {
    auto store = EventStore::Open(dir.path(), StoreOptions{}).value();
    // 1+2+3+1+2+3+1+2+3+1 = 19 events
    BOOST_REQUIRE_EQUAL(AppendN(*store, 10, 0), 0);
    auto sub = store->Subscribe(0);
    auto first = sub->Next(5, std::chrono::milliseconds(0)).value();
    BOOST_REQUIRE_EQUAL(first.size(), 5u);
    BOOST_REQUIRE(store->SaveCheckpoint("reader", sub->position(), {}).ok());
  }
  auto store = EventStore::Open(dir.path(), StoreOptions{}).value();
  std::uint64_t checkpoint = store->LoadCheckpoint("reader").value();
  BOOST_TEST(checkpoint == 5u);
  auto sub = store->Subscribe(checkpoint);
  auto rest = sub->Next(100, std::chrono::milliseconds(0)).value();
  BOOST_REQUIRE_EQUAL(rest.size(), 14u);
  BOOST_TEST(rest.front().position == 6u);
  BOOST_TEST(rest.back().position == 19u);
}

// As above: the close, not the hour-long timeout, ends the wait.
BOOST_AUTO_TEST_CASE(closing_the_store_ends_a_waiting_subscriber,
                     *boost::unit_test::timeout(120)) {
  TempDir dir;
  auto store = EventStore::Open(dir.path(), StoreOptions{}).value();
  auto sub = store->Subscribe(0);
  bool waited = false;
  std::thread closer([&] {
    waited = testing::Eventually([&] { return store->TEST_Waiting() == 1; });
    store->Close();
  });
  auto got = sub->Next(10, std::chrono::hours(1));
  closer.join();
  BOOST_REQUIRE(waited);
  BOOST_TEST(got->empty());
  BOOST_TEST((sub->state() == Subscription::State::kClosed));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
