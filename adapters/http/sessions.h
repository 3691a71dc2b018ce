// Sessions: the web app's sign-ins, kept in the server's memory. A session
// is made when someone signs in with a token of the tokens file; its id
// travels as the HttpOnly session cookie (browser.h) and stands for that
// token until it expires or is ended. Sessions are not events: signing in
// changes no OKR, and a restart of the server ends every session (people
// sign in again).
//
// Thread safety: every method may be called from any thread at once.
//
// Ids are 32 bytes from OpenSSL's RAND_bytes, as 64 lowercase hex digits;
// the table keeps only their SHA-256 digests. At most `capacity` sessions
// live at once: a sign-in beyond that first drops the expired ones, then
// the one that expires soonest, so a flood of sign-ins costs bounded
// memory and ends the oldest sessions, never the server.
#ifndef OKR_ADAPTERS_HTTP_SESSIONS_H_
#define OKR_ADAPTERS_HTTP_SESSIONS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace okr::http {

class Sessions {
 public:
  explicit Sessions(std::chrono::seconds max_age = std::chrono::hours(8),
                    std::size_t capacity = 10'000)
      : max_age_(max_age), capacity_(capacity) {}

  // A new session for `token` (already checked against the tokens file),
  // living max_age() from `now_us` (microseconds since the epoch, by the
  // engine's clock). Its id; empty if the system's random source failed.
  std::string Create(const std::string& token, std::int64_t now_us);

  // The token a live session stands for; nullopt for an unknown, ended or
  // expired id (an expired one is dropped).
  std::optional<std::string> Find(const std::string& id, std::int64_t now_us);

  // When session `id` expires (microseconds since the epoch), if it lives.
  std::optional<std::int64_t> ExpiresAt(const std::string& id) const;

  // Ends session `id`; nothing for an unknown one.
  void End(const std::string& id);

  std::chrono::seconds max_age() const { return max_age_; }
  std::size_t size() const;

 private:
  struct Session {
    std::string token;
    std::int64_t expires_us = 0;
  };

  // Constant after construction.
  const std::chrono::seconds max_age_;
  const std::size_t capacity_;

  mutable std::mutex mu_;
  std::map<std::string, Session> by_digest_;  // guarded by mu_
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_SESSIONS_H_
