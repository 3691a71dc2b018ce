#include "adapters/webhook/webhook_client.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace okr::webhook {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<Url> ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
    if (u.port.empty() ||
        u.port.find_first_not_of("0123456789") != std::string::npos ||
        u.port.size() > 5 || std::stoi(u.port) > 65535) {
      return std::nullopt;
    }
  }
  if (u.host.empty() || u.host.find('@') != std::string::npos) {
    return std::nullopt;
  }
  return u;
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

PostResult PostSigned(const Url& url, const std::string& body,
                      const std::string& secret,
                      const std::string& idempotency_id,
                      std::int64_t unix_seconds,
                      std::chrono::milliseconds timeout) {
  PostResult result;
  // Asynchronous steps on a private io_context: tcp_stream's deadline only
  // applies to asynchronous operations. One deadline covers resolve,
  // connect, write and read together.
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "okr-ledger-webhook");
  req.set(http::field::content_type, "application/json");
  req.set("X-Okr-Timestamp", std::to_string(unix_seconds));
  req.set("X-Okr-Signature",
          Signature(secret, SignedMessage(unix_seconds, body)));
  req.set("Idempotency-Key", idempotency_id);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  bool timed_out = false;
  net::steady_timer deadline(ioc, timeout);
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
  });
  auto fail = [&](const boost::system::error_code& ec) {
    result.error =
        timed_out ? "timed out after " + std::to_string(timeout.count()) + " ms"
                  : ec.message();
    deadline.cancel();
  };
  resolver.async_resolve(
      url.host, url.port,
      [&](const boost::system::error_code& ec,
          net::ip::tcp::resolver::results_type endpoints) {
        if (ec) return fail(ec);
        stream.async_connect(endpoints, [&](const boost::system::error_code& ec,
                                            const net::ip::tcp::endpoint&) {
          if (ec) return fail(ec);
          http::async_write(
              stream, req,
              [&](const boost::system::error_code& ec, std::size_t) {
                if (ec) return fail(ec);
                // The status line and headers decide; the body is not
                // read (a long one must not turn a 2xx into a failure).
                http::async_read_header(
                    stream, buffer, parser,
                    [&](const boost::system::error_code& ec, std::size_t) {
                      if (ec) return fail(ec);
                      deadline.cancel();
                      result.status = parser.get().result_int();
                      result.ok = result.status >= 200 && result.status < 300;
                      if (!result.ok) {
                        result.error = "HTTP " + std::to_string(result.status);
                      }
                      beast::error_code ignored;
                      stream.socket().shutdown(
                          net::ip::tcp::socket::shutdown_both, ignored);
                    });
              });
        });
      });
  ioc.run();
  return result;
}

}  // namespace okr::webhook
