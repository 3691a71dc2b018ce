// Api: the HTTP API (docs/openapi.yaml) as a plain function from a request to a
// response, I/O apart (the server in server.h reads and writes the bytes).
// Which handler answers what is the route table of routes.h; the handlers
// are in route_handlers.h.
//
// Thread safety: Handle() may be called from any number of threads at once.
//
// Reads answer from the engine's read state (or the state as of `as_of`)
// at once. Mutations become engine commands; `respond` then runs on an
// engine thread once the command's events are durable and visible, or at
// once with the refusal. The answer to a mutation is rendered when it is
// decided and stored with its idempotency key, so a replay returns the
// original response byte for byte.
#ifndef OKR_ADAPTERS_HTTP_API_H_
#define OKR_ADAPTERS_HTTP_API_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/metrics.h"
#include "adapters/http/read_pool.h"
#include "adapters/http/request_target.h"
#include "adapters/http/routes.h"
#include "adapters/http/sessions.h"
#include "adapters/http/tokens.h"
#include "adapters/http/tree_cache.h"
#include "engine/chain_signer.h"
#include "engine/okr_engine.h"

namespace okr::http {

struct ApiCall;    // api_call.h
struct ApiShared;  // api_call.h

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/v1/cycles?as_of=..."
  std::string authorization, if_match, idempotency_key;
  std::string cookie, origin, content_type;  // the headers, as received
  std::string if_none_match;
  std::string last_event_id;  // GET /v1/events/stream only
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";  // empty: no header (204)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is made piece by piece as it is sent (chunked
  // transfer coding) and `body` is unused: each call appends the next piece
  // to its argument and returns false once that piece was the last. For
  // answers too large to hold whole (the retrospective's HTML). It runs on
  // the connection's thread, after the handler returned, so it owns what it
  // reads; an exception from it ends the connection mid-body.
  std::function<bool(std::string& out)> stream;
};

// Moves what `r->stream` makes into `r->body` and clears the stream: for
// callers that want the whole body (the in-process test harness).
void CollectBody(HttpResponse* r);

// okr serve --publish: the publisher's state, as /healthz (to a caller
// with a token) and /metrics show it.
struct PublisherReport {
  std::string state;  // "ok", "behind" or "down"
  std::uint64_t lag = 0;
  std::uint64_t published = 0;
  std::string error;  // why down
};

// okr replica: how far the replica's store follows the stream.
struct ReplicaReport {
  std::string state;  // "ok", "down" (NATS away) or "stopped" (bad event)
  std::uint64_t position = 0;
  std::string error;
};

struct ApiOptions {
  // Where the expensive reads run (as_of, /changes, the retrospective).
  ReadPoolOptions reads;
  // How long a web app session lives after sign-in.
  std::chrono::seconds session_max_age{std::chrono::hours(8)};
  // The session cookie is `Secure` (sent only over https): set when the
  // public URL people reach the app at starts with https://.
  bool secure_cookies = false;
  // The session cookie's Path: "/orgs/<org>" when this Api is one of
  // several organisations' behind one server (tenants.h), so each keeps
  // its own session.
  std::string cookie_path = "/";
  // What the reminder rules take from the people file (managers, and how
  // recent a check-in silences the check-in kinds), read at each
  // GET /v1/reminders and POST /v1/reminders/run. Unset: the default.
  std::function<ReminderPolicy()> reminder_policy;
  // okr serve --signing-key: GET /v1/chain/head signs the head with it.
  // Null: the head is answered unsigned. Must outlive the Api.
  const ChainSigner* signer = nullptr;
  // Set when the server publishes the log (okr serve --publish).
  std::function<PublisherReport()> publisher;
  // A read replica (okr replica): every write is 405 read-only-replica
  // (signing in and out of the web app excepted), naming `primary` when
  // set; /healthz reports `replica` and is degraded once it stopped.
  std::function<ReplicaReport()> replica;
  std::string primary;
};

