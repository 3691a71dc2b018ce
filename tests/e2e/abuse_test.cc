// Abuse, end to end against the real `okr serve` on 127.0.0.1, with raw
// sockets where a well-behaved client would not do it: slow heads and bodies
// (slowloris), idle connections filling the cap, running out of file
// descriptors, oversized heads, pipelined garbage; the security headers on
// every kind of answer; tokens never in the server's output or files; a
// tokens file others may read refused. Deadlines are set short through the
// server's options so the suite stays fast; no assertion reads a clock:
// each compares what the server did with an order of events it cannot
// change (a deadline of 1 s passes before one of 10 s), and the test's own
// waits (testing::kPatience) only bound a failure. How much CPU the server
// burns meanwhile is measured by tools/bench_idle_cpu.sh, not here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

constexpr char kTokens[] =
    "root-token-0001 root admin\n"
    "maria-token-001 maria member\n";

// A raw TCP connection to 127.0.0.1 that sends bytes as given and reads
// whatever comes back.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("connect");
    }
  }
  ~Raw() { Close(); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // False once the server has closed (the write fails).
  bool Send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n =
          ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads what arrives within `wait` (or until `enough` says so); true once
  // the server has closed the connection (end of stream or reset).
  bool Read(std::chrono::milliseconds wait,
            const std::function<bool(const std::string&)>& enough = {}) {
    auto until = Clock::now() + wait;
    while (!closed_ && !(enough && enough(received_))) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      int ready = ::poll(&p, 1, std::max<int>(0, left.count()));
      if (ready <= 0) break;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return closed_;
  }
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int chunks = -1;  // of a chunked body; -1: not chunked
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  json problem() const { return json::parse(body, nullptr, false); }
};

// The complete responses in `text`, in order (bodies by Content-Length or
// chunked).
std::vector<Response> ParseResponses(const std::string& text) {
  std::vector<Response> out;
  std::size_t at = 0;
  while (true) {
    std::size_t end = text.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    Response r;
    std::istringstream head(text.substr(at, end - at));
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) break;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      std::size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    if (r.header("transfer-encoding") == "chunked") {
      // Chunks: size in hex CRLF, data CRLF; a size of 0 ends the body.
      std::size_t p = end + 4;
      bool complete = false;
      r.chunks = 0;
      while (true) {
        std::size_t eol = text.find("\r\n", p);
        if (eol == std::string::npos) break;
        std::size_t size = std::stoul(text.substr(p, eol - p), nullptr, 16);
        if (text.size() < eol + 2 + size + 2) break;
        if (size == 0) {
          p = eol + 4;
          complete = true;
          break;
        }
        r.body += text.substr(eol + 2, size);
        ++r.chunks;
        p = eol + 2 + size + 2;
      }
      if (!complete) break;
      out.push_back(std::move(r));
      at = p;
      continue;
    }
    std::size_t length = std::stoul(
        r.header("content-length").empty() ? "0" : r.header("content-length"));
    if (text.size() < end + 4 + length) break;
    r.body = text.substr(end + 4, length);
    out.push_back(std::move(r));
    at = end + 4 + length;
  }
  return out;
}

// Reads until `n` complete responses are there (or `wait` passes).
std::vector<Response> Answers(Raw& c, std::size_t n,
                              std::chrono::milliseconds wait) {
  c.Read(wait, [n](const std::string& text) {
    return ParseResponses(text).size() >= n;
  });
  return ParseResponses(c.received());
}

// The security headers, as every answer must carry them.
void CheckSecurityHeaders(const std::map<std::string, std::string>& h,
                          bool html, const std::string& what) {
  auto get = [&](const std::string& n) {
    auto it = h.find(n);
    return it == h.end() ? std::string() : it->second;
  };
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(get("x-content-type-options") == "nosniff");
    BOOST_TEST(get("x-frame-options") == "DENY");
    BOOST_TEST(get("referrer-policy") == "no-referrer");
    BOOST_TEST(get("cache-control") == "no-store");
    std::string csp = get("content-security-policy");
    BOOST_TEST(csp.find("default-src 'none'") != std::string::npos);
    BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos);
    BOOST_TEST(csp.find("script-src") == std::string::npos);
    BOOST_TEST((csp.find("style-src 'unsafe-inline'") != std::string::npos) ==
               html);
  }
}

