#include "tests/support/api_harness.h"

#include <cctype>
#include <future>
#include <stdexcept>

#include "adapters/http/browser.h"
#include "events/instant.h"
#include "tests/support/openapi_contract.h"
#include "tests/support/tokens_file.h"

namespace okr::testing {
namespace {

std::int64_t InstantOf(const std::string& text) {
  std::optional<std::int64_t> at = ParseInstant(text);
  if (!at) throw std::invalid_argument("not an RFC 3339 instant: " + text);
  return *at;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

}  // namespace

ApiHarness::ApiHarness(const std::string& clock_start,
                       const ChainSigner* signer)
    : clock_(InstantOf(clock_start), 1000) {
  engine_.options().store.clock = &clock_;
  engine_.Reopen();
  WriteTokensFile(engine_.dir() + "/tokens",
                  "# test tokens\n"
                  "root-token-0001 root admin\n"
                  "maria-token-001 maria member\n"
                  "john-token-0001 john member\n"
                  "ci-bot-token-01 ci-bot bot kr/signup-kr,kpi/signups\n");
  auto loaded = http::Tokens::Load(engine_.dir() + "/tokens");
  if (!loaded.ok()) throw std::runtime_error(loaded.status().ToString());
  tokens_ = std::make_unique<http::Tokens>(std::move(loaded).value());
  api_options_.signer = signer;
  api_ = std::make_unique<http::Api>(engine_.engine(), *tokens_, api_options_);
  api_->SetAppOrigins(http::ListenOrigins("127.0.0.1", 8080));
}

ApiHarness::~ApiHarness() { api_.reset(); }

HttpResult ApiHarness::Request(
    const std::string& method, const std::string& target,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  for (const auto& [name, value] : headers) {
    const std::string n = Lower(name);
    if (n == "authorization") r.authorization = value;
    if (n == "if-match") r.if_match = value;
    if (n == "idempotency-key") r.idempotency_key = value;
    if (n == "last-event-id") r.last_event_id = value;
    if (n == "cookie") r.cookie = value;
    if (n == "if-none-match") r.if_none_match = value;
    if (n == "origin") r.origin = value;
    if (n == "content-type") r.content_type = value;
  }
  std::promise<http::HttpResponse> answer;
  api_->Handle(
      r, [&](http::HttpResponse res) { answer.set_value(std::move(res)); });
  http::HttpResponse res = answer.get_future().get();
  http::CollectBody(&res);
  HttpResult out;
  out.status = res.status;
  out.body = std::move(res.body);
  for (auto& [name, value] : res.headers) out.headers[Lower(name)] = value;
  out.headers["content-type"] = res.content_type;
  ExpectConforms(method, target, out.status, res.content_type, out.body);
  return out;
}

void ApiHarness::Restart() {
  api_.reset();
  engine_.Reopen();
  api_ = std::make_unique<http::Api>(engine_.engine(), *tokens_, api_options_);
  api_->SetAppOrigins(http::ListenOrigins("127.0.0.1", 8080));
}

}  // namespace okr::testing
