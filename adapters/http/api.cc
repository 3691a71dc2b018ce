#include "adapters/http/api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>

#include "adapters/http/api_call.h"
#include "adapters/http/browser.h"
#include "adapters/http/json_text.h"
#include "adapters/http/problem.h"
#include "adapters/http/route_handlers.h"
#include "events/utf8.h"

namespace okr::http {
namespace {

// The one answer to an exception that escaped a handler: logged with the
// route, answered 500 without its text (it may quote stored bytes).
HttpResponse InternalError(const HttpRequest& request, const char* what) {
  std::string target = request.target.substr(0, request.target.find('?'));
  std::cerr << "okr serve: internal error answering " << request.method << " "
            << ToValidUtf8(target.substr(0, 200)) << ": " << ToValidUtf8(what)
            << std::endl;
  HttpResponse r;
  r.status = 500;
  r.content_type = "application/problem+json";
  r.body = JsonText(HttpProblemJson(
      500, "internal-error",
      "the server could not answer this request; the failure was logged"));
  return r;
}

// Runs fn; an exception out of it becomes the 500 answer (if none was
// given yet: `respond` answers at most once).
template <typename Fn>
void Guarded(const HttpRequest& request, const Api::Respond& respond, Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    respond(InternalError(request, e.what()));
  } catch (...) {
    respond(InternalError(request, "unknown exception"));
  }
}

// The refusal of a request without a known bearer token or session.
DomainError Unauthorised(const HttpRequest& r) {
  const char* detail =
      !r.authorization.empty() ? "unknown token"
      : FindCookie(r.cookie, kSessionCookie)
          ? "the session has ended or expired: sign in again"
          : "an Authorization: Bearer token (or the web app's session "
            "cookie) is required";
  return DomainError{ErrorKind::kUnauthorised, "unauthorised", "", detail};
}

// The refusal of a write by a read replica.
DomainError ReadOnly(const std::string& primary) {
  return DomainError{
      ErrorKind::kReadOnly, "read-only-replica", "",
      primary.empty()
          ? "this server is a read replica: send writes to the primary"
          : "this server is a read replica: send writes to the primary, " +
                primary};
}

bool ChangesNothing(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// Whether a call runs on the read pool: as its line says. A GET that no
// line answers goes there too when it has as_of, as every GET with as_of
// always did, and is refused there.
bool OnReadPool(const Route* route, const HttpRequest& r,
                const RequestTarget& t) {
  Reads reads = route != nullptr    ? route->reads
                : r.method == "GET" ? Reads::kPoolIfAsOf
                                    : Reads::kInline;
  return reads == Reads::kPool ||
         (reads == Reads::kPoolIfAsOf && t.Query("as_of") != nullptr);
}

// The route part of a call, on whichever thread it runs: every id the
// path names is checked first (400 naming `id`, before the method or the
// rest of the path is looked at), then `route` answers; no route (or the
// event stream, which only the session serves) is 404.
void Dispatch(ApiCall& c, const Route* route, const PathParams& params) {
  for (std::string_view id : PathIds(c.path)) {
    if (!ValidId(std::string(id))) return c.Error(BadId("id", std::string(id)));
  }
  if (route == nullptr || route->kind == RouteKind::kStream) {
    return c.Error(DomainError{ErrorKind::kNotFound, "route-not-found", "",
                               "no route " + c.req.method + " " + c.path});
  }
  route->handler(c, params);
}

}  // namespace

Api::Api(OkrEngine& engine, const Tokens& tokens, ApiOptions options)
    : engine_(engine),
      tokens_(tokens),
      options_(options),
      sessions_(options.session_max_age),
      origins_(std::make_shared<const std::vector<std::string>>()),
      reads_(std::make_unique<ReadPool>(options.reads)) {}

void Api::SetAppOrigins(std::vector<std::string> origins) {
  auto next =
      std::make_shared<const std::vector<std::string>>(std::move(origins));
  std::lock_guard lock(origins_mu_);
  origins_ = std::move(next);
}

ApiShared Api::Shared() {
  std::shared_ptr<const std::vector<std::string>> origins;
  {
    std::lock_guard lock(origins_mu_);
    origins = origins_;
  }
  return ApiShared{engine_,  metrics_,          trees_, sessions_, tokens_,
                   options_, std::move(origins)};
}

Api::~Api() = default;

void Api::StopReads() {
  std::unique_ptr<ReadPool> pool;
  {
    std::lock_guard lock(reads_mu_);
    pool = std::move(reads_);
  }
  pool.reset();  // joins; queued jobs are answered expired
}

std::string_view Api::RouteOf(const std::string& target) {
  // Decoded as Serve() decodes it, so the label is the route that answers.
  RequestTarget t;
  DomainError not_utf8;  // the path is decoded all the same
  ParseRequestTarget(std::string_view(target).substr(0, target.find('?')), &t,
                     &not_utf8);
  return MatchRoute(t.path);
}

void Api::Handle(const HttpRequest& request, Respond respond) {
  // Every answer is counted by route and status, and timed; and given once.
  auto started = std::chrono::steady_clock::now();
  // The target is decoded once: for the label and for the routes. Labels
  // come from fixed sets (routes.h): no request adds a series.
  RequestTarget target;
  DomainError bad;
  const bool target_ok = ParseRequestTarget(request.target, &target, &bad);
  std::string_view route = MatchRoute(target.path);
  std::string_view method = MethodLabel(request.method);
  auto given = std::make_shared<std::atomic<bool>>(false);
  Respond once = [this, started, route, method, given,
                  respond = std::move(respond)](HttpResponse r) {
    if (given->exchange(true)) return;
    metrics_.Record(route, method, r.status,
                    std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - started)
                        .count());
    respond(std::move(r));
  };
  Guarded(request, once, [&] {
    // Every byte of the target is checked before anything else reads it.
    if (!target_ok) return once(ErrorResponse(bad));
    Serve(request, std::move(target), once);
  });
}

