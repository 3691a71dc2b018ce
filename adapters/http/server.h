// Server: the HTTP/1.1 front of the Api, on Boost.Beast over Asio.
//
// Thread safety: Start() once, then Run() on one thread (it runs the I/O
// pool and returns after Stop()); Stop() from any thread or a signal
// handler's completion.
//
// A listener accepts connections (at most max_connections at once; more are
// answered 503 and closed); a session per connection reads a request
// (headers and body within read_timeout, body at most body_limit bytes, else
// 413), hands it to Api::Handle, and writes the answer when the Api calls
// back, possibly from an engine thread (the write is posted back to the
// session's strand). Reads of the state never wait for an fsync; a command's
// answer waits for its own, without holding an I/O thread.
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

#include "adapters/http/api.h"
#include "engine/status.h"

namespace okr::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  int threads = 2;
  std::size_t max_connections = 1024;
  std::chrono::seconds read_timeout{30};
  std::size_t body_limit = 1 << 20;
};

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