struct Served {
  explicit Served(std::vector<std::string> extra,
                  testing::ServerProcessOptions options = {}) {
    testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
    std::vector<std::string> args{"serve",
                                  "--data",
                                  dir.Sub("data"),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--tokens",
                                  dir.Sub("tokens"),
                                  "--reminder-interval",
                                  "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    process =
        std::make_unique<testing::ServerProcess>(OKR_BINARY, args, options);
  }
  int port() const { return process->port(); }

  testing::TempDir dir;
  std::unique_ptr<testing::ServerProcess> process;
};

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

BOOST_AUTO_TEST_SUITE(abuse)

// Header deadline 1 s, body 1 s, idle 60 s. Each slow client trickles a
// byte every 150 ms (the pace is the point: it would keep a per-read
// timeout alive forever) until it is closed, or gives up after
// testing::kPatience, which only a server without the deadline lets happen.
BOOST_AUTO_TEST_CASE(slow_heads_and_bodies_are_closed_at_their_deadline) {
  Served s(
      {"--header-timeout", "1", "--idle-timeout", "60", "--body-timeout", "1"});
  struct Trickled {
    bool closed = false;
    std::string received;
  };
  auto trickle = [&](const std::string& first, Trickled* out) {
    Raw c(s.port());
    c.Send(first);
    const auto give_up = Clock::now() + testing::kPatience;
    while (!c.Read(150ms) && Clock::now() < give_up) c.Send("a");
    out->closed = c.closed();
    out->received = c.received();
  };
  // A kept-alive connection may wait longer than the header deadline
  // between requests: the idle deadline applies, and the next head's
  // deadline starts with its first byte.
  Raw kept(s.port());
  BOOST_TEST(kept.Send(kHealthz));
  BOOST_TEST_REQUIRE(Answers(kept, 1, testing::kPatience).size() == 1u);
  Trickled head, body;
  std::thread slow_head(trickle,
                        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ", &head);
  std::thread slow_body(trickle,
                        "POST /v1/cycles HTTP/1.1\r\nHost: x\r\n"
                        "Authorization: Bearer root-token-0001\r\n"
                        "Content-Length: 100\r\n\r\n{",
                        &body);
  // Two silent connections, one after the other, each closed by its header
  // deadline: when the second closes, more than one header deadline has
  // passed since `kept` was answered, with no clock read by the test.
  std::vector<Trickled> silent(2);
  for (Trickled& q : silent) {
    Raw c(s.port());  // connects and sends nothing
    q.closed = c.Read(testing::kPatience);
    q.received = c.received();
  }
  BOOST_TEST(kept.Send(kHealthz));
  std::vector<Response> answers = Answers(kept, 2, testing::kPatience);
  slow_head.join();
  slow_body.join();
  BOOST_TEST_REQUIRE(answers.size() == 2u);
  BOOST_TEST(answers[1].status == 200);
  BOOST_TEST(!kept.closed());
  // Closed by the server, without an answer.
  BOOST_TEST(head.closed);
  BOOST_TEST(head.received.empty());
  BOOST_TEST(body.closed);
  BOOST_TEST(body.received.empty());
  for (const Trickled& q : silent) {
    BOOST_TEST(q.closed);
    BOOST_TEST(q.received.empty());
  }
  // Nothing of the slow POST was handled.
  HttpResult cycles =
      HttpRequest(s.port(), "GET", "/v1/cycles", "",
                  {{"Authorization", "Bearer root-token-0001"}});
  BOOST_TEST(cycles.status == 200);
  BOOST_TEST(cycles.json()["cycles"].empty());
}

// 100 idle kept-alive connections fill a cap of 100; 200 more get 503
// problems; the idle ones outlive a header deadline (1 s) started after
// their last answer, then the server closes them at the idle deadline
// (10 s) and serves again.
BOOST_AUTO_TEST_CASE(idle_connections_fill_the_cap_then_leave_at_the_deadline) {
  Served s({"--max-connections", "100", "--idle-timeout", "10",
            "--header-timeout", "1"});
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<Raw>(s.port()));
    BOOST_TEST_REQUIRE(idle.back()->Send(kHealthz));
    BOOST_TEST_REQUIRE(Answers(*idle.back(), 1, testing::kPatience).size() ==
                       1u);
  }
  std::vector<std::unique_ptr<Raw>> extra;
  for (int i = 0; i < 200; ++i) {
    extra.push_back(std::make_unique<Raw>(s.port()));
  }
  int refused = 0;
  for (auto& c : extra) {
    BOOST_TEST(c->Read(testing::kPatience));  // answered and closed
    std::vector<Response> r = ParseResponses(c->received());
    if (r.size() == 1 && r[0].status == 503 &&
        r[0].header("content-type") == "application/problem+json" &&
        r[0].problem()["type"] ==
            "urn:okr-ledger:problem:too-many-connections" &&
        r[0].problem()["status"] == 503) {
      ++refused;
    }
  }
  BOOST_TEST(refused == 200);
  {
    Raw one(s.port());
    one.Read(testing::kPatience);
    std::vector<Response> r = ParseResponses(one.received());
    BOOST_TEST_REQUIRE(r.size() == 1u);
    CheckSecurityHeaders(r[0].headers, false, "503 of the cap");
  }
  extra.clear();
  // Every idle one is still served (and its idle time starts again).
  int served = 0;
  for (auto& c : idle) {
    served +=
        c->Send(kHealthz) && Answers(*c, 2, testing::kPatience).size() == 2u
            ? 1
            : 0;
  }
  BOOST_TEST_REQUIRE(served == 100);
  // The first starts a head and stops: its header deadline closes it. By
  // then the other 99 have been idle for a header deadline, 9 s short of
  // theirs: none may be closed yet.
  Raw& stalled = *idle.front();
  BOOST_TEST(stalled.Send("GET /healthz HTTP/1.1\r\n"));
  BOOST_TEST_REQUIRE(stalled.Read(testing::kPatience));
  BOOST_TEST(ParseResponses(stalled.received()).size() == 2u);  // no third
  int open = 0;
  for (std::size_t i = 1; i < idle.size(); ++i) {
    open += idle[i]->Read(0ms) ? 0 : 1;
  }
  BOOST_TEST(open == 99);
  // Then the idle deadline closes each of them, without an answer.
  int closed = 0;
  for (std::size_t i = 1; i < idle.size(); ++i) {
    if (idle[i]->Read(testing::kPatience) &&
        ParseResponses(idle[i]->received()).size() == 2u) {
      ++closed;
    }
  }
  BOOST_TEST(closed == 99);
  // The slots are free again.
  BOOST_TEST(HttpRequest(s.port(), "GET", "/healthz").status == 200);
}

