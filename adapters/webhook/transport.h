// Transport: the bytes of one delivery sent over the network, through
// libcurl (Debian's libcurl4-openssl-dev): an HTTP POST to an http:// or
// https:// URL (webhooks, Slack, Teams), or one mail message over SMTP
// (smtp:// with STARTTLS required, or smtps://).
//
// TLS, for every https:// and SMTP connection: TLS 1.2 or later, the peer's
// certificate verified against the system CA store (Debian's
// ca-certificates) or against Tls::ca_file alone when it is set
// (--webhook-ca), and the host name checked against the certificate. A
// refused certificate is a failed attempt whose error says why (curl's
// words: "SSL certificate problem: unable to get local issuer
// certificate", "... does not match target host name ...").
//
// Thread safety: the functions may be called from any thread at once (each
// call has its own curl handle); each blocks for at most `timeout`.
// Redirects are not followed, no proxy is asked for a loopback host, and
// an answer's status decides: its body is not read.
#ifndef OKR_ADAPTERS_WEBHOOK_TRANSPORT_H_
#define OKR_ADAPTERS_WEBHOOK_TRANSPORT_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace okr::webhook {

struct Tls {
  std::string ca_file;  // PEM; empty: the system CA store
};

struct SendResult {
  bool ok = false;    // a 2xx answer (HTTP) or an accepted message (SMTP)
  int status = 0;     // the HTTP status or the SMTP reply code; 0 without
  std::string error;  // what went wrong, when !ok
};

// The parts of a delivery URL, checked: scheme (lowercase) one of
// `schemes`, a host, an optional port, no user name or password in it.
struct Endpoint {
  std::string scheme, host;
  int port = 0;  // 0: the scheme's default
};
std::optional<Endpoint> ParseEndpoint(const std::string& url,
                                      const std::vector<std::string>& schemes);

// `url` for messages: scheme and host (and port) only, "/…" for the rest,
// since the path of a Slack or Teams webhook is its credential.
std::string Redacted(const std::string& url);

using Headers = std::vector<std::pair<std::string, std::string>>;

// POSTs `body` with `headers` (Content-Type among them). `url` must have
// passed ParseEndpoint(url, {"http", "https"}).
SendResult Post(const std::string& url, const Headers& headers,
                const std::string& body, const Tls& tls,
                std::chrono::milliseconds timeout);

struct MailServer {
  std::string url;             // smtp://host[:port] or smtps://host[:port]
  std::string from;            // the envelope sender, an address
  std::string user, password;  // empty user: no authentication
};

// Sends `message` (RFC 5322 text with CRLF line ends, headers first) to
// `to` (an address). On smtp:// STARTTLS is required: a server that does
// not offer it is a failed attempt.
SendResult SendMail(const MailServer& server, const std::string& to,
                    const std::string& message, const Tls& tls,
                    std::chrono::milliseconds timeout);

}  // namespace okr::webhook

#endif  // OKR_ADAPTERS_WEBHOOK_TRANSPORT_H_
