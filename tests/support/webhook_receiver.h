// WebhookReceiver: a real HTTP server on 127.0.0.1 (an ephemeral port) for
// tests of webhook delivery. Each request is recorded (body and headers);
// a policy chooses per request (numbered from 1) what to do: answer with a
// status, answer after a delay, close the connection without answering, or
// hold it unanswered until the sender hangs up. Built on Boost.Beast in
// webhook_receiver.cc (compiled once for every test).
//
// Constructed with TlsOptions it speaks HTTPS instead (TLS 1.2 or later,
// with the given PEM certificate and key, e.g. a TestCa's "good"): Url()
// is then https://, the policy applies alike, and a connection the client
// refuses at the TLS level is closed, counted in tls_failures() and never
// reaches the policy or Requests(). Refused means: the handshake failed
// (an unknown CA or an expired certificate, plain HTTP, no handshake by
// the deadline), or the client hung up after it without sending a byte of
// request, which is how curl and libcurl refuse a certificate for another
// host name: they check the name once the handshake is through.
//
// Thread safety: the receiver runs its own threads; Requests(), SetPolicy(),
// WaitFor(), tls_failures() and WaitForTlsFailures() may be called from any
// thread (guarded by a mutex); the policy runs on a connection's thread.
#ifndef OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
#define OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eventually.h"

namespace okr::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::string body, signature, idempotency_key, target, timestamp;
    std::string content_type;  // "" when the request had none
    // Every header as sent (name as spelt by the client), in order.
    std::vector<std::pair<std::string, std::string>> headers;
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
  struct TlsOptions {
    std::string cert_file, key_file;  // PEM; the key unencrypted
    // A connection not through its handshake by then is dropped (only
    // bounds a client that stalls: one that refuses fails at once).
    std::chrono::milliseconds handshake_deadline = kPatience;
  };

  explicit WebhookReceiver(Policy policy = nullptr);
  // HTTPS. Throws std::runtime_error if the certificate or key won't load.
  explicit WebhookReceiver(TlsOptions tls, Policy policy = nullptr);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const;
  bool tls() const;
  // http(s)://127.0.0.1:PORT/path.
  std::string Url(const std::string& path = "/hook") const {
    return UrlWithHost("127.0.0.1", path);
  }
  // The same port by another name, e.g. "localhost" (for host-name checks).
  std::string UrlWithHost(const std::string& host,
                          const std::string& path = "/hook") const {
    return std::string(tls() ? "https://" : "http://") + host + ":" +
           std::to_string(port()) + path;
  }
  void SetPolicy(Policy p);
  std::vector<Request> Requests() const;
  // Waits until `pred(requests)` holds (true) or `timeout` passes (false);
  // woken by each request, so it returns as soon as one makes pred true.
  // `pred` runs under the receiver's lock: it must not call Requests().
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& pred,
               std::chrono::milliseconds timeout = kPatience) const;
  // TLS connections refused so far (see above; always 0 over plain HTTP).
  int tls_failures() const;
  // Waits until tls_failures() >= n (true) or `timeout` passes (false). The
  // receiver may record a failure after the client that caused it exited.
  bool WaitForTlsFailures(int n,
                          std::chrono::milliseconds timeout = kPatience) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
