// SseClient: a client of GET /v1/events/stream on a connection of its own
// (Boost.Beast's TCP stream): the bytes received so far and the event ids
// among them, in order. For end-to-end tests.
//
// Thread safety: one object per test, from the test's thread.
#ifndef OKR_TESTS_SUPPORT_SSE_CLIENT_H_
#define OKR_TESTS_SUPPORT_SSE_CLIENT_H_

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/eventually.h"

namespace okr::testing {

// A client of GET /v1/events/stream on a connection of its own: the bytes
// received so far and the event ids among them, in order.
class SseClient {
 public:
  // Sends "GET " + `base` + "/v1/events/stream" + `rest` (the query, the
  // version and the headers, up to the blank line).
  SseClient(int port, const std::string& rest, const std::string& base = "")
      : stream_(ioc_) {
    namespace net = boost::asio;
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(port)));
    std::string req = "GET " + base + "/v1/events/stream" + rest;
    net::write(stream_, net::buffer(req));
  }
  // Reads until `enough(ids())` holds (true), or the server closes or
  // kPatience passes (false).
  template <typename Enough>
  bool ReadUntil(Enough enough) {
    namespace beast = boost::beast;
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    char buf[65536];
    while (!enough(ids_)) {
      // A blocking read keeps no Beast deadline: wait for bytes with
      // poll(), bounded by what is left of the patience, then read them.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{stream_.socket().native_handle(), POLLIN, 0};
      if (left.count() <= 0 ||
          ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      beast::error_code ec;
      std::size_t n = stream_.read_some(boost::asio::buffer(buf), ec);
      if (ec) return false;  // closed, or the deadline passed
      pending_.append(buf, n);
      text_.append(buf, n);
      std::size_t at;
      while ((at = pending_.find("\nid: ")) != std::string::npos) {
        std::size_t end = pending_.find('\n', at + 5);
        if (end == std::string::npos) break;
        ids_.push_back(std::stoull(pending_.substr(at + 5, end - at - 5)));
        pending_.erase(0, end);
      }
    }
    return true;
  }
  bool ReadIds(std::size_t count) {
    return ReadUntil([count](const auto& ids) { return ids.size() >= count; });
  }
  const std::vector<std::uint64_t>& ids() const { return ids_; }
  const std::string& text() const { return text_; }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  std::string pending_, text_;
  std::vector<std::uint64_t> ids_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_SSE_CLIENT_H_
