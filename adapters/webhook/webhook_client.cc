#include "adapters/webhook/webhook_client.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace okr::webhook {

bool ValidWebhookUrl(const std::string& url) {
  return ParseEndpoint(url, {"http", "https"}).has_value();
}

std::string Signature(const std::string& secret, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

std::string SignedMessage(std::int64_t unix_seconds, const std::string& body) {
  return std::to_string(unix_seconds) + "." + body;
}

PostResult PostSigned(const std::string& url, const Tls& tls,
                      const std::string& body, const std::string& secret,
                      const std::string& idempotency_id,
                      std::int64_t unix_seconds,
                      std::chrono::milliseconds timeout) {
  return Post(url,
              {{"Content-Type", "application/json"},
               {"X-Okr-Timestamp", std::to_string(unix_seconds)},
               {"X-Okr-Signature",
                Signature(secret, SignedMessage(unix_seconds, body))},
               {"Idempotency-Key", idempotency_id}},
              body, tls, timeout);
}

}  // namespace okr::webhook
