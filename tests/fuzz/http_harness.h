// ApiHarness: the HTTP API (okr::http::Api) over a real OkrEngine on a
// RocksDB store in a temporary folder, fed raw request bytes parsed the way
// adapters/http/server.cc parses them. Used by fuzz_http_request and by
// the seed generator (seed_gen.cc).
//
// Thread safety: Call() from one thread at a time (the fuzzer's); the
// engine answers on its own threads.
#ifndef OKR_TESTS_FUZZ_HTTP_HARNESS_H_
#define OKR_TESTS_FUZZ_HTTP_HARNESS_H_

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/api.h"
#include "adapters/http/routes.h"
#include "adapters/http/tokens.h"
#include "engine/clock.h"
#include "engine/okr_engine.h"
#include "events/event_codec.h"

namespace okr::fuzz {

inline constexpr char kAdminToken[] = "fuzz-admin-token";
inline constexpr char kMemberToken[] = "fuzz-member-token";

// A request as bytes on the wire, with Content-Length when there is a body.
inline std::string RawRequest(const std::string& method,
                              const std::string& target,
                              const std::string& body = "",
                              const std::string& token = kAdminToken,
                              const std::string& extra_headers = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: okr\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n";
  }
  return r + extra_headers + "\r\n" + body;
}

// Parses `bytes` as server.cc's Session does (header at most 16 KiB, body at
// most 1 MiB) into *out. False when they hold no complete request, or one
// the server answers without the Api (a body over the limit: 413; GET
// /v1/events/stream: the SSE stream).
inline bool ParseRequest(std::string_view bytes, http::HttpRequest* out) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    std::size_t n = parser.put(
        boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  if (!parser.is_done()) return false;
  auto& req = parser.get();
  auto view = [](boost::beast::string_view s) {
    return std::string_view(s.data(), s.size());
  };
  if (http::IsStreamRequest(view(req.method_string()), view(req.target()))) {
    return false;
  }
  out->method = std::string(req.method_string());
  out->target = std::string(req.target());
  out->authorization = std::string(req[bhttp::field::authorization]);
  out->if_match = std::string(req[bhttp::field::if_match]);
  out->cookie = std::string(req[bhttp::field::cookie]);
  out->origin = std::string(req[bhttp::field::origin]);
  out->content_type = std::string(req[bhttp::field::content_type]);
  out->idempotency_key = std::string(req["Idempotency-Key"]);
  out->body = std::move(req.body());
  return true;
}

// The requests that give a fresh engine something to work on: a cycle with
// objectives, key results and check-ins, a KPI with a measurement, a note,
// a reminder run. Ids: cycles 2026-q3 (active) and 2026-q2 (closed),
// objectives o-1 (active), o-2 (draft, child of o-1), key results kr-1,
// kr-2, KPI kpi-1. The engine's today is 2026-08-15; the setup is recorded
// at 11:00:01, 11:00:02, ... (UTC) and everything after it at noon. Two
// events holding bytes that are not UTF-8 follow (ApiHarness::Poison).
inline std::vector<std::string> SetupRequests() {
  return {
      RawRequest("POST", "/v1/cycles",
                 R"({"id":"2026-q3","starts_on":"2026-07-01",)"
                 R"("ends_on":"2026-09-30"})"),
      RawRequest("POST", "/v1/cycles",
                 R"({"id":"2026-q2","name":"Q2","starts_on":"2026-04-01",)"
                 R"("ends_on":"2026-06-30"})"),
      RawRequest("POST", "/v1/objectives",
                 R"({"id":"o-1","cycle_id":"2026-q3","title":"Grow revenue",)"
                 R"("description":"Sell more","level":"company",)"
                 R"("owner":"ann"})"),
      RawRequest("POST", "/v1/objectives",
                 R"({"id":"o-2","cycle_id":"2026-q3","title":"Ship v2",)"
                 R"("level":"team","owner":"ann","team":"core",)"
                 R"("parent_id":"o-1"})"),
      RawRequest("POST", "/v1/objectives",
                 R"({"id":"o-9","cycle_id":"2026-q2","title":"Old",)"
                 R"("level":"company","owner":"ann"})"),
      RawRequest("POST", "/v1/objectives/o-1/key-results",
                 R"({"id":"kr-1","title":"ARR","kind":"metric","start":0,)"
                 R"("target":100,"unit":"kEUR","weight":2})"),
      RawRequest("POST", "/v1/objectives/o-1/key-results",
                 R"({"id":"kr-2","title":"Launched","kind":"boolean"})"),
      RawRequest("POST", "/v1/objectives/o-9/key-results",
                 R"({"id":"kr-9","title":"Old KR","kind":"metric",)"
                 R"("target":10})"),
      RawRequest("POST", "/v1/cycles/2026-q3/start"),
      RawRequest("POST", "/v1/cycles/2026-q2/start"),
      RawRequest("POST", "/v1/objectives/o-1/activate"),
      RawRequest("POST", "/v1/objectives/o-9/activate"),
      RawRequest("POST", "/v1/key-results/kr-1/check-ins",
                 R"({"value":25,"confidence":7,"note":"on track",)"
                 R"("date":"2026-07-20"})"),
      RawRequest("POST", "/v1/key-results/kr-2/check-ins", R"({"value":true})"),
      RawRequest("POST", "/v1/key-results/kr-9/check-ins",
                 R"({"value":4,"date":"2026-05-02"})"),
      RawRequest("PATCH", "/v1/key-results/kr-1",
                 R"({"target":120,"reason":"bigger market"})"),
      RawRequest("POST", "/v1/cycles/2026-q2/close"),
      RawRequest("POST", "/v1/kpis",
                 R"({"id":"kpi-1","name":"NPS","unit":"points",)"
                 R"("healthy_min":10,"healthy_max":80,"cadence_days":7})"),
      RawRequest("POST", "/v1/kpis/kpi-1/measurements",
                 R"({"value":42,"date":"2026-08-01"})"),
      RawRequest("POST", "/v1/cycles/2026-q3/retrospective/notes",
                 R"({"objective_id":"o-1","text":"Good start"})"),
      RawRequest("POST", "/v1/reminders/run?at=2026-08-15"),
  };
}