// Who a request is from, and by which credential.
struct Authenticated {
  std::optional<Caller> caller;  // nullopt: no known credential
  // By the session cookie (no Authorization header was sent): the
  // browser's rules apply (browser.h, Api::Serve).
  bool by_cookie = false;
  std::string session_id;  // the cookie's session, when by_cookie
};

class Api {
 public:
  using Respond = std::function<void(HttpResponse)>;

  // `engine` and `tokens` must outlive the Api. The destructor waits for
  // the expensive reads under way (and answers the queued ones 503).
  Api(OkrEngine& engine, const Tokens& tokens, ApiOptions options = {});
  ~Api();

  // Answers `request` through `respond`, exactly once: at once, from an
  // engine thread once a command is durable, or from the read pool. An
  // exception escaping any of them is answered 500 problem+json (slug
  // internal-error) and logged to stderr; the server goes on.
  void Handle(const HttpRequest& request, Respond respond);

  // Stops taking expensive reads: waits for those under way and answers the
  // queued ones 503; later ones are answered 503 at once. Call after the
  // server stopped serving and before the engine closes.
  void StopReads();

  // GET /v1/events/stream: checks the request as any other (UTF-8 at the
  // door, the token) and where the stream starts (after= or the
  // Last-Event-ID, parsed as GET /v1/events parses after=). nullopt with
  // *after set when the stream may start; otherwise the refusal to send.
  std::optional<HttpResponse> OpenStream(const HttpRequest& request,
                                         std::uint64_t* after);

  // The caller a bearer token ("Bearer <token>", the scheme in any case)
  // belongs to, if any.
  std::optional<Caller> Authenticate(const std::string& authorization) const;
  // Who sent `request`: the Authorization header when there is one (a bad
  // token is not made good by a cookie), else the session cookie.
  Authenticated Authenticate(const HttpRequest& request);

  // The origins the web app is served at ("http://127.0.0.1:8080"): a
  // request authenticated by the session cookie that may change anything
  // must carry one of them in its Origin header. Set once the address is
  // known, before the server serves; none set: every such request is
  // refused.
  void SetAppOrigins(std::vector<std::string> origins);
  OkrEngine& engine() { return engine_; }
  // Where answers are counted (the server counts the event stream's).
  Metrics& metrics() { return metrics_; }

  // The route label of a request target ("/v1/cycles/c1/tree?at=..." is
  // "/v1/cycles/{id}/tree"): the pattern of the route table (routes.h) its
  // percent-decoded path matches, or "unmatched". Points into that table.
  static std::string_view RouteOf(const std::string& target);

 private:
  // Handle() once the target is decoded and checked, without the catch:
  // the Idempotency-Key, the public routes, the token, then the route on
  // this thread or on the read pool.
  void Serve(const HttpRequest& request, RequestTarget target,
             const Respond& respond);
  // What the handlers of a call share, with the origins of now.
  ApiShared Shared();
  // Runs `call` on the read pool; answers 503 when the pool refuses it.
  void Pool(const ApiCall& call, const Route* route, PathParams params);

  // The browser's rules for a request authenticated by the cookie: a
  // refusal, or nullopt when it may go on.
  std::optional<DomainError> CheckBrowserRequest(const HttpRequest& request,
                                                 const Route* route) const;

  OkrEngine& engine_;
  const Tokens& tokens_;
  const ApiOptions options_;
  Metrics metrics_;
  TreeCache trees_;
  Sessions sessions_;
  mutable std::mutex origins_mu_;
  std::shared_ptr<const std::vector<std::string>> origins_;  // origins_mu_

  // Last: its jobs use everything above, so it is destroyed first. Null
  // once StopReads() ran. Guarded by reads_mu_ (Submit itself is
  // thread-safe; the mutex guards the pointer).
  std::mutex reads_mu_;
  std::unique_ptr<ReadPool> reads_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_API_H_
