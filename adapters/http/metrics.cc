#include "adapters/http/metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <vector>

#ifndef OKR_VERSION
#error "OKR_VERSION (the CMake project version) must be defined"
#endif

namespace okr::http {

const char kOkrVersion[] = OKR_VERSION;

namespace {

// A file of /proc, whole (they report size 0, so read until the end).
std::optional<std::string> ReadProcFile(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<std::uint64_t> ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// The shortest text that reads back as `v` ("1764600000.25", "0.5").
std::string FormatDouble(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Seconds since the epoch at which the system booted (/proc/stat "btime").
std::optional<std::uint64_t> BootTime() {
  std::optional<std::string> stat = ReadProcFile("/proc/stat");
  if (!stat) return std::nullopt;
  std::size_t at = stat->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  at += 7;
  std::size_t end = stat->find('\n', at);
  return ParseU64(std::string_view(*stat).substr(
      at, end == std::string::npos ? std::string::npos : end - at));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

ProcessStats ReadProcessStats() {
  ProcessStats p;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  // /proc/self/stat: "pid (comm) state ppid ...", comm may hold spaces and
  // parentheses, so the fields are counted from the last ')'. After it,
  // field 3 (state) is the first; utime and stime are fields 14 and 15
  // (clock ticks), starttime 22 (ticks after boot), vsize 23 (bytes), rss
  // 24 (pages): proc(5).
  if (std::optional<std::string> stat = ReadProcFile("/proc/self/stat")) {
    std::size_t close = stat->rfind(')');
    std::vector<std::string_view> f;
    std::string_view rest = close == std::string::npos
                                ? std::string_view()
                                : std::string_view(*stat).substr(close + 1);
    std::size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
      std::size_t j = i;
      while (j < rest.size() && rest[j] != ' ' && rest[j] != '\n') ++j;
      if (j > i) f.push_back(rest.substr(i, j - i));
      i = j;
    }
    auto field = [&](std::size_t n) -> std::optional<std::uint64_t> {
      return f.size() > n - 3 ? ParseU64(f[n - 3]) : std::nullopt;
    };
    std::optional<std::uint64_t> utime = field(14), stime = field(15);
    if (utime && stime && ticks > 0) {
      p.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
    }
    p.virtual_bytes = field(23);
    if (std::optional<std::uint64_t> rss = field(24); rss && page > 0) {
      p.resident_bytes = *rss * static_cast<std::uint64_t>(page);
    }
    std::optional<std::uint64_t> start = field(22);
    std::optional<std::uint64_t> boot = BootTime();
    if (start && boot && ticks > 0) {
      p.start_time_seconds =
          static_cast<double>(*boot) + static_cast<double>(*start) / ticks;
    }
  }
  // Counted as Prometheus' own clients count them: the directory's entries,
  // the descriptor that reads it included.
  if (DIR* d = ::opendir("/proc/self/fd")) {
    std::uint64_t n = 0;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(d);
    p.open_fds = n;
  }
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    p.max_fds = static_cast<std::uint64_t>(lim.rlim_cur);
  }
  return p;
}

void Metrics::Record(std::string_view route, std::string_view method,
                     int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(route, Histogram{}).first;
  Histogram& h = it->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.le[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render(OkrEngine& engine) const {
  std::ostringstream out;
  {
    std::lock_guard lock(mu_);
    out << "# HELP okr_http_requests_total HTTP requests by route pattern "
           "(or unmatched), method (or other) and status.\n"
           "# TYPE okr_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      out << "okr_http_requests_total{route=\"" << EscapeLabelValue(route)
          << "\",method=\"" << EscapeLabelValue(method) << "\",status=\""
          << status << "\"} " << n << "\n";
    }
    out << "# HELP okr_http_request_duration_seconds Time to answer, by "
           "route pattern.\n"
           "# TYPE okr_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      const std::string r = EscapeLabelValue(route);
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out << "okr_http_request_duration_seconds_bucket{route=\"" << r
            << "\",le=\"" << kBuckets[i] << "\"} " << h.le[i] << "\n";
      }
      out << "okr_http_request_duration_seconds_bucket{route=\"" << r
          << "\",le=\"+Inf\"} " << h.count << "\n"
          << "okr_http_request_duration_seconds_sum{route=\"" << r << "\"} "
          << FormatDouble(h.sum) << "\n"
          << "okr_http_request_duration_seconds_count{route=\"" << r << "\"} "
          << h.count << "\n";
    }
  }
  StoreStats s = engine.store().Stats();
  EngineStats e = engine.Stats();
  // Live first: a stream counted live is already counted open.
  const std::int64_t live = event_streams_live.load();
  const std::int64_t catching_up =
      std::max<std::int64_t>(0, event_streams_open.load() - live);
  out << "# HELP okr_store_commands_total Commands appended.\n"
      << "# TYPE okr_store_commands_total counter\n"
      << "okr_store_commands_total " << s.commands << "\n"
      << "# HELP okr_store_events_total Events appended.\n"
      << "# TYPE okr_store_events_total counter\n"
      << "okr_store_events_total " << s.events << "\n"
      << "# HELP okr_store_commit_groups_total RocksDB writes (fsyncs in "
         "sync mode).\n"
      << "# TYPE okr_store_commit_groups_total counter\n"
      << "okr_store_commit_groups_total " << s.commit_groups << "\n"
      << "# HELP okr_store_commit_group_commands Commands per commit group "
         "(fsync batch size).\n"
      << "# TYPE okr_store_commit_group_commands histogram\n";
  std::uint64_t cumulative = 0;
  for (int i = 0; i < StoreStats::kGroupBuckets - 1; ++i) {
    cumulative += s.group_sizes[i];
    out << "okr_store_commit_group_commands_bucket{le=\"" << (1u << i) << "\"} "
        << cumulative << "\n";
  }
  cumulative += s.group_sizes[StoreStats::kGroupBuckets - 1];
  out << "okr_store_commit_group_commands_bucket{le=\"+Inf\"} " << cumulative
      << "\n"
      << "okr_store_commit_group_commands_count " << cumulative << "\n"
      << "okr_store_commit_group_commands_sum " << s.commands << "\n"
      << "# HELP okr_store_healthy 1 while the store takes writes, 0 after a "
         "failed write until it is reopened.\n"
      << "# TYPE okr_store_healthy gauge\n"
      << "okr_store_healthy " << (engine.store().healthy() ? 1 : 0) << "\n"
      << "# HELP okr_engine_healthy 1 while the engine's state follows the "
         "log, 0 while it is degraded (a read or decode error; it retries).\n"
      << "# TYPE okr_engine_healthy gauge\n"
      << "okr_engine_healthy " << (engine.healthy() ? 1 : 0) << "\n"
      << "# HELP okr_engine_projector_errors_total Read or decode errors the "
         "projector met.\n"
      << "# TYPE okr_engine_projector_errors_total counter\n"
      << "okr_engine_projector_errors_total " << e.projector_errors << "\n"
      << "# HELP okr_store_write_failures_total Batches RocksDB failed to "
         "write.\n"
      << "# TYPE okr_store_write_failures_total counter\n"
      << "okr_store_write_failures_total " << s.write_failures << "\n"
      << "# HELP okr_store_recoveries_total Reopenings after a failed write.\n"
      << "# TYPE okr_store_recoveries_total counter\n"
      << "okr_store_recoveries_total " << s.recoveries << "\n"
      << "# HELP okr_store_last_position The last durable position.\n"
      << "# TYPE okr_store_last_position gauge\n"
      << "okr_store_last_position " << engine.store().LastPosition() << "\n"
      << "# HELP okr_engine_commands_total Commands by outcome.\n"
      << "# TYPE okr_engine_commands_total counter\n"
      << "okr_engine_commands_total{outcome=\"appended\"} " << e.decided << "\n"
      << "okr_engine_commands_total{outcome=\"refused\"} " << e.refused << "\n"
      << "okr_engine_commands_total{outcome=\"replayed\"} " << e.replayed
      << "\n"
      << "# HELP okr_engine_snapshots_total Snapshots written.\n"
      << "# TYPE okr_engine_snapshots_total counter\n"
      << "okr_engine_snapshots_total " << e.snapshots << "\n"
      << "# HELP okr_engine_applied_position Position of the read state.\n"
      << "# TYPE okr_engine_applied_position gauge\n"
      << "okr_engine_applied_position " << e.applied_position << "\n"
      << "# HELP okr_event_streams Open event streams (GET "
         "/v1/events/stream): catching_up reads the log, live waits at its "
         "head for the next durable event.\n"
      << "# TYPE okr_event_streams gauge\n"
      << "okr_event_streams{state=\"catching_up\"} " << catching_up << "\n"
      << "okr_event_streams{state=\"live\"} " << live << "\n"
      << "# HELP okr_build_info The version of this okr binary; always 1.\n"
      << "# TYPE okr_build_info gauge\n"
      << "okr_build_info{version=\"" << EscapeLabelValue(kOkrVersion)
      << "\"} 1\n";
  // The standard process metrics (the names Prometheus' client libraries
  // use); one left out when /proc could not tell it.
  ProcessStats p = ReadProcessStats();
  auto single = [&](const char* name, const char* type, const char* help,
                    const std::string& value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " "
        << type << "\n"
        << name << " " << value << "\n";
  };
  if (p.cpu_seconds) {
    single("process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.",
           FormatDouble(*p.cpu_seconds));
  }
  if (p.open_fds) {
    single("process_open_fds", "gauge", "Number of open file descriptors.",
           std::to_string(*p.open_fds));
  }
  if (p.max_fds) {
    single("process_max_fds", "gauge",
           "Maximum number of open file descriptors.",
           std::to_string(*p.max_fds));
  }
  if (p.virtual_bytes) {
    single("process_virtual_memory_bytes", "gauge",
           "Virtual memory size in bytes.", std::to_string(*p.virtual_bytes));
  }
  if (p.resident_bytes) {
    single("process_resident_memory_bytes", "gauge",
           "Resident memory size in bytes.", std::to_string(*p.resident_bytes));
  }
  if (p.start_time_seconds) {
    single("process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.",
           FormatDouble(*p.start_time_seconds));
  }
  return out.str();
}

}  // namespace okr::http
