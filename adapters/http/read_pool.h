// ReadPool: the bounded pool that runs expensive reads (state as_of an
// instant, window diffs, retrospectives) off the I/O threads, so that
// clients looping over them cannot stall other answers, /healthz and write
// acknowledgements included.
//
// Thread safety: Submit() may be called from any thread. The destructor
// waits for the running jobs and runs the queued ones with `expired` set, so
// each job is called exactly once.
//
// A job waits in a queue of at most `queue_limit` jobs; Submit() refuses
// more (the caller answers 503 with Retry-After). A job that waited longer
// than `deadline` before a worker took it is called with expired = true and
// is expected to answer 503 without doing the work. A job that started runs
// to its end (the reads it does cannot be interrupted half-way).
#ifndef OKR_ADAPTERS_HTTP_READ_POOL_H_
#define OKR_ADAPTERS_HTTP_READ_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace okr::http {

struct ReadPoolOptions {
  int threads = 2;
  std::size_t queue_limit = 16;
  std::chrono::milliseconds deadline{30'000};
};

class ReadPool {
 public:
  using Job = std::function<void(bool expired)>;

  explicit ReadPool(ReadPoolOptions options);
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Queues `job`; false (and `job` not kept) when the queue is full.
  [[nodiscard]] bool Submit(Job job);

  // Jobs waiting and running, and jobs refused or expired so far (metrics).
  std::size_t queued() const;
  std::size_t running() const;
  std::uint64_t refused() const;
  std::uint64_t expired() const;

 private:
  struct Queued {
    Job job;
    std::chrono::steady_clock::time_point queued_at;
  };
  void Work();

  // Constant after construction.
  const ReadPoolOptions options_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  std::size_t running_ = 0;
  std::uint64_t refused_ = 0, expired_ = 0;
  bool stopping_ = false;

  std::vector<std::thread> threads_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_READ_POOL_H_
