#include "tests/support/webhook_receiver.h"

#include <openssl/ssl.h>
#include <poll.h>

// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace okr::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct WebhookReceiver::Impl {
  Impl(Policy p, std::optional<TlsOptions> t)
      : policy(std::move(p)), tls(std::move(t)), acceptor(ioc) {
    if (!tls) return;
    ssl.emplace(net::ssl::context::tls_server);
    ssl->set_options(net::ssl::context::default_workarounds |
                     net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3);
    SSL_CTX_set_min_proto_version(ssl->native_handle(), TLS1_2_VERSION);
    try {
      ssl->use_certificate_chain_file(tls->cert_file);
      ssl->use_private_key_file(tls->key_file, net::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("WebhookReceiver: cannot use certificate " +
                               tls->cert_file + " and key " + tls->key_file +
                               ": " + e.what());
    }
  }

  // A thread per connection (a slow answer holds up no other), one
  // request per connection.
  void Serve() {
    while (!stopping) {
      // Over TLS a connection runs its asynchronous steps (each with a
      // deadline) on an io_context of its own, on its own thread.
      auto own = tls ? std::make_unique<net::io_context>() : nullptr;
      tcp::socket socket(own ? *own : ioc);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec || stopping) continue;
      handlers.emplace_back(
          [this, own = std::move(own), s = std::move(socket)]() mutable {
            if (own) {
              HandleTls(*own, std::move(s));
            } else {
              Handle(std::move(s));
            }
          });
    }
  }

  // Records `req` and returns what the policy says to do with it, after
  // the delay it asks for.
  Action Decide(const http::request<http::string_body>& req) {
    Request r{req.body(),
              std::string(req["X-Okr-Signature"]),
              std::string(req["Idempotency-Key"]),
              std::string(req.target()),
              std::string(req["X-Okr-Timestamp"]),
              std::string(req[http::field::content_type]),
              {}};
    for (const auto& field : req) {
      r.headers.emplace_back(std::string(field.name_string()),
                             std::string(field.value()));
    }
    Action a;
    Policy current;
    int n = 0;
    {
      std::lock_guard lock(mu);
      requests.push_back(r);
      n = static_cast<int>(requests.size());
      current = policy;
    }
    arrived.notify_all();
    if (current) a = current(n, r);
    // An injected slow receiver: the delay is what the test asks for.
    if (a.delay.count() > 0) std::this_thread::sleep_for(a.delay);
    return a;
  }

  static http::response<http::string_body> Answer(const Action& a) {
    http::response<http::string_body> res{static_cast<http::status>(a.status),
                                          11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  }

  // Until the peer sends something or hangs up (at most kPatience).
  static void AwaitPeer(int fd) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1,
           static_cast<int>(std::chrono::milliseconds(kPatience).count()));
  }

  void Handle(tcp::socket socket) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    Action a = Decide(req);
    if (a.hold_until_closed) {
      AwaitPeer(socket.native_handle());
      socket.close(ec);
      return;
    }
    if (a.close_without_answer) {
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
      return;
    }
    auto res = Answer(a);
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  void HandleTls(net::io_context& own, tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ssl);
    tcp::socket& raw = beast::get_lowest_layer(stream).socket();
    // One asynchronous step, run to its end on this thread; past
    // `deadline` the socket is closed and the step fails.
    auto step = [&](std::chrono::milliseconds deadline, auto start) {
      boost::system::error_code result = net::error::operation_aborted;
      beast::get_lowest_layer(stream).expires_after(deadline);
      start(
          [&result](boost::system::error_code ec, auto&&...) { result = ec; });
      own.restart();
      own.run();
      return result;
    };
    boost::system::error_code ec =
        step(tls->handshake_deadline, [&](auto done) {
          stream.async_handshake(net::ssl::stream_base::server, done);
        });
    auto refused = [&] {
      {
        std::lock_guard lock(mu);
        ++tls_failures;
      }
      arrived.notify_all();
      raw.close(ec);
    };
    if (ec) return refused();
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    ec = step(kPatience, [&](auto done) {
      http::async_read(stream, buffer, parser, done);
    });
    // Gone after the handshake without a byte of request: how a client
    // that checks the host name only once the handshake is through (curl
    // and libcurl do) refuses the certificate.
    if (ec && !parser.got_some() && buffer.size() == 0) return refused();
    if (ec) return;
    const http::request<http::string_body>& req = parser.get();
    Action a = Decide(req);
    if (a.hold_until_closed) {
      AwaitPeer(raw.native_handle());
      raw.close(ec);
      return;
    }
    if (a.close_without_answer) {  // no close_notify either
      raw.shutdown(tcp::socket::shutdown_both, ec);
      raw.close(ec);
      return;
    }
    auto res = Answer(a);
    ec = step(kPatience,
              [&](auto done) { http::async_write(stream, res, done); });
    if (!ec) {
      // Our close_notify, without waiting for the client's: as if it had
      // come, SSL_shutdown sends ours and is done.
      SSL_set_shutdown(stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
      step(kPatience, [&](auto done) { stream.async_shutdown(done); });
    }
    raw.shutdown(tcp::socket::shutdown_both, ec);
    raw.close(ec);
  }

  Policy policy;  // guarded by mu
  const std::optional<TlsOptions> tls;
  std::optional<net::ssl::context> ssl;  // set up before any connection
  mutable std::mutex mu;
  // A request was recorded or a handshake failed.
  mutable std::condition_variable arrived;
  std::vector<Request> requests;  // guarded by mu
  int tls_failures = 0;           // guarded by mu
  net::io_context ioc;
  tcp::acceptor acceptor;
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::thread> handlers;  // touched by the accepting thread
};

namespace {

void Listen(tcp::acceptor& acceptor) {
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  acceptor.open(ep.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen();
}

}  // namespace

WebhookReceiver::WebhookReceiver(Policy policy)
    : impl_(std::make_unique<Impl>(std::move(policy), std::nullopt)) {
  Listen(impl_->acceptor);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->Serve(); });
}

WebhookReceiver::WebhookReceiver(TlsOptions tls, Policy policy)
    : impl_(std::make_unique<Impl>(std::move(policy), std::move(tls))) {
  Listen(impl_->acceptor);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->stopping = true;
  boost::system::error_code ec;
  // Wake the accept with a connection of our own.
  net::io_context ioc;
  tcp::socket s(ioc);
  s.connect({net::ip::make_address("127.0.0.1"), impl_->port}, ec);
  impl_->thread.join();
  for (std::thread& t : impl_->handlers) t.join();
}

int WebhookReceiver::port() const { return impl_->port; }

bool WebhookReceiver::tls() const { return impl_->tls.has_value(); }

void WebhookReceiver::SetPolicy(Policy p) {
  std::lock_guard lock(impl_->mu);
  impl_->policy = std::move(p);
}

std::vector<WebhookReceiver::Request> WebhookReceiver::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

bool WebhookReceiver::WaitFor(
    const std::function<bool(const std::vector<Request>&)>& pred,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->arrived.wait_for(lock, timeout,
                                 [&] { return pred(impl_->requests); });
}

int WebhookReceiver::tls_failures() const {
  std::lock_guard lock(impl_->mu);
  return impl_->tls_failures;
}

bool WebhookReceiver::WaitForTlsFailures(
    int n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->arrived.wait_for(lock, timeout,
                                 [&] { return impl_->tls_failures >= n; });
}

}  // namespace okr::testing
