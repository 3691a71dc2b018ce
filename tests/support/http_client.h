// A small blocking HTTP/1.1 client on Boost.Beast for end-to-end tests: one
// connection per request to 127.0.0.1 (http_client.cc, compiled once).
//
// Thread safety: Request() may be called from several threads at once.
#ifndef OKR_TESTS_SUPPORT_HTTP_CLIENT_H_
#define OKR_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace okr::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const {
    return nlohmann::json::parse(body, nullptr, false);
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One request to 127.0.0.1:port, one connection; a body goes as
// application/json. Throws on a transport
// error (refused, reset before an answer).
HttpResult HttpRequest(
    int port, const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_HTTP_CLIENT_H_
