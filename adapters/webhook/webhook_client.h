// Webhook client: POSTs one JSON body to an http:// or https:// URL
// (transport.h: TLS verified), signed with HMAC-SHA256 over a timestamp
// and the body, with a deadline on the whole exchange.
//
// Signature (what receivers verify, README "Webhooks"):
//
//   X-Okr-Timestamp := decimal Unix seconds of the attempt
//   X-Okr-Signature := "sha256=" lowercase-hex(HMAC-SHA256(secret,
//                                  X-Okr-Timestamp "." body))
//
// The timestamp is inside the MAC, so a captured delivery cannot be
// replayed later as new: receivers reject timestamps older than a few
// minutes (and drop repeats within that window by Idempotency-Key).
//
// Thread safety: pure functions; PostSigned() blocks its caller (the
// delivery worker's own thread) for at most `timeout`.
#ifndef OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_
#define OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/webhook/transport.h"

namespace okr::webhook {

// True for http(s)://host[:port][/path] (no user name or password).
bool ValidWebhookUrl(const std::string& url);

// "sha256=" and the lowercase hex HMAC-SHA256 of `message` under `secret`.
std::string Signature(const std::string& secret, const std::string& message);

// What X-Okr-Signature signs: "<unix_seconds>.<body>".
std::string SignedMessage(std::int64_t unix_seconds, const std::string& body);

using PostResult = SendResult;

// POST `body` (application/json) with the headers X-Okr-Timestamp =
// `unix_seconds`, X-Okr-Signature = Signature(secret, SignedMessage(
// unix_seconds, body)) and Idempotency-Key = `idempotency_id`.
PostResult PostSigned(const std::string& url, const Tls& tls,
                      const std::string& body, const std::string& secret,
                      const std::string& idempotency_id,
                      std::int64_t unix_seconds,
                      std::chrono::milliseconds timeout);

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_WEBHOOK_CLIENT_H_