// Not in the sanitizer build: a process with no descriptor left cannot
// host UBSan's vptr check, whose runtime opens a pipe to probe the memory it
// checks; failing to, it reports a false "invalid vptr" and aborts the
// server. The Release build runs the case.
boost::test_tools::assertion_result NotSanitized(
    boost::unit_test::test_unit_id) {
#ifdef OKR_SANITIZED
  boost::test_tools::assertion_result r(false);
  r.message() << "the sanitizers' runtime needs a free descriptor";
  return r;
#else
  return true;
#endif
}

// With 64 descriptors and a cap of 1,000, accepting runs out (EMFILE): the
// listener says it pauses, and accepts again once connections close. (That
// it does not spin while paused is a matter of CPU time, measured by
// tools/bench_idle_cpu.sh.)
BOOST_AUTO_TEST_CASE(out_of_descriptors_the_listener_pauses_then_accepts_again,
                     *boost::unit_test::precondition(NotSanitized)) {
  testing::ServerProcessOptions options;
  options.open_files = 64;
  options.capture_stderr = true;
  Served s({"--max-connections", "1000", "--header-timeout", "10"}, options);
  std::vector<std::unique_ptr<Raw>> conns;
  for (int i = 0; i < 120; ++i) {
    conns.push_back(std::make_unique<Raw>(s.port()));
  }
  BOOST_TEST_REQUIRE(s.process->WaitForOutput("cannot accept connections",
                                              testing::kPatience));
  conns.clear();  // the server's sessions see the close and free descriptors
  Raw after(s.port());
  after.Send(kHealthz);
  std::vector<Response> r = Answers(after, 1, testing::kPatience);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].status == 200);
  BOOST_TEST(s.process->Stop() == 0);
  BOOST_TEST(s.process->Output().find("pausing accepts") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(serve_raises_its_open_file_limit_to_the_hard_one) {
  testing::ServerProcessOptions options;
  options.open_files = 256;
  options.open_files_hard = 2048;
  Served s({}, options);
  std::ifstream in("/proc/" + std::to_string(s.process->pid()) + "/limits");
  std::string line, soft;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream(line.substr(14)) >> soft;
    }
  }
  BOOST_TEST(soft == "2048");
}

