// adapters/http/read_pool.h: bounded queue, refusal when full, expiry of
// jobs that waited past the deadline, every job called once. Workers only
// count; every assertion is on the main thread.
#include "adapters/http/read_pool.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>

namespace okr::http {
namespace {

// A gate that jobs wait at until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void Wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void AwaitWaiting(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting >= n; });
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  // Jobs count themselves done here; the test waits for them.
  void Done() {
    std::lock_guard lock(mu);
    ++done;
    cv.notify_all();
  }
  void AwaitDone(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done >= n; });
  }
  int done = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(read_pool)

BOOST_AUTO_TEST_CASE(a_full_queue_refuses_and_every_queued_job_runs_once) {
  Gate gate;
  std::atomic<int> ran{0}, expired{0};
  {
    ReadPool pool(
        {/*threads=*/1, /*queue_limit=*/2, std::chrono::milliseconds(60'000)});
    BOOST_TEST_REQUIRE(pool.Submit([&](bool) { gate.Wait(); }));
    gate.AwaitWaiting(1);  // the only worker is busy
    auto job = [&](bool e) {
      (e ? expired : ran)++;
      gate.Done();
    };
    BOOST_TEST(pool.Submit(job));
    BOOST_TEST(pool.Submit(job));
    BOOST_TEST(!pool.Submit(job));  // two wait already
    BOOST_TEST(pool.queued() == 2u);
    BOOST_TEST(pool.refused() == 1u);
    gate.Open();
    gate.AwaitDone(2);
  }
  BOOST_TEST(ran.load() == 2);
  BOOST_TEST(expired.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_job_that_waited_past_the_deadline_is_told_so) {
  Gate gate;
  std::atomic<int> ran{0}, expired{0};
  {
    ReadPool pool({1, 4, std::chrono::milliseconds(0)});
    BOOST_TEST_REQUIRE(pool.Submit([&](bool) { gate.Wait(); }));
    gate.AwaitWaiting(1);
    for (int i = 0; i < 3; ++i) {
      BOOST_TEST(pool.Submit([&](bool e) { (e ? expired : ran)++; }));
    }
    gate.Open();
  }
  BOOST_TEST(expired.load() == 3);
  BOOST_TEST(ran.load() == 0);
}

BOOST_AUTO_TEST_CASE(jobs_queued_at_destruction_are_answered_expired) {
  Gate gate;
  std::atomic<int> ran{0}, expired{0};
  auto pool = std::make_unique<ReadPool>(
      ReadPoolOptions{1, 1'000'000, std::chrono::milliseconds(60'000)});
  ReadPool* raw = pool.get();  // live until the gate opens: the worker waits
  BOOST_TEST_REQUIRE(pool->Submit([&](bool) { gate.Wait(); }));
  gate.AwaitWaiting(1);
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(pool->Submit([&](bool e) { (e ? expired : ran)++; }));
  }
  std::thread closer([&] { pool.reset(); });
  // The pool is stopping once it refuses new work (the queue is far from
  // full); only then the gate opens.
  while (raw->Submit([](bool) {})) {
  }
  gate.Open();
  closer.join();
  BOOST_TEST(expired.load() == 5);
  BOOST_TEST(ran.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::http
