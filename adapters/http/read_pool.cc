#include "adapters/http/read_pool.h"

#include <iostream>
#include <utility>

namespace okr::http {

ReadPool::ReadPool(ReadPoolOptions options) : options_(options) {
  int n = options_.threads < 1 ? 1 : options_.threads;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

ReadPool::~ReadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool ReadPool::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_limit) {
      ++refused_;
      return false;
    }
    queue_.push_back({std::move(job), std::chrono::steady_clock::now()});
  }
  wake_.notify_one();
  return true;
}

void ReadPool::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    bool expired = stopping_ || std::chrono::steady_clock::now() - q.queued_at >
                                    options_.deadline;
    if (expired) ++expired_;
    ++running_;
    lock.unlock();
    // Jobs answer their own failures; this is the last guard of the thread.
    try {
      q.job(expired);
      q.job = nullptr;  // what it holds goes before the lock is taken again
    } catch (const std::exception& e) {
      std::cerr << "okr serve: a read pool job failed: " << e.what()
                << std::endl;
      q.job = nullptr;
    } catch (...) {
      std::cerr << "okr serve: a read pool job failed" << std::endl;
      q.job = nullptr;
    }
    lock.lock();
    --running_;
  }
}

std::size_t ReadPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}
std::size_t ReadPool::running() const {
  std::lock_guard lock(mu_);
  return running_;
}
std::uint64_t ReadPool::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}
std::uint64_t ReadPool::expired() const {
  std::lock_guard lock(mu_);
  return expired_;
}

}  // namespace okr::http
