// Fuzz target: raw HTTP request bytes, parsed as adapters/http/server.cc
// parses them (Boost.Beast, header 16 KiB, body 1 MiB), then routed through
// okr::http::Api::Handle against a real engine (http_harness.h) that
// LLVMFuzzerInitialize opens once, with a few cycles, objectives, key
// results and a KPI in it. Tokens: "fuzz-admin-token" (admin root) and
// "fuzz-member-token" (member ann).
//
// Invariants for every request that parses:
//   - Handle() neither throws nor crashes, and answers exactly once within
//     5 s (from whatever thread);
//   - the status is 100..599;
//   - a 4xx/5xx is application/problem+json: a JSON object with "type"
//     (urn:okr-ledger:problem:<slug>), "title", "detail" strings and
//     "status" equal to the response status; a 401 says WWW-Authenticate;
//   - a 2xx application/json body is JSON;
//   - no header name is empty and no header value holds CR or LF.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/http_harness.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckProblem(const okr::http::HttpResponse& res) {
  Check(res.content_type == "application/problem+json");
  nlohmann::json p = nlohmann::json::parse(res.body, nullptr, false);
  Check(p.is_object());
  Check(p.contains("type") && p["type"].is_string());
  Check(p["type"].get<std::string>().rfind("urn:okr-ledger:problem:", 0) == 0);
  Check(p.contains("title") && p["title"].is_string());
  Check(p.contains("detail") && p["detail"].is_string());
  Check(p.contains("status") && p["status"].is_number_integer() &&
        p["status"].get<int>() == res.status);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  okr::fuzz::OpenSharedHarness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  okr::http::HttpRequest request;
  if (!okr::fuzz::ParseRequest(data, size, &request)) {
    return 0;
  }
  okr::http::HttpResponse res = okr::fuzz::SharedHarness()->Call(request);
  Check(res.status >= 100 && res.status <= 599);
  if (res.status >= 400) CheckProblem(res);
  if (res.status == 401) {
    bool challenge = false;
    for (const auto& [name, value] : res.headers) {
      challenge |= name == "WWW-Authenticate" && value == "Bearer";
    }
    Check(challenge);
  }
  if (res.status < 300 && res.content_type == "application/json") {
    Check(!nlohmann::json::parse(res.body, nullptr, false).is_discarded());
  }
  for (const auto& [name, value] : res.headers) {
    Check(!name.empty());
    Check(value.find_first_of("\r\n") == std::string::npos);
  }
  return 0;
}
