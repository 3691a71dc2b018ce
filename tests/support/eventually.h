// Eventually: waits for a condition instead of sleeping for a guess of how
// long it takes. The deadline only bounds a failure: a passing test never
// waits for it, so a busy machine makes a test slower, never wrong.
//
// Thread safety: Eventually may be called from any thread; `pred` runs on
// the calling thread.
#ifndef OKR_TESTS_SUPPORT_EVENTUALLY_H_
#define OKR_TESTS_SUPPORT_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace okr::testing {

// How long a test waits for something that should happen at once.
inline constexpr std::chrono::seconds kPatience{60};

// Polls `pred` until it returns true (true) or `deadline` passes (false).
template <typename Pred>
bool Eventually(Pred&& pred, std::chrono::milliseconds deadline = kPatience) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    // The poll interval: no outcome depends on it.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_EVENTUALLY_H_
