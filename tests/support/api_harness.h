// ApiHarness: the HTTP API (okr::http::Api::Handle) in-process over a real
// OkrEngine on RocksDB in a temporary folder, with the tokens of the HTTP
// tests and the test clock of `okr serve --test-clock-start`: each read of
// the clock moves it 1 ms, so every command is recorded at an instant of its
// own while "today" stays put. For route tests that need no socket; what
// the server adds around the Api (body limits, deadlines, connections, the
// event stream) is tested end to end (tests/e2e).
//
// Thread safety: Request() from the test's thread; the engine answers on
// its own threads.
#ifndef OKR_TESTS_SUPPORT_API_HARNESS_H_
#define OKR_TESTS_SUPPORT_API_HARNESS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/api.h"
#include "adapters/http/tokens.h"
#include "engine/clock.h"
#include "tests/support/engine_harness.h"
#include "tests/support/http_client.h"

namespace okr::testing {

class ApiHarness {
 public:
  // The clock starts at `clock_start` (RFC 3339). With `signer`, as okr
  // serve --signing-key (it must outlive the harness).
  explicit ApiHarness(const std::string& clock_start,
                      const ChainSigner* signer = nullptr);
  ~ApiHarness();

  // Answers a request as Api::Handle does. Of the headers, Authorization,
  // If-Match, Idempotency-Key, Last-Event-ID, Cookie, Origin and
  // Content-Type reach the Api (the only ones it reads); the answer's
  // header names are lower-cased, with content-type among them. The web
  // app's origins are those of a server listening on 127.0.0.1:8080
  // (http://127.0.0.1:8080, http://localhost:8080, http://[::1]:8080).
  HttpResult Request(
      const std::string& method, const std::string& target,
      const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Closes the Api and the engine and opens both again on the same folder,
  // as a restart of the server does (the clock goes on; sessions end).
  void Restart();

  EngineHarness& engine() { return engine_; }

 private:
  SteppingClock clock_;
  EngineHarness engine_;
  std::unique_ptr<http::Tokens> tokens_;
  std::unique_ptr<http::Api> api_;
  http::ApiOptions api_options_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_API_HARNESS_H_