void Api::Serve(const HttpRequest& request, RequestTarget target,
                const Respond& respond) {
  ApiCall call(request, std::move(target), respond, Shared());
  if (auto e = CheckUtf8("Idempotency-Key", request.idempotency_key)) {
    return call.Error(*e);
  }
  Authenticated who = Authenticate(request);
  call.caller = who.caller;
  call.session_id = who.session_id;
  if (const Route* probe = FindProbeRoute(call.path)) {
    return Dispatch(call, probe, {});
  }
  PathParams params;
  const Route* route = FindRoute(request.method, call.path, &params);
  if (route != nullptr && route->access == Access::kPublic) {
    return Dispatch(call, route, params);
  }
  if (!call.caller) return call.Error(Unauthorised(request));
  if (options_.replica && route != nullptr && !ChangesNothing(request.method) &&
      route->pattern != "/v1/session") {
    // Allow: the methods the replica answers there (GET, or none).
    HttpResponse r = ErrorResponse(ReadOnly(options_.primary));
    r.headers.emplace_back(
        "Allow", FindRoute("GET", call.path, nullptr) != nullptr ? "GET" : "");
    return call.respond(std::move(r));
  }
  if (who.by_cookie) {
    if (std::optional<DomainError> e = CheckBrowserRequest(request, route)) {
      return call.Error(*e);
    }
  }
  if (OnReadPool(route, request, call.target)) {
    return Pool(call, route, std::move(params));
  }
  Dispatch(call, route, params);
}

void Api::Pool(const ApiCall& call, const Route* route, PathParams params) {
  // Checked and authenticated already: on the pool it is only routed.
  auto copy = std::make_shared<HttpRequest>(call.req);
  ReadPool::Job job = [this, copy, target = call.target, caller = call.caller,
                       route, params = std::move(params),
                       respond = call.respond](bool expired) {
    if (expired) {
      return respond(ErrorResponse(DomainError{
          ErrorKind::kUnavailable, "read-deadline-exceeded", "",
          "the server had no time for this read before its deadline; "
          "retry"}));
    }
    Guarded(*copy, respond, [&] {
      ApiCall pooled(*copy, target, respond, Shared());
      pooled.caller = caller;
      Dispatch(pooled, route, params);
    });
  };
  bool queued = false;
  {
    std::lock_guard lock(reads_mu_);
    queued = reads_ != nullptr && reads_->Submit(std::move(job));
  }
  if (!queued) {
    call.Error(DomainError{ErrorKind::kUnavailable, "server-busy", "",
                           "too many expensive reads (as_of, changes, "
                           "retrospective) are waiting; retry"});
  }
}

std::optional<DomainError> Api::CheckBrowserRequest(const HttpRequest& request,
                                                    const Route* route) const {
  // SameSite=Strict keeps the cookie off cross-site requests, but another
  // port of the same host is the same site: the Origin is what tells.
  if (ChangesNothing(request.method)) return std::nullopt;
  std::shared_ptr<const std::vector<std::string>> origins;
  {
    std::lock_guard lock(origins_mu_);
    origins = origins_;
  }
  if (std::find(origins->begin(), origins->end(), request.origin) ==
      origins->end()) {
    return DomainError{
        ErrorKind::kForbidden, "cross-origin-request", "Origin",
        request.origin.empty()
            ? "a request signed in by the session cookie that changes "
              "anything must carry the app's Origin header"
            : "the Origin of this request is not the app's: a request "
              "signed in by the session cookie that changes anything must "
              "come from the app itself"};
  }
  const std::string_view type = route != nullptr
                                    ? route->body_type
                                    : std::string_view("application/json");
  if (!request.body.empty() && !HasMediaType(request.content_type, type)) {
    return DomainError{
        ErrorKind::kUnsupportedMedia, "unsupported-media-type", "Content-Type",
        "a body sent with the session cookie must be " + std::string(type)};
  }
  return std::nullopt;
}

std::optional<HttpResponse> Api::OpenStream(const HttpRequest& request,
                                            std::uint64_t* after) {
  RequestTarget target;
  DomainError bad;
  if (!ParseRequestTarget(request.target, &target, &bad)) {
    return ErrorResponse(bad);
  }
  if (!Authenticate(request).caller) {
    return ErrorResponse(Unauthorised(request));
  }
  if (std::optional<DomainError> e = StreamStart(request, target, after)) {
    return ErrorResponse(*e);
  }
  return std::nullopt;
}

Authenticated Api::Authenticate(const HttpRequest& request) {
  Authenticated who;
  if (!request.authorization.empty()) {
    who.caller = Authenticate(request.authorization);
    return who;
  }
  std::optional<std::string> id = FindCookie(request.cookie, kSessionCookie);
  if (!id || id->empty()) return who;
  std::optional<std::string> token = sessions_.Find(*id, engine_.NowMicros());
  if (!token) return who;
  // The tokens file stays the source of identities: the session stands
  // for its token, looked up each time.
  who.caller = tokens_.Find(*token);
  if (who.caller) {
    who.by_cookie = true;
    who.session_id = std::move(*id);
  }
  return who;
}

std::optional<Caller> Api::Authenticate(const std::string& auth) const {
  // RFC 9110 §11.1: the scheme is case-insensitive, then one or more spaces.
  constexpr std::string_view kScheme = "bearer";
  if (auth.size() <= kScheme.size() || auth[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = auth[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  std::size_t token = auth.find_first_not_of(' ', kScheme.size());
  if (token == std::string::npos) return std::nullopt;
  return tokens_.Find(auth.substr(token));
}

}  // namespace okr::http
