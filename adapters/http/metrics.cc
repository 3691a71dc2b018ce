#include "adapters/http/metrics.h"

#include <sstream>

namespace okr::http {

void Metrics::Record(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
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
    out << "# HELP okr_http_requests_total HTTP requests by route and "
           "status.\n# TYPE okr_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      out << "okr_http_requests_total{route=\"" << key.first << "\",status=\""
          << key.second << "\"} " << n << "\n";
    }
    out << "# HELP okr_http_request_duration_seconds Time to answer, by "
           "route.\n# TYPE okr_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out << "okr_http_request_duration_seconds_bucket{route=\"" << route
            << "\",le=\"" << kBuckets[i] << "\"} " << h.le[i] << "\n";
      }
      out << "okr_http_request_duration_seconds_bucket{route=\"" << route
          << "\",le=\"+Inf\"} " << h.count << "\n"
          << "okr_http_request_duration_seconds_sum{route=\"" << route << "\"} "
          << h.sum << "\n"
          << "okr_http_request_duration_seconds_count{route=\"" << route
          << "\"} " << h.count << "\n";
    }
  }
  StoreStats s = engine.store().Stats();
  EngineStats e = engine.Stats();
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
      << "okr_engine_applied_position " << e.applied_position << "\n";
  return out.str();
}

}  // namespace okr::http
