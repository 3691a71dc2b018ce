// Mutex, SharedMutex, their scoped holders and CondVar: std::mutex,
// std::shared_mutex and std::condition_variable with the thread-safety
// annotations of engine/thread_annotations.h, so that clang's
// -Wthread-safety can check the members they guard. libstdc++'s own types
// carry none.
//
// Thread safety: Mutex, SharedMutex and CondVar are safe for concurrent use
// (that is what they are for). A MutexLock, WriterLock or ReaderLock belongs
// to the thread that made it and lives in one scope.
#ifndef OKR_ENGINE_MUTEX_H_
#define OKR_ENGINE_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "engine/thread_annotations.h"

namespace okr {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  // REQUIRES: this thread holds it.
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Many readers or one writer.
class CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // REQUIRES: this thread holds it in no mode (std::shared_mutex is not
  // recursive, shared or not).
  void LockShared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds *mu from construction to destruction, or to Unlock().
// *mu must outlive the MutexLock.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases early; the destructor then releases nothing.
  // REQUIRES: not released yet.
  void Unlock() RELEASE() {
    held_ = false;
    mu_->Unlock();
  }

 private:
  Mutex* const mu_;
  bool held_ = true;
};

// Holds *mu exclusively from construction to destruction, or to Unlock().
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~WriterLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

  // REQUIRES: not released yet.
  void Unlock() RELEASE() {
    held_ = false;
    mu_->Unlock();
  }

 private:
  SharedMutex* const mu_;
  bool held_ = true;
};

// Holds *mu shared from construction to destruction.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex* mu) ACQUIRE_SHARED(mu) : mu_(mu) {
    mu_->LockShared();
  }
  ~ReaderLock() RELEASE() { mu_->UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex* const mu_;
};

// A condition variable waiting on a Mutex. A std::condition_variable
// underneath (not _any): it waits on the std::mutex inside Mutex itself, so
// the wrapper costs nothing over the plain types. As with those, a wait may
// wake spuriously: wait in a loop that re-checks the condition.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases *mu, waits for a signal, takes *mu again.
  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's, not this scope's
  }

  // As Wait, but gives up at `deadline`. False when it timed out.
  bool WaitUntil(Mutex* mu, std::chrono::steady_clock::time_point deadline)
      REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    std::cv_status woke = cv_.wait_until(lock, deadline);
    lock.release();
    return woke == std::cv_status::no_timeout;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace okr

#endif  // OKR_ENGINE_MUTEX_H_
