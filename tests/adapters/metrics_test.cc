// adapters/http/metrics.h: counting by route, method and status; label
// values escaped as the Prometheus text format says; the standard process
// metrics and the build's version, on a real engine.
#include "adapters/http/metrics.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/engine_harness.h"

namespace okr::http {
namespace {

// The value of each sample without labels, by name.
std::map<std::string, std::string> Unlabelled(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.find('{') != std::string::npos) {
      continue;
    }
    std::size_t space = line.find(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_and_newline) {
  BOOST_TEST(EscapeLabelValue("plain /v1/{id}") == "plain /v1/{id}");
  BOOST_TEST(EscapeLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  BOOST_TEST(EscapeLabelValue("\\n") == "\\\\n");  // a backslash, then n
  BOOST_TEST(EscapeLabelValue("\r\t") == "\r\t");  // nothing else changes

  testing::EngineHarness harness;
  Metrics m;
  m.Record("a\"b\\c\nd", "GET", 200, 0.01);
  std::string text = m.Render(harness.engine());
  BOOST_TEST(text.find("okr_http_requests_total{route=\"a\\\"b\\\\c\\nd\","
                       "method=\"GET\",status=\"200\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(text.find("okr_http_request_duration_seconds_count{route=\"a\\\""
                       "b\\\\c\\nd\"} 1\n") != std::string::npos);
  // No line of the exposition starts inside a label value.
  BOOST_TEST(text.find("\nd\"") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(answers_are_counted_by_route_method_and_status) {
  testing::EngineHarness harness;
  Metrics m;
  m.Record("/v1/cycles/{id}", "GET", 200, 0.000244140625);
  m.Record("/v1/cycles/{id}", "GET", 200, 0.25);
  m.Record("/v1/cycles/{id}", "PATCH", 200, 0.001953125);
  m.Record("/v1/cycles/{id}", "GET", 404, 7.0);
  std::string text = m.Render(harness.engine());
  auto has = [&](const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  BOOST_TEST(
      has("okr_http_requests_total{route=\"/v1/cycles/{id}\","
          "method=\"GET\",status=\"200\"} 2"));
  BOOST_TEST(
      has("okr_http_requests_total{route=\"/v1/cycles/{id}\","
          "method=\"PATCH\",status=\"200\"} 1"));
  BOOST_TEST(
      has("okr_http_requests_total{route=\"/v1/cycles/{id}\","
          "method=\"GET\",status=\"404\"} 1"));
  // One histogram per route, all methods: 2^-12 by 0.0005, 2^-9 by 0.0025,
  // 0.25 by 0.25, the 7 only in +Inf (binary fractions: the sum is exact).
  BOOST_TEST(
      has("okr_http_request_duration_seconds_bucket{route=\"/v1/"
          "cycles/{id}\",le=\"0.0005\"} 1"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_bucket{route=\"/v1/"
          "cycles/{id}\",le=\"0.0025\"} 2"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_bucket{route=\"/v1/"
          "cycles/{id}\",le=\"0.5\"} 3"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_bucket{route=\"/v1/"
          "cycles/{id}\",le=\"2.5\"} 3"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_bucket{route=\"/v1/"
          "cycles/{id}\",le=\"+Inf\"} 4"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_count{route=\"/v1/"
          "cycles/{id}\"} 4"));
  BOOST_TEST(
      has("okr_http_request_duration_seconds_sum{route=\"/v1/cycles/"
          "{id}\"} 7.252197265625"));
}

BOOST_AUTO_TEST_CASE(process_metrics_and_build_info_are_there_and_plausible) {
  testing::EngineHarness harness;
  Metrics m;
  const std::string text = m.Render(harness.engine());
  std::map<std::string, std::string> v = Unlabelled(text);
  for (const char* name :
       {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
        "process_virtual_memory_bytes", "process_resident_memory_bytes",
        "process_start_time_seconds"}) {
    BOOST_TEST_REQUIRE(v.count(name) == 1u, name);
    BOOST_TEST(text.find(std::string("# TYPE ") + name) != std::string::npos);
  }
  const double resident = std::stod(v["process_resident_memory_bytes"]);
  const double virtual_bytes = std::stod(v["process_virtual_memory_bytes"]);
  const double open_fds = std::stod(v["process_open_fds"]);
  BOOST_TEST(resident > 0);
  BOOST_TEST(virtual_bytes >= resident);
  BOOST_TEST(open_fds >= 3);  // stdin, stdout, stderr at least (and RocksDB)
  BOOST_TEST(std::stod(v["process_max_fds"]) >= open_fds);
  BOOST_TEST(std::stod(v["process_cpu_seconds_total"]) >= 0);
  // Started within the last day by the system clock (sanity, not timing).
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const double started = std::stod(v["process_start_time_seconds"]);
  BOOST_TEST(started <= now + 60);
  BOOST_TEST(started > now - 86400);
  // The same as ReadProcessStats() tells.
  ProcessStats p = ReadProcessStats();
  BOOST_TEST_REQUIRE(p.start_time_seconds.has_value());
  BOOST_TEST(*p.start_time_seconds == started);
  // The build's version, from the CMake project.
  BOOST_TEST(std::regex_match(std::string(kOkrVersion),
                              std::regex(R"(\d+\.\d+\.\d+)")));
  BOOST_TEST(text.find(std::string("\nokr_build_info{version=\"") +
                       kOkrVersion + "\"} 1\n") != std::string::npos);
  BOOST_TEST(text.find("# TYPE okr_build_info gauge\n") != std::string::npos);
}

// Event streams: the open ones not live are catching up.
BOOST_AUTO_TEST_CASE(event_streams_by_state) {
  testing::EngineHarness harness;
  Metrics m;
  m.event_streams_open = 3;
  m.event_streams_live = 1;
  const std::string text = m.Render(harness.engine());
  BOOST_TEST(text.find("# TYPE okr_event_streams gauge\n") !=
             std::string::npos);
  BOOST_TEST(text.find("\nokr_event_streams{state=\"catching_up\"} 2\n") !=
             std::string::npos);
  BOOST_TEST(text.find("\nokr_event_streams{state=\"live\"} 1\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
