// WebhookReceiver: a real HTTP server on 127.0.0.1 (an ephemeral port) for
// tests of webhook delivery. Each request is recorded (body and headers);
// a policy chooses per request (numbered from 1) what to do: answer with a
// status, answer after a delay, close the connection without answering, or
// hold it unanswered until the sender hangs up. Built on Boost.Beast in
// webhook_receiver.cc (compiled once for every test).
//
// Thread safety: the receiver runs its own threads; Requests(), SetPolicy()
// and WaitFor() may be called from any thread (guarded by a mutex); the
// policy runs on a connection's thread.
#ifndef OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
#define OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
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

  explicit WebhookReceiver(Policy policy = nullptr);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const;
  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void SetPolicy(Policy p);
  std::vector<Request> Requests() const;
  // Waits until `pred(requests)` holds (true) or `timeout` passes (false);
  // woken by each request, so it returns as soon as one makes pred true.
  // `pred` runs under the receiver's lock: it must not call Requests().
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& pred,
               std::chrono::milliseconds timeout = kPatience) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
