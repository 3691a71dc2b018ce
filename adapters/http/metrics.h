// Metrics: what GET /metrics shows, in the Prometheus text exposition
// format (version 0.0.4): requests by route, method and status, a latency
// histogram per route, the store's and the engine's counters (appends,
// commit group sizes, last position, commands decided, refused and
// replayed, snapshots), the event streams open and live, the standard
// process metrics read from /proc/self
// and a build-info gauge.
//
// The number of series is bounded by what the server knows, never by what
// clients send: callers pass the labels of routes.h (a route pattern or
// "unmatched", a method of a fixed set or "other"). Label values are
// escaped all the same (backslash, double quote, newline), so whatever a
// caller passes cannot break the exposition.
//
// Thread safety: Record() and Render() from any thread.
#ifndef OKR_ADAPTERS_HTTP_METRICS_H_
#define OKR_ADAPTERS_HTTP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "engine/okr_engine.h"

namespace okr::http {

// The version in okr_build_info (the CMake project version).
extern const char kOkrVersion[];

// A label value as the exposition format writes it between double quotes:
// `\` as `\\`, `"` as `\"`, a newline as `\n`; every other byte as is.
std::string EscapeLabelValue(std::string_view value);

// The process, as /proc/self tells it. A field is empty when it could not
// be read (for example with no file descriptor left to open /proc with):
// its series is then left out of the scrape.
struct ProcessStats {
  std::optional<double> cpu_seconds;      // user + system
  std::optional<std::uint64_t> open_fds;  // entries of /proc/self/fd
  std::optional<std::uint64_t> max_fds;   // soft RLIMIT_NOFILE
  std::optional<std::uint64_t> virtual_bytes;
  std::optional<std::uint64_t> resident_bytes;
  std::optional<double> start_time_seconds;  // since the Unix epoch
};
ProcessStats ReadProcessStats();

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,   0.025, 0.05,   0.1,
                                                   0.25,   0.5,   1.0,    2.5};

  // Counts one answer. `route` and `method` should come from fixed sets
  // (MatchRoute, MethodLabel in routes.h): each distinct pair is a series.
  void Record(std::string_view route, std::string_view method, int status,
              double seconds);
  std::string Render(OkrEngine& engine) const;

  // Event streams (GET /v1/events/stream) open now, and of those the ones
  // live: at the head of the log, waiting to be woken by the next durable
  // event. The server keeps them.
  std::atomic<std::int64_t> event_streams_open{0};
  std::atomic<std::int64_t> event_streams_live{0};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> le{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  // State below is protected by mu_.
  mutable std::mutex mu_;
  // (route, method, status) -> answers.
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;  // by route
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_METRICS_H_
