// Metrics: what GET /metrics shows, in the Prometheus text format:
// requests by route and status, a latency histogram per route, and the
// store's and the engine's counters (appends, commit group sizes, last
// position, commands decided, refused and replayed, snapshots).
//
// Thread safety: Record() and Render() from any thread.
#ifndef OKR_ADAPTERS_HTTP_METRICS_H_
#define OKR_ADAPTERS_HTTP_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "engine/okr_engine.h"

namespace okr::http {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,   0.025, 0.05,   0.1,
                                                   0.25,   0.5,   1.0,    2.5};

  void Record(const std::string& route, int status, double seconds);
  std::string Render(OkrEngine& engine) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> le{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_METRICS_H_
