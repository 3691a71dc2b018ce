#include "tests/support/webhook_receiver.h"

#include <poll.h>

// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <atomic>
#include <boost/beast.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace okr::testing {

struct WebhookReceiver::Impl {
  explicit Impl(Policy p) : policy(std::move(p)), acceptor(ioc) {}

  // A thread per connection (a slow answer holds up no other), one
  // request per connection.
  void Serve() {
    while (!stopping) {
      boost::asio::ip::tcp::socket socket(ioc);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec || stopping) continue;
      handlers.emplace_back(
          [this, s = std::move(socket)]() mutable { Handle(std::move(s)); });
    }
  }

  void Handle(boost::asio::ip::tcp::socket socket) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    Request r{req.body(), std::string(req["X-Okr-Signature"]),
              std::string(req["Idempotency-Key"]), std::string(req.target()),
              std::string(req["X-Okr-Timestamp"])};
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
    if (a.hold_until_closed) {
      pollfd p{socket.native_handle(), POLLIN, 0};
      ::poll(&p, 1,
             static_cast<int>(std::chrono::milliseconds(kPatience).count()));
      socket.close(ec);
      return;
    }
    if (a.close_without_answer) {
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      socket.close(ec);
      return;
    }
    http::response<http::string_body> res{static_cast<http::status>(a.status),
                                          11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  }

  Policy policy;  // guarded by mu
  mutable std::mutex mu;
  mutable std::condition_variable arrived;  // a request was recorded
  std::vector<Request> requests;            // guarded by mu
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor;
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::thread> handlers;  // touched by the accepting thread
};

WebhookReceiver::WebhookReceiver(Policy policy)
    : impl_(std::make_unique<Impl>(std::move(policy))) {
  namespace net = boost::asio;
  net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->stopping = true;
  boost::system::error_code ec;
  // Wake the accept with a connection of our own.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), impl_->port}, ec);
  impl_->thread.join();
  for (std::thread& t : impl_->handlers) t.join();
}

int WebhookReceiver::port() const { return impl_->port; }

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

}  // namespace okr::testing