BOOST_AUTO_TEST_CASE(oversized_heads_are_answered_431_and_closed) {
  Served s({});
  auto send = [&](const std::string& request) {
    Raw c(s.port());
    c.Send(request);
    BOOST_TEST(c.Read(testing::kPatience));  // closed after the answer
    return ParseResponses(c.received());
  };
  std::string just_under = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                           std::string(15 * 1024, 'a') + "\r\n\r\n";
  std::vector<Response> r = send(just_under +
                                 "GET / HTTP/1.1\r\n"
                                 "Connection: close\r\n\r\n");
  BOOST_TEST_REQUIRE(r.size() == 2u);
  BOOST_TEST(r[0].status == 200);
  std::string many;
  for (int i = 0; i < 400; ++i) {
    many += "X-H" + std::to_string(i) + ": " + std::string(40, 'b') + "\r\n";
  }
  for (const std::string& request :
       {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
            std::string(20 * 1024, 'a') + "\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "\r\n",
        "GET /v1/cycles?q=" + std::string(20 * 1024, 'c') +
            " HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    r = send(request);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].status == 431);
    BOOST_TEST(r[0].header("content-type") == "application/problem+json");
    BOOST_TEST(r[0].header("connection") == "close");
    BOOST_TEST(r[0].problem()["type"] ==
               "urn:okr-ledger:problem:header-too-large");
    BOOST_TEST(r[0].problem()["status"] == 431);
    CheckSecurityHeaders(r[0].headers, false, "431");
  }
  BOOST_TEST(HttpRequest(s.port(), "GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order_then_garbage) {
  Served s({});
  Raw c(s.port());
  // Three good requests, garbage, and one more that must not be answered.
  c.Send(kHealthz +
         "GET /v1/cycles HTTP/1.1\r\nHost: x\r\n"
         "Authorization: Bearer root-token-0001\r\n\r\n"
         "GET /v1/nope HTTP/1.1\r\nHost: x\r\n"
         "Authorization: Bearer root-token-0001\r\n\r\n"
         "this is not http\r\n\r\n" +
         kHealthz);
  BOOST_TEST(c.Read(testing::kPatience));
  std::vector<Response> r = ParseResponses(c.received());
  BOOST_TEST_REQUIRE(r.size() == 4u);
  BOOST_TEST(r[0].status == 200);
  BOOST_TEST(json::parse(r[0].body)["status"] == "ok");
  BOOST_TEST(r[1].status == 200);
  BOOST_TEST(json::parse(r[1].body).contains("cycles"));
  BOOST_TEST(r[2].status == 404);
  BOOST_TEST(r[3].status == 400);
  BOOST_TEST(r[3].header("content-type") == "application/problem+json");
  BOOST_TEST(r[3].header("connection") == "close");
  BOOST_TEST(r[3].problem()["type"] ==
             "urn:okr-ledger:problem:malformed-request");
  BOOST_TEST(r[3].problem()["status"] == 400);
  CheckSecurityHeaders(r[3].headers, false, "400 malformed");

  // A TLS ClientHello, a broken Content-Length, a bad header line: 400 too.
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("POST /v1/cycles HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: ab\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nNo colon here\r\n\r\n")}) {
    Raw g(s.port());
    g.Send(garbage);
    BOOST_TEST(g.Read(testing::kPatience));
    std::vector<Response> a = ParseResponses(g.received());
    BOOST_TEST_REQUIRE(a.size() == 1u);
    BOOST_TEST(a[0].status == 400);
    BOOST_TEST(a[0].problem()["type"] ==
               "urn:okr-ledger:problem:malformed-request");
  }
  BOOST_TEST(HttpRequest(s.port(), "GET", "/healthz").status == 200);
}

// The retrospective's HTML is sent as it is written (chunked): whole, in
// several chunks, and the connection goes on to the next request.
BOOST_AUTO_TEST_CASE(a_streamed_answer_is_whole_and_the_connection_goes_on) {
  Served s({});
  std::vector<std::pair<std::string, std::string>> root{
      {"Authorization", "Bearer root-token-0001"}};
  BOOST_TEST_REQUIRE(
      HttpRequest(
          s.port(), "POST", "/v1/cycles",
          R"({"id":"q","starts_on":"2026-01-01","ends_on":"2026-03-31"})", root)
          .status == 201);
  for (int i = 0; i < 150; ++i) {
    std::string o = "o" + std::to_string(i);
    BOOST_TEST_REQUIRE(
        HttpRequest(s.port(), "POST", "/v1/objectives",
                    R"({"id":")" + o +
                        R"(","cycle_id":"q","title":"Objective )" + o +
                        R"(","level":"company","owner":"p)" +
                        std::to_string(i) + R"("})",
                    root)
            .status == 201);
    BOOST_TEST_REQUIRE(
        HttpRequest(
            s.port(), "POST", "/v1/objectives/" + o + "/key-results",
            R"({"id":"k)" + std::to_string(i) +
                R"(","title":"KR","kind":"metric","start":0,"target":10})",
            root)
            .status == 201);
  }
  const std::string target = "/v1/cycles/q/retrospective?format=html";
  HttpResult whole = HttpRequest(s.port(), "GET", target, "", root);
  BOOST_TEST_REQUIRE(whole.status == 200);
  BOOST_TEST(whole.header("transfer-encoding") == "chunked");
  BOOST_TEST(whole.header("content-length").empty());
  for (int i = 0; i < 150; ++i) {
    BOOST_TEST(whole.body.find("id=\"objective-o" + std::to_string(i) + "\"") !=
               std::string::npos);
  }
  BOOST_TEST(whole.body.size() > 128u * 1024);
  // Pipelined behind another request and before one more.
  Raw c(s.port());
  const std::string auth = "Authorization: Bearer root-token-0001\r\n";
  c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n" +
         "GET /v1/cycles HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
  std::vector<Response> r = Answers(c, 2, testing::kPatience);
  BOOST_TEST_REQUIRE(r.size() == 2u);
  BOOST_TEST(r[0].status == 200);
  BOOST_TEST(r[0].chunks >= 2);
  BOOST_TEST(r[0].body == whole.body);
  BOOST_TEST(r[0].header("content-type") == "text/html; charset=utf-8");
  CheckSecurityHeaders(r[0].headers, true, "streamed HTML");
  BOOST_TEST(r[1].status == 200);
  BOOST_TEST(json::parse(r[1].body)["cycles"].size() == 1u);
  // HTTP/1.0 knows no chunks: the body whole, then the connection closes.
  Raw old(s.port());
  old.Send("GET " + target + " HTTP/1.0\r\n" + auth + "\r\n");
  BOOST_TEST(old.Read(testing::kPatience));
  r = ParseResponses(old.received());
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].chunks == -1);
  BOOST_TEST(r[0].header("transfer-encoding").empty());
  BOOST_TEST(r[0].body == whole.body);
  // A client that leaves halfway: the server goes on serving.
  for (int i = 0; i < 3; ++i) {
    Raw gone(s.port());
    gone.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
    gone.Read(testing::kPatience,
              [](const std::string& got) { return got.size() > 70'000; });
    BOOST_TEST(gone.received().size() > 70'000u);
    gone.Close();
  }
  HttpResult again = HttpRequest(s.port(), "GET", target, "", root);
  BOOST_TEST(again.status == 200);
  BOOST_TEST(again.body == whole.body);
}

BOOST_AUTO_TEST_CASE(every_kind_of_answer_carries_the_security_headers) {
  Served s({});
  std::vector<std::pair<std::string, std::string>> root{
      {"Authorization", "Bearer root-token-0001"}};
  auto check = [&](const HttpResult& r, int status, bool html,
                   const std::string& what) {
    BOOST_TEST(r.status == status, what);
    CheckSecurityHeaders(r.headers, html, what);
  };
  check(HttpRequest(
            s.port(), "POST", "/v1/cycles",
            R"({"id":"q","starts_on":"2026-01-01","ends_on":"2026-03-31"})",
            root),
        201, false, "201 created");
  check(HttpRequest(s.port(), "GET", "/healthz"), 200, false, "healthz");
  check(HttpRequest(s.port(), "GET", "/v1/cycles", "", root), 200, false,
        "JSON list");
  check(HttpRequest(s.port(), "GET", "/v1/cycles"), 401, false, "401");
  check(HttpRequest(s.port(), "GET", "/v1/nope", "", root), 404, false, "404");
  check(HttpRequest(s.port(), "POST", "/v1/cycles", "{", root), 400, false,
        "400 bad JSON");
  check(HttpRequest(s.port(), "GET", "/metrics", "", root), 200, false,
        "metrics");
  check(HttpRequest(s.port(), "GET", "/v1/openapi.yaml", "", root), 200, false,
        "openapi");
  check(HttpRequest(s.port(), "GET", "/v1/cycles/q/retrospective?format=md", "",
                    root),
        200, false, "markdown");
  check(HttpRequest(s.port(), "POST", "/v1/cycles/q/start", "", root), 200,
        false, "command");
  HttpResult html = HttpRequest(
      s.port(), "GET", "/v1/cycles/q/retrospective?format=html", "", root);
  check(html, 200, true, "HTML retrospective");
  // It still renders under its policy: inline styles and SVG, no script.
  BOOST_TEST(html.body.find("<style>") != std::string::npos);
  BOOST_TEST(html.body.find("<script") == std::string::npos);
  check(HttpRequest(s.port(), "POST", "/v1/cycles",
                    "{\"id\":\"" + std::string(2 << 20, 'x') + "\"}", root),
        413, false, "413");
  // The event stream's head, and its 401.
  for (const std::string& auth :
       {std::string("Authorization: Bearer root-token-0001\r\n"),
        std::string()}) {
    Raw c(s.port());
    c.Send("GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
    // The stream's head has no Content-Length: cut there; the 401 has one.
    c.Read(testing::kPatience, [&](const std::string& got) {
      return auth.empty() ? !ParseResponses(got).empty()
                          : got.find("\r\n\r\n") != std::string::npos;
    });
    std::string head = c.received().substr(0, c.received().find("\r\n\r\n"));
    std::vector<Response> r =
        ParseResponses(auth.empty() ? c.received() : head + "\r\n\r\n");
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].status == (auth.empty() ? 401 : 200));
    CheckSecurityHeaders(r[0].headers, false, "event stream " + auth);
  }
}

// Valid, unknown and malformed tokens in headers, query strings, bodies and
// garbage: none of them appears in what the server prints or writes.
BOOST_AUTO_TEST_CASE(tokens_never_appear_in_the_server_output_or_store) {
  testing::ServerProcessOptions options;
  options.capture_stderr = true;
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
  testing::ServerProcess server(
      OKR_BINARY,
      {"serve", "--data", dir.Sub("data"), "--listen", "127.0.0.1:0",
       "--tokens", dir.Sub("tokens"), "--reminder-interval", "0",
       "--durability", "async"},
      options);
  const std::vector<std::string> secrets{"root-token-0001", "maria-token-001",
                                         "unknown-token-77", "sse-token-4242"};
  int port = server.port();
  auto auth = [](const std::string& v) {
    return std::vector<std::pair<std::string, std::string>>{
        {"Authorization", v}};
  };
  HttpRequest(port, "POST", "/v1/cycles",
              R"({"id":"q","starts_on":"2026-01-01","ends_on":"2026-03-31"})",
              auth("Bearer root-token-0001"));
  HttpRequest(port, "GET", "/v1/cycles", "", auth("Bearer maria-token-001"));
  HttpRequest(port, "GET", "/v1/cycles", "", auth("Bearer unknown-token-77"));
  HttpRequest(port, "GET", "/v1/cycles", "", auth("Basic root-token-0001"));
  HttpRequest(port, "GET", "/v1/cycles", "", auth("bearer root-token-0001"));
  HttpRequest(port, "GET", "/v1/cycles", "",
              auth("Bearer root-token-0001 root-token-0001"));
  HttpRequest(port, "GET", "/v1/cycles?access_token=root-token-0001");
  HttpRequest(port, "GET", "/v1/root-token-0001", "",
              auth("Bearer root-token-0001"));
  HttpRequest(port, "POST", "/v1/cycles", R"({"id": "root-token-0001", )",
              auth("Bearer root-token-0001"));
  HttpRequest(port, "POST", "/v1/cycles", R"({"token": "maria-token-001"})",
              auth("Bearer maria-token-001"));
  HttpRequest(port, "POST", "/v1/cycles", "root-token-0001",
              auth("Bearer unknown-token-77"));
  for (const std::string& raw :
       {std::string("root-token-0001 GET\r\n\r\n"),
        "GET / HTTP/1.1\r\nAuthorization: Bearer root-token-0001\r\nX: " +
            std::string(20 * 1024, 'a') + "\r\n\r\n",
        std::string("GET /v1/events/stream HTTP/1.1\r\n"
                    "Authorization: Bearer sse-token-4242\r\n\r\n"),
        std::string("GET /v1/events/stream?after=x HTTP/1.1\r\n"
                    "Authorization: Bearer root-token-0001\r\n\r\n")}) {
    Raw c(port);
    c.Send(raw);
    // Until the server has answered (each of these has an answer's head).
    c.Read(testing::kPatience, [](const std::string& got) {
      return got.find("\r\n\r\n") != std::string::npos;
    });
  }
  BOOST_TEST(server.Stop() == 0);
  std::string output = server.Output();
  BOOST_TEST(output.find("listening on") != std::string::npos);
  BOOST_TEST(output.find("stopped cleanly") != std::string::npos);
  for (const std::string& t : secrets) {
    BOOST_TEST(output.find(t) == std::string::npos, t);
  }
  // Nor in any file of the store (RocksDB's LOG among them).
  int files = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(dir.Sub("data"))) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    for (const std::string& t : secrets) {
      BOOST_TEST(bytes.find(t) == std::string::npos, e.path() << ": " << t);
    }
  }
  BOOST_TEST(files > 0);

  // The first start without a tokens file prints the file's path, never the
  // token it wrote there.
  testing::TempDir fresh;
  testing::ServerProcess first(
      OKR_BINARY,
      {"serve", "--data", fresh.Sub("data"), "--listen", "127.0.0.1:0"},
      options);
  BOOST_TEST(first.Stop() == 0);
  std::ifstream in(fresh.Sub("data") + "/tokens");
  std::string line, token;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') std::istringstream(line) >> token;
  }
  BOOST_TEST_REQUIRE(token.size() >= 32u);
  std::string said = first.Output();
  BOOST_TEST(said.find(fresh.Sub("data") + "/tokens") != std::string::npos);
  BOOST_TEST(said.find(token) == std::string::npos);
}

