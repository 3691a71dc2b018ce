// adapters/http/api.h: answers of Api::Handle that the fuzzer
// (tests/fuzz/fuzz_http_request) once broke, on a real engine.
#include "adapters/http/api.h"

#include <boost/test/unit_test.hpp>
#include <future>

#include "tests/support/engine_harness.h"
#include "tests/support/tokens_file.h"

namespace okr::http {
namespace {

struct ApiFixture {
  ApiFixture() {
    testing::WriteTokensFile(harness.dir() + "/tokens",
                             "admin-token-1 root admin\n");
    auto loaded = Tokens::Load(harness.dir() + "/tokens");
    if (!loaded.ok()) throw std::runtime_error(loaded.status().ToString());
    tokens = std::make_unique<Tokens>(std::move(loaded).value());
    api = std::make_unique<Api>(harness.engine(), *tokens);
  }
  HttpResponse Get(const std::string& target) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    r.authorization = "Bearer admin-token-1";
    std::promise<HttpResponse> answer;
    api->Handle(r, [&](HttpResponse res) { answer.set_value(std::move(res)); });
    return answer.get_future().get();
  }
  testing::EngineHarness harness;
  std::unique_ptr<Tokens> tokens;
  std::unique_ptr<Api> api;
};

BOOST_FIXTURE_TEST_SUITE(api, ApiFixture)

// Found by fuzz_http_request (regressions/fuzz_http_request/id-not-utf8):
// the refusal quoted the id, a byte 0x9a is not UTF-8, and rendering the
// problem threw out of Handle (std::terminate in the server). Such a path
// is now refused at the door, before any route quotes it (issue 13).
BOOST_AUTO_TEST_CASE(a_path_that_is_not_utf8_is_refused_at_the_door) {
  for (const std::string& target :
       {std::string("/v1/key-results/k\x9a-1?at=2026-07-31"),
        std::string("/v1/objectives/%FF%FE"), std::string("/v2/\xc3")}) {
    BOOST_TEST_CONTEXT(target) {
      HttpResponse res = Get(target);
      BOOST_TEST(res.status == 400);
      BOOST_TEST(res.content_type == "application/problem+json");
      nlohmann::json p = nlohmann::json::parse(res.body);
      BOOST_TEST(p["status"] == 400);
      BOOST_TEST(p["field"] == "path");
      BOOST_TEST(p["type"] == "urn:okr-ledger:problem:invalid-utf8");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
