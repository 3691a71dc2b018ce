// WorkerThread: a background thread whose waits a stop cuts short (the
// publisher, the replica, the delivery workers). The owner's destructor
// must call Stop() before the members the thread uses go.
//
// Thread safety: Start() once and Stop() from the owner's thread;
// RequestStop(), SleepFor() and stopping() from any thread.
#ifndef OKR_ENGINE_WORKER_THREAD_H_
#define OKR_ENGINE_WORKER_THREAD_H_

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

#include "engine/mutex.h"
#include "engine/thread_annotations.h"

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
      MutexLock lock(&mu_);
      stopping_ = true;
    }
    cv_.SignalAll();
  }
  // RequestStop(), then waits for the thread. Idempotent.
  void Stop() {
    RequestStop();
    if (thread_.joinable()) thread_.join();
  }

  // Sleeps `d` unless a stop comes first; false once stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    MutexLock lock(&mu_);
    while (!stopping_ && cv_.WaitUntil(&mu_, deadline)) {
    }
    return !stopping_;
  }
  bool stopping() {
    MutexLock lock(&mu_);
    return stopping_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // the owner's thread only
};

}  // namespace okr

#endif  // OKR_ENGINE_WORKER_THREAD_H_
