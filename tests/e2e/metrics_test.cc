// /metrics end to end, against the real `okr serve` on 127.0.0.1: answers
// are counted under the route's pattern, whatever bytes the client sent;
// 10,000 random requests (random segments, percent-encoded bytes, methods,
// tokens) add series only under route="unmatched", and only a bounded
// number; the scrape passes `promtool check metrics`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/openapi_contract.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using testing::HttpRequest;
using testing::HttpResult;

constexpr char kRootToken[] = "root-token-0001";
const std::set<std::string> kMethodLabels{"GET",    "POST", "PUT",     "PATCH",
                                          "DELETE", "HEAD", "OPTIONS", "other"};

// A keep-alive connection that sends requests as raw bytes (so any method
// and any target bytes go out as given) and reads each answer. Reconnects
// when the server closes.
class Connection {
 public:
  explicit Connection(int port) : port_(port), stream_(ioc_) {}

  // The answer's status, 0 if there was none (the connection failed).
  int Exchange(const std::string& method, const std::string& target,
               const std::string& token) {
    const bool head = method == "HEAD";
    if (!open_ || head) Connect();
    std::string bytes = method + " " + target + " HTTP/1.1\r\nHost: x\r\n";
    if (!token.empty()) bytes += "Authorization: Bearer " + token + "\r\n";
    // The answer to HEAD is read up to its head and the connection
    // closed, whether or not a body follows.
    if (head) bytes += "Connection: close\r\n";
    bytes += "\r\n";
    beast::error_code ec;
    net::write(stream_, net::buffer(bytes), ec);
    if (ec) return Fail();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    bhttp::read(stream_, buffer_, parser, ec);
    if (ec) return Fail();
    if (head || !parser.get().keep_alive()) Close();
    last_body_ = parser.get().body();
    const int status = static_cast<int>(parser.get().result_int());
    testing::ExpectConforms(
        method, target, status,
        std::string(parser.get()[bhttp::field::content_type]), last_body_);
    return status;
  }
  const std::string& last_body() const { return last_body_; }

 private:
  void Connect() {
    Close();
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(port_)));
    open_ = true;
  }
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    buffer_.clear();
    open_ = false;
  }
  int Fail() {
    Close();
    return 0;
  }

  int port_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool open_ = false;
  std::string last_body_;
};

// One sample line of the exposition: its series (name and labels as
// written) and its value.
struct Sample {
  std::string series;
  std::string name;
  std::map<std::string, std::string> labels;  // values as written (escaped)
  std::string value;
};

std::vector<Sample> ParseScrape(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t space = line.rfind(' ');
    s.series = line.substr(0, space);
    s.value = space == std::string::npos ? "" : line.substr(space + 1);
    std::size_t brace = s.series.find('{');
    s.name = s.series.substr(0, brace);
    if (brace != std::string::npos) {
      // name="value",... with values escaped: a `"` inside is `\"`.
      std::size_t i = brace + 1;
      while (i < s.series.size() && s.series[i] != '}') {
        std::size_t eq = s.series.find('=', i);
        if (eq == std::string::npos || eq + 1 >= s.series.size()) break;
        std::string key = s.series.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        while (j < s.series.size() && s.series[j] != '"') {
          if (s.series[j] == '\\' && j + 1 < s.series.size())
            value += s.series[j++];
          value += s.series[j++];
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < s.series.size() && s.series[i] == ',') ++i;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string Label(const Sample& s, const std::string& key) {
  auto it = s.labels.find(key);
  return it == s.labels.end() ? "" : it->second;
}

// The path patterns of the API, from the OpenAPI document it serves.
std::set<std::string> RoutePatterns(const std::string& openapi) {
  std::set<std::string> out;
  std::istringstream in(openapi);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      out.insert(line.substr(2, line.size() - 3));
    }
  }
  return out;
}

std::optional<std::string> Promtool() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (::access(p, X_OK) == 0) return std::string(p);
  }
  return std::nullopt;
}

