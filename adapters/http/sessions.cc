#include "adapters/http/sessions.h"

#include <openssl/rand.h>

#include <algorithm>

#include "engine/sha256.h"

namespace okr::http {
namespace {

std::string Digest(const std::string& id) {
  const Hash d = Sha256Of(id);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

std::string Sessions::Create(const std::string& token, std::int64_t now_us) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(2 * sizeof bytes);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  const std::int64_t expires =
      now_us +
      std::chrono::duration_cast<std::chrono::microseconds>(max_age_).count();
  std::lock_guard lock(mu_);
  if (by_digest_.size() >= capacity_) {
    std::erase_if(by_digest_, [&](const auto& kv) {
      return kv.second.expires_us <= now_us;
    });
  }
  if (by_digest_.size() >= capacity_ && !by_digest_.empty()) {
    auto soonest = std::min_element(
        by_digest_.begin(), by_digest_.end(), [](const auto& a, const auto& b) {
          return a.second.expires_us < b.second.expires_us;
        });
    by_digest_.erase(soonest);
  }
  by_digest_[Digest(id)] = Session{token, expires};
  return id;
}

std::optional<std::string> Sessions::Find(const std::string& id,
                                          std::int64_t now_us) {
  const std::string digest = Digest(id);
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return std::nullopt;
  if (it->second.expires_us <= now_us) {
    by_digest_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

std::optional<std::int64_t> Sessions::ExpiresAt(const std::string& id) const {
  const std::string digest = Digest(id);
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return std::nullopt;
  return it->second.expires_us;
}

void Sessions::End(const std::string& id) {
  const std::string digest = Digest(id);
  std::lock_guard lock(mu_);
  by_digest_.erase(digest);
}

std::size_t Sessions::size() const {
  std::lock_guard lock(mu_);
  return by_digest_.size();
}

}  // namespace okr::http