class ApiHarness {
 public:
  // Creates the folder, the tokens file (an admin "root" and a member
  // "ann") and the engine, and sends SetupRequests(). Throws on failure.
  ApiHarness() : clock_(kToday - 3'600'000'000) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/okr-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    {
      std::ofstream tokens(dir_ + "/tokens");
      tokens << kAdminToken << " root admin\n"
             << kMemberToken << " ann member\n";
    }
    std::filesystem::permissions(dir_ + "/tokens",
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    auto tokens = http::Tokens::Load(dir_ + "/tokens");
    if (!tokens.ok()) throw std::runtime_error(tokens.status().ToString());
    tokens_ = std::make_unique<http::Tokens>(std::move(tokens).value());
    EngineOptions options;
    options.store.clock = &clock_;
    options.store.durability = Durability::kAsync;  // no fsync per command
    options.warn = [](std::string_view) {};
    auto engine = OkrEngine::Open(dir_ + "/data", options);
    if (!engine.ok()) throw std::runtime_error(engine.status().ToString());
    engine_ = std::move(engine).value();
    api_ = std::make_unique<http::Api>(*engine_, *tokens_);
    // The setup is recorded from 11:00:01 on, a second apart, so that
    // as_of and changes?from=&to= have a past to travel to; then it is
    // noon, and stays noon.
    for (const std::string& raw : SetupRequests()) {
      clock_.Advance(1'000'000);
      http::HttpRequest r;
      if (!ParseRequest(raw, &r)) throw std::runtime_error("bad setup");
      http::HttpResponse res = Call(r);
      if (res.status >= 300) {
        throw std::runtime_error("setup " + r.method + " " + r.target + ": " +
                                 std::to_string(res.status) + " " + res.body);
      }
    }
    // Then what an older release let through the door: text that is not
    // UTF-8 in a check-in's note, a target change's reason and an actor,
    // appended straight to the log, so that every read a target makes
    // renders such bytes too.
    clock_.Advance(1'000'000);
    Poison(events::CheckInRecorded{"kr-1", 30, 6, std::string("ok \xFF\xFE"),
                                   *Date::Parse("2026-08-01")},
           "ann");
    Poison(events::KeyResultTargetChanged{"kr-1", 120, 130,
                                          std::string("why \xC0\xAF")},
           "ro\xFFot");
    clock_.Set(kToday);
  }
  ~ApiHarness() {
    api_.reset();
    if (engine_) engine_->Close();
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ApiHarness(const ApiHarness&) = delete;
  ApiHarness& operator=(const ApiHarness&) = delete;

  // Handles `r` and waits for the answer (which may come from an engine
  // thread). Traps if there is none within 5 s, or if it comes twice.
  http::HttpResponse Call(const http::HttpRequest& r) {
    struct Answer {
      std::promise<http::HttpResponse> promise;
      std::atomic<int> calls{0};
    };
    auto answer = std::make_shared<Answer>();
    std::future<http::HttpResponse> future = answer->promise.get_future();
    api_->Handle(r, [answer](http::HttpResponse res) {
      if (answer->calls.fetch_add(1) != 0) __builtin_trap();
      answer->promise.set_value(std::move(res));
    });
    if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      __builtin_trap();
    }
    // A streamed body (the retrospective's HTML) is made here, as the
    // server would make it, so the fuzzers see it.
    http::HttpResponse res = future.get();
    http::CollectBody(&res);
    return res;
  }

  OkrEngine& engine() { return *engine_; }
  const std::string& dir() const { return dir_; }

  // Appends `e` by `actor` to the log as it is, past every check.
  void Poison(const events::Event& e, const std::string& actor) {
    CommandMeta meta;
    meta.actor = actor;
    auto r = engine_->store().Append(events::StreamOf(e), std::nullopt,
                                     {events::ToNewEvent(e)}, meta);
    if (!r.ok()) throw std::runtime_error("poison: " + r.status().ToString());
  }

 private:
  // 2026-08-15T12:00:00Z
  static constexpr std::int64_t kToday = 1786795200LL * 1000000;

  std::string dir_;
  ManualClock clock_;
  std::unique_ptr<http::Tokens> tokens_;
  std::unique_ptr<OkrEngine> engine_;
  std::unique_ptr<http::Api> api_;
};

// The one harness of a fuzz target: OpenSharedHarness() from
// LLVMFuzzerInitialize opens it, and it is closed at exit.
inline ApiHarness*& SharedHarness() {
  static ApiHarness* harness = nullptr;
  return harness;
}
inline void OpenSharedHarness() {
  SharedHarness() = new ApiHarness();
  std::atexit([] {
    delete SharedHarness();
    SharedHarness() = nullptr;
  });
}

// ParseRequest over the fuzzer's bytes.
inline bool ParseRequest(const std::uint8_t* data, std::size_t size,
                         http::HttpRequest* out) {
  return ParseRequest(
      std::string_view(reinterpret_cast<const char*>(data), size), out);
}

}  // namespace okr::fuzz

#endif  // OKR_TESTS_FUZZ_HTTP_HARNESS_H_