struct Served {
  Served() {
    testing::WriteTokensFile(dir.Sub("tokens"),
                             std::string(kRootToken) + " root admin\n");
    process = std::make_unique<testing::ServerProcess>(
        OKR_BINARY,
        std::vector<std::string>{"serve", "--data", dir.Sub("data"), "--listen",
                                 "127.0.0.1:0", "--tokens", dir.Sub("tokens"),
                                 "--reminder-interval", "0"});
  }
  int port() const { return process->port(); }
  std::string Scrape() {
    HttpResult r =
        HttpRequest(port(), "GET", "/metrics", "",
                    {{"Authorization", std::string("Bearer ") + kRootToken}});
    BOOST_TEST_REQUIRE(r.status == 200);
    return r.body;
  }

  testing::TempDir dir;
  std::unique_ptr<testing::ServerProcess> process;
};

// The head of GET /v1/events/stream (with a token, or none), then close.
int OpenEventStream(int port, const std::string& token) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  std::string req = "GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  req += "\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return 0;
  }
  std::string got;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(got.substr(9, 3)) : 0;
}

// A random request target none of whose paths is a route. Its path is
// prefix + "/_" + tail, the prefix one of "", "/v1", "/v1/events",
// "/v1/reminders", "/v1/<kind>/<segment with no '/'>": the segment after
// the prefix starts with '_' once decoded, and no route has `{id}` or a
// name starting with '_' there. The tail is random segments of random
// characters and percent-encoded random bytes (%2F, %00, %22, %5C, %FF,
// ...), and there may be a random query.
class TargetGenerator {
 public:
  explicit TargetGenerator(std::uint32_t seed) : rng_(seed) {}

  std::string Next() {
    std::string path;
    switch (Pick(6)) {
      case 0:
        break;
      case 1:
        path = "/v1";
        break;
      case 2:
        path = Pick(2) == 0 ? "/v1/events" : "/v1/reminders";
        break;
      default: {
        static const char* kinds[] = {"cycles", "objectives", "key-results",
                                      "kpis"};
        path = std::string("/v1/") + kinds[Pick(4)] + "/" + Segment(false);
        break;
      }
    }
    path += "/_" + Segment(true);
    for (int n = Pick(5); n > 0; --n) {
      path += Pick(8) == 0 ? "/" : "/" + Segment(true);
    }
    if (Pick(4) == 0) path += "?" + Segment(true) + "=" + Segment(true);
    return path;
  }

