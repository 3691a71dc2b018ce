// Server: the HTTP/1.1 front of the Api, on Boost.Beast over Asio.
//
// Thread safety: Start() once, then Run() on one thread (it runs the I/O
// pool and returns after Stop()); Stop() from any thread or a signal
// handler's completion.
//
// A listener accepts connections (at most max_connections at once; more are
// answered 503 and closed; when accepting fails, e.g. out of file
// descriptors, it pauses 100 ms instead of spinning); a session per
// connection reads a request, hands it to Api::Handle, and writes the answer
// when the Api calls back, possibly from an engine thread (the write is
// posted back to the session's strand). Reads of the state never wait for an
// fsync; a command's answer waits for its own, without holding an I/O thread.
//
// Deadlines of a connection (slow clients hold a slot for a bounded time):
//   - the request head (request line and headers) within header_timeout,
//     counted from the accept for a connection's first request and from the
//     first byte of the request for later ones;
//   - between requests on a kept-alive connection, idle_timeout;
//   - the body within body_timeout after the head; an answer written within
//     write_timeout (a streamed one, HttpResponse::stream, too: its head and
//     every chunk; it counts as in flight until its last chunk, so a stop
//     waits for it; to an HTTP/1.0 request it goes whole, unchunked).
// A deadline that passes closes the connection without an answer, no 408:
// the slot is freed at once rather than spent writing to a client that is
// not keeping up, and a client about to reuse a kept-alive connection could
// take an unsolicited 408 for the answer to its next request. Nothing
// half-read is ever handled.
//
// Refusals, each a problem+json answer after which the connection closes
// (lingering: what the client still sends is read and dropped for up to
// 3 s, so it reads the answer rather than a reset):
//   413 body-too-large (body over body_limit), 431 header-too-large (head
//   over header_limit), 400 malformed-request (not HTTP/1.1: requests
//   pipelined before the garbage are answered first, in order).
//
// Every answer, including the 503 of the connection cap and the event
// stream, carries the security headers of SecurityHeaders().
//
// Stop(): the listener closes at once; requests in flight are answered and
// their connections closed; then Run() returns.
#ifndef OKR_ADAPTERS_HTTP_SERVER_H_
#define OKR_ADAPTERS_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/api.h"
#include "adapters/http/tenants.h"
#include "engine/status.h"

namespace okr::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  int threads = 2;
  std::size_t max_connections = 1024;
  // Short enough that a slow-header client frees its slot soon, long enough
  // for any real client on a slow link (a head is a few hundred bytes).
  std::chrono::milliseconds header_timeout{10'000};
  // Lets a client reuse its connection between bursts; idle connections
  // filling the cap leave within this.
  std::chrono::milliseconds idle_timeout{15'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1 << 20;
};

// The headers every answer carries: X-Content-Type-Options, X-Frame-Options,
// Referrer-Policy, Cache-Control: no-store (the API's ETags serve If-Match,
// not caching; nothing is to be kept by a cache) and a
// Content-Security-Policy that allows nothing, except inline styles and
// data: images for HTML (`html`: the retrospective page renders with its
// inline <style> and inline SVG, and no script runs).
std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool html);

struct ServerStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> in_flight{0};
};

class Server {
 public:
  using Handler = std::function<void(const HttpRequest&, Api::Respond)>;

  // `api` must outlive the server.
  Server(Api& api, ServerOptions options);
  // A server of several organisations' Apis (tenants.h: each answers under
  // /orgs/<org>/, and without the prefix too when it is the only one);
  // each must outlive the server.
  Server(std::vector<Tenant> tenants, ServerOptions options);
  // A server of `handler` alone, without an Api (no event stream): the
  // bare ceiling the HTTP benchmark measures the Api against.
  Server(Handler handler, ServerOptions options);
  ~Server();

  // Binds and listens. IOError naming the address on failure.
  Status Start();
  // The port bound (useful with port 0).
  std::uint16_t port() const;
  // Serves until Stop(); returns when requests in flight are answered.
  void Run();
  void Stop();
  // Calls `fn` once SIGINT or SIGTERM arrives (while Run() runs).
  void OnSignal(std::function<void(int)> fn);

  const ServerStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerStats stats_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_SERVER_H_