struct Exit {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs `okr` to its exit (killed after testing::kPatience), stdout and
// stderr captured.
Exit RunOkr(std::vector<std::string> args) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv{const_cast<char*>(OKR_BINARY)};
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(OKR_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  Exit e;
  auto until = Clock::now() + testing::kPatience;
  char buf[4096];
  while (Clock::now() < until) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    e.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  ::kill(pid, SIGKILL);  // if it is still running, it failed the test
  int raw = 0;
  ::waitpid(pid, &raw, 0);
  e.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return e;
}

BOOST_AUTO_TEST_CASE(a_tokens_file_others_may_read_is_refused) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  for (fs::perms mode :
       {fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
            fs::perms::others_read,
        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
        fs::perms::owner_read | fs::perms::others_write}) {
    testing::WriteTokensFile(dir.Sub("tokens"), kTokens, mode);
    Exit e = RunOkr({"serve", "--data", dir.Sub("data"), "--listen",
                     "127.0.0.1:0", "--tokens", dir.Sub("tokens")});
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    BOOST_TEST_CONTEXT(octal) {
      BOOST_TEST(e.status != 0);
      BOOST_TEST(e.output.find(dir.Sub("tokens")) != std::string::npos,
                 e.output);
      BOOST_TEST(e.output.find(octal) != std::string::npos, e.output);
      BOOST_TEST(e.output.find("chmod 600") != std::string::npos);
      BOOST_TEST(e.output.find("listening") == std::string::npos);
      BOOST_TEST(!fs::exists(dir.Sub("data")));  // no store written
    }
  }
  // 0600 serves.
  testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
  testing::ServerProcess ok(OKR_BINARY,
                            {"serve", "--data", dir.Sub("data"), "--listen",
                             "127.0.0.1:0", "--tokens", dir.Sub("tokens")});
  BOOST_TEST(HttpRequest(ok.port(), "GET", "/v1/cycles", "",
                         {{"Authorization", "Bearer root-token-0001"}})
                 .status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
