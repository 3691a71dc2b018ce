// Webhook client: POSTs one JSON body to an http:// URL, signed with
// HMAC-SHA256, with a deadline on the whole exchange.
//
// Thread safety: pure functions; PostSigned() blocks its caller (the
// delivery worker's own thread) for at most `timeout`.
//
// Only plain http:// is supported (webhook receivers on the same host or
// behind a local relay); https:// URLs are refused when parsed.
#ifndef OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_
#define OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace okr::webhook {

struct Url {
  std::string host, port, target;  // target: path and query, "/" at least
};
// http://host[:port][/path]; nullopt for anything else.
std::optional<Url> ParseUrl(const std::string& url);

// "sha256=" and the lowercase hex HMAC-SHA256 of `body` under `secret`.
std::string Signature(const std::string& secret, const std::string& body);

struct PostResult {
  bool ok = false;    // a 2xx answer arrived in time
  int status = 0;     // the HTTP status, 0 without an answer
  std::string error;  // what went wrong, when !ok
};

// POST `body` (application/json) with the headers X-Okr-Signature and
// Idempotency-Key = `idempotency_id`.
PostResult PostSigned(const Url& url, const std::string& body,
                      const std::string& secret,
                      const std::string& idempotency_id,
                      std::chrono::milliseconds timeout);

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_
