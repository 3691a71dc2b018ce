// WorkerThread: a background thread whose waits a stop cuts short (the
// publisher, the replica, the delivery workers). The owner's destructor
// must call Stop() before the members the thread uses go.
//
// Thread safety: Start() once and Stop() from the owner's thread;
// RequestStop(), SleepFor() and stopping() from any thread.
#ifndef OKR_ENGINE_WORKER_THREAD_H_
#define OKR_ENGINE_WORKER_THREAD_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace okr {

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread() { Stop(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void Start(std::function<void()> body) {
    thread_ = std::thread(std::move(body));
  }

  // Asks the thread to stop, waking its sleep; returns at once.
  void RequestStop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  // RequestStop(), then waits for the thread. Idempotent.
  void Stop() {
    RequestStop();
    if (thread_.joinable()) thread_.join();
  }

  // Sleeps `d` unless a stop comes first; false once stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }
  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace okr

#endif  // OKR_ENGINE_WORKER_THREAD_H_