  std::string Method() {
    static const char* methods[] = {"GET",    "POST",  "PUT",     "PATCH",
                                    "DELETE", "HEAD",  "OPTIONS", "FOO",
                                    "get",    "PURGE", "M-SEARCH"};
    if (Pick(12) == 11) {  // a random token of letters
      std::string m;
      for (int n = 1 + Pick(10); n > 0; --n)
        m += static_cast<char>('A' + Pick(26));
      return m;
    }
    return methods[Pick(11)];
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  // 1 to 12 characters of the request-target's safe set, or percent-encoded
  // random bytes (%2F only if `slash`).
  std::string Segment(bool slash) {
    static const std::string chars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        "-._~!$'()*+,;:@";
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (int n = 1 + Pick(12); n > 0; --n) {
      if (Pick(3) == 0) {
        int b = Pick(256);
        if (!slash && b == '/') b = '.';
        out += '%';
        out += hex[b >> 4];
        out += hex[b & 15];
      } else {
        out += chars[static_cast<std::size_t>(
            Pick(static_cast<int>(chars.size())))];
      }
    }
    return out;
  }

  std::mt19937 rng_;
};

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(random_requests_add_series_only_under_unmatched) {
  Served s;
  const std::string root = std::string("Bearer ") + kRootToken;
  HttpResult openapi = HttpRequest(s.port(), "GET", "/v1/openapi.yaml", "",
                                   {{"Authorization", root}});
  BOOST_TEST_REQUIRE(openapi.status == 200);
  const std::set<std::string> patterns = RoutePatterns(openapi.body);
  BOOST_TEST_REQUIRE(patterns.size() >= 28u);

  // Known routes, some with their paths percent-encoded: each counted under
  // its pattern.
  Connection c(s.port());
  BOOST_TEST(HttpRequest(s.port(), "POST", "/v1/cycles",
                         R"({"id":"q","starts_on":"2026-01-01",)"
                         R"("ends_on":"2026-03-31"})",
                         {{"Authorization", root}})
                 .status == 201);
  BOOST_TEST(c.Exchange("GET", "/v1/cycles/q/tree", kRootToken) == 200);
  BOOST_TEST(c.Exchange("GET", "/v1/cycles/%71/tr%65e?at=2026-02-01",
                        kRootToken) == 200);
  BOOST_TEST(c.Exchange("GET", "/v1/cycles/nope/tree", kRootToken) == 404);
  BOOST_TEST(c.Exchange("GET", "//v1//key-results/k1/history/", kRootToken) ==
             404);
  BOOST_TEST(c.Exchange("POST", "/v1/key-results/k1/check-ins", "") == 401);
  BOOST_TEST(c.Exchange("GET", "/healthz", "") == 200);
  BOOST_TEST(OpenEventStream(s.port(), kRootToken) == 200);
  BOOST_TEST(OpenEventStream(s.port(), "") == 401);
  s.Scrape();  // so that GET /metrics itself is counted before the baseline

  const std::string before_text = s.Scrape();
  std::vector<Sample> before = ParseScrape(before_text);
  std::set<std::string> before_series;
  std::map<std::string, std::string> value_before;
  for (const Sample& x : before) {
    before_series.insert(x.series);
    value_before[x.series] = x.value;
  }
  auto has = [&](const std::string& series) {
    return before_series.count(series) == 1;
  };
  BOOST_TEST(
      value_before
          [R"(okr_http_requests_total{route="/v1/cycles/{id}/tree",method="GET",status="200"})"] ==
      "2");
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/cycles/{id}/tree",method="GET",status="404"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/key-results/{id}/history",method="GET",status="404"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/key-results/{id}/check-ins",method="POST",status="401"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/cycles",method="POST",status="201"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/healthz",method="GET",status="200"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/metrics",method="GET",status="200"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/events/stream",method="GET",status="200"})"));
  BOOST_TEST(has(
      R"(okr_http_requests_total{route="/v1/events/stream",method="GET",status="401"})"));
  BOOST_TEST(has(
      R"(okr_http_request_duration_seconds_count{route="/v1/cycles/{id}/tree"})"));
  for (const Sample& x : before) {
    BOOST_TEST_CONTEXT(x.series) {
      BOOST_TEST(Label(x, "route") != "unmatched");
    }
  }

  // 10,000 random requests, a third without a token, a third with an
  // unknown one.
  // A new seed each run (OKR_METRICS_SEED replays one): whatever the
  // seed, no generated path is a route.
  const char* fixed = std::getenv("OKR_METRICS_SEED");
  const std::uint32_t seed = fixed != nullptr
                                 ? static_cast<std::uint32_t>(std::stoul(fixed))
                                 : std::random_device{}();
  BOOST_TEST_MESSAGE("random requests from OKR_METRICS_SEED=" << seed);
  TargetGenerator gen(seed);
  constexpr int kRequests = 10'000;
  std::set<int> statuses;
  int answered = 0;
  for (int i = 0; i < kRequests; ++i) {
    std::string method = gen.Method();
    std::string target = gen.Next();
    int pick = gen.Pick(3);
    std::string token = pick == 0   ? ""
                        : pick == 1 ? kRootToken
                                    : "no-such-token";
    int status = c.Exchange(method, target, token);
    if (status == 0) status = c.Exchange(method, target, token);  // once more
    if (status != 0) {
      ++answered;
      statuses.insert(status);
    }
    if (status == 0 || status >= 500 || status < 400) {
      BOOST_TEST_MESSAGE("answer " << status << " to " << method << " "
                                   << target);
    }
  }
  BOOST_TEST(answered == kRequests);
  for (int st : statuses) BOOST_TEST((st >= 400 && st < 500), st);

  const std::string after_text = s.Scrape();
  std::vector<Sample> after = ParseScrape(after_text);
  std::set<std::string> after_series;
  std::uint64_t unmatched = 0;
  std::set<std::string> http_series;
  for (const Sample& x : after) {
    after_series.insert(x.series);
    const std::string route = Label(x, "route");
    if (x.name.rfind("okr_http_", 0) == 0) {
      http_series.insert(x.series);
      BOOST_TEST_CONTEXT(x.series) {
        BOOST_TEST((route == "unmatched" || patterns.count(route) == 1));
        if (x.name == "okr_http_requests_total") {
          BOOST_TEST(kMethodLabels.count(Label(x, "method")) == 1);
        }
      }
    }
    if (x.name == "okr_http_requests_total" && route == "unmatched") {
      unmatched += std::stoull(x.value);
    }
    if (before_series.count(x.series) == 0) {
      BOOST_TEST_CONTEXT(x.series) { BOOST_TEST(route == "unmatched"); }
    }
  }
  // Every random request was counted, under "unmatched".
  BOOST_TEST(unmatched == static_cast<std::uint64_t>(kRequests));
  for (const std::string& series : before_series) {
    BOOST_TEST(after_series.count(series) == 1, series);
  }
  // Bounded: at most one series per route, method and status seen, and a
  // histogram per route.
  std::set<int> all_statuses = statuses;
  for (const Sample& x : after) {
    if (x.name == "okr_http_requests_total") {
      all_statuses.insert(std::stoi(Label(x, "status")));
    }
  }
  const std::size_t routes = patterns.size() + 1;
  BOOST_TEST(http_series.size() <=
             routes * kMethodLabels.size() * all_statuses.size() + routes * 15);
  BOOST_TEST(after_series.size() - before_series.size() <=
             kMethodLabels.size() * all_statuses.size() + 15);

  // The standard process metrics and the build's version.
  std::map<std::string, double> value;
  for (const Sample& x : after) {
    if (x.labels.empty()) value[x.name] = std::stod(x.value);
  }
  BOOST_TEST(value["process_resident_memory_bytes"] > 0);
  BOOST_TEST(value["process_open_fds"] >= 3);
  BOOST_TEST(value["process_max_fds"] >= value["process_open_fds"]);
  BOOST_TEST(after_series.count("okr_build_info{version=\"0.1.0\"}") == 1);

  // And the exposition is valid.
  std::optional<std::string> promtool = Promtool();
  if (!promtool) {
    BOOST_TEST_MESSAGE(
        "promtool not found (Debian package prometheus, see "
        "tools/install_deps.sh): the exposition was not checked with it");
    return;
  }
  const std::string file = s.dir.Sub("scrape.txt");
  std::ofstream(file) << after_text;
  const std::string out = s.dir.Sub("promtool.out");
  int rc = std::system(
      (*promtool + " check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string said((std::istreambuf_iterator<char>(in)), {});
  BOOST_TEST(rc == 0, "promtool check metrics: " << said);
}

#ifdef OKR_JEMALLOC
// The release `okr` runs on jemalloc (adapters/allocator/jemalloc_conf.cc):
// its start-up and rebuild figures depend on it, and a build that lost the
// link would still pass every other test.
BOOST_AUTO_TEST_CASE(the_server_runs_on_jemalloc) {
  Served s;
  std::ifstream maps("/proc/" + std::to_string(s.process->pid()) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  BOOST_TEST(text.str().find("libjemalloc.so") != std::string::npos);
}
#endif

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
