// WebhookReceiver: a real HTTP server on 127.0.0.1 (an ephemeral port) for
// tests of webhook delivery. Each request is recorded (body and headers);
// a policy chooses per request (numbered from 1) what to do: answer with a
// status, answer after a delay, close the connection without answering, or
// hold it unanswered until the sender hangs up.
//
// Thread safety: the receiver runs its own thread; Requests() and the
// policy may be used from the test thread (guarded by a mutex).
#ifndef OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
#define OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_

#include <poll.h>

// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <atomic>
#include <boost/beast.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"

namespace okr::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::string body, signature, idempotency_key, target, timestamp;
  };
  struct Action {
    int status = 200;
    std::chrono::milliseconds delay{0};
    bool close_without_answer = false;
    // Too slow, whatever the sender's deadline: no answer, the connection
    // held until the sender gives up and closes it (at most kPatience).
    bool hold_until_closed = false;
  };
  using Policy = std::function<Action(int n, const Request&)>;

  explicit WebhookReceiver(Policy policy = nullptr)
      : policy_(std::move(policy)), acceptor_(ioc_) {
    namespace net = boost::asio;
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    boost::system::error_code ec;
    // Wake the accept with a connection of our own.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
    for (std::thread& t : handlers_) t.join();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void SetPolicy(Policy p) {
    std::lock_guard lock(mu_);
    policy_ = std::move(p);
  }
  std::vector<Request> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Waits until `pred(requests)` holds (true) or `timeout` passes (false);
  // woken by each request, so it returns as soon as one makes pred true.
  // `pred` runs under the receiver's lock: it must not call Requests().
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& pred,
               std::chrono::milliseconds timeout = kPatience) const {
    std::unique_lock lock(mu_);
    return arrived_.wait_for(lock, timeout, [&] { return pred(requests_); });
  }

 private:
  // A thread per connection (a slow answer holds up no other), one
  // request per connection.
  void Serve() {
    while (!stopping_) {
      boost::asio::ip::tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      handlers_.emplace_back(
          [this, s = std::move(socket)]() mutable { Handle(std::move(s)); });
    }
  }

  void Handle(boost::asio::ip::tcp::socket socket) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::system::error_code ec;
    {
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      Request r{req.body(), std::string(req["X-Okr-Signature"]),
                std::string(req["Idempotency-Key"]), std::string(req.target()),
                std::string(req["X-Okr-Timestamp"])};
      Action a;
      Policy policy;
      int n = 0;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
        n = static_cast<int>(requests_.size());
        policy = policy_;
      }
      arrived_.notify_all();
      if (policy) a = policy(n, r);
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
  }

  Policy policy_;
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;  // a request was recorded
  std::vector<Request> requests_;            // guarded by mu_
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> handlers_;  // touched by the accepting thread
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
