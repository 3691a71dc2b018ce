// Routes: the HTTP API (docs/openapi.yaml) as one table,
// one line per (method, pattern): the handler that answers it, who may call
// it, and where it runs. The router (api.cc), the session's event stream
// (server.cc), the metrics labels and the OpenAPI check
// (tests/adapters/routes_test.cc) all read this one table.
//
// A pattern is a path of literal segments and `{name}` segments, each
// standing for any one segment ("/v1/cycles/{id}/tree"). A path matches
// segment by segment, empty segments skipped ("//v1/cycles/" is
// "/v1/cycles"), except on the few lines matched by their exact spelling
// (Spelling::kExact below).
//
// The labels a request is counted under in /metrics come from fixed sets,
// never from the bytes a client sends, so no client can add a series: the
// route label is the pattern a path matches or "unmatched", the method
// label one of the methods the API knows or "other".
//
// Thread safety: free functions on constant data; safe from any thread.
#ifndef OKR_ADAPTERS_HTTP_ROUTES_H_
#define OKR_ADAPTERS_HTTP_ROUTES_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace okr::http {

struct ApiCall;  // api_call.h

// The values of the `{name}` segments of the pattern a path matched.
struct PathParams {
  std::vector<std::pair<std::string_view, std::string>> values;

  // The value of `{name}`. REQUIRES: the matched pattern has `{name}`.
  const std::string& operator[](std::string_view name) const;
};

// A route's handler: answers the call through it, exactly once. Every
// `{id}` in `params` is a valid id (checked before any handler runs).
using RouteHandler = void (*)(ApiCall& call, const PathParams& params);

// Who may call a route. Rules about roles (only admins start a cycle, a
// member writes only what it owns) are the engine's command handlers', not
// the table's: the HTTP layer only knows whether a token is needed.
enum class Access {
  // No token needed, whatever the method (liveness probes send what they
  // like; /healthz always answered them all); answered before
  // authentication.
  kProbe,
  // No token needed for this method: the web app's page and files, and
  // signing in.
  kPublic,
  kMember,  // any known token or session (401 without one)
};

// Where a route runs. Reads that may replay a long stretch of the log or
// walk a whole cycle run on the read pool, never on an I/O thread.
enum class Reads {
  kInline,      // on the calling thread
  kPoolIfAsOf,  // on the read pool when the query has as_of
  kPool,        // always on the read pool
};

// How a path is matched against the line's pattern.
enum class Spelling {
  kSegments,  // segment by segment, empty segments skipped
  // Exactly as the pattern is written: /healthz and /metrics are spelled
  // out by probes and scrapers and were always matched so, and the event
  // stream is recognised by the session on the raw target before anything
  // decodes it. Exact lines have no `{name}` segments.
  kExact,
};

enum class RouteKind {
  kHandler,  // answered by `handler` through Api::Handle
  // The event stream: the session (server.cc) serves it, asking
  // IsStreamRequest(); Api::Handle has nothing to stream and answers it
  // 404 route-not-found, as any path it has no route for.
  kStream,
};

struct Route {
  std::string_view method;   // "GET", "POST", ...
  std::string_view pattern;  // "/v1/cycles/{id}/tree"
  RouteHandler handler;      // null for RouteKind::kStream
  Access access = Access::kMember;
  Reads reads = Reads::kInline;
  Spelling spelling = Spelling::kSegments;
  RouteKind kind = RouteKind::kHandler;
  // The media type of the body the route takes. Required of requests
  // authenticated by the session cookie that carry a body (a cross-site
  // form can send only form and text/plain bodies); bearer-token requests
  // are not asked for it.
  std::string_view body_type = "application/json";
};

// The route label of a path that matches no pattern.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";
// The method label of a method outside kMethodLabels.
inline constexpr std::string_view kOtherMethod = "other";

// Every line, in the order of docs/openapi.yaml.
std::span<const Route> Routes();

// Every distinct pattern of Routes(), in its order.
std::span<const std::string_view> RoutePatterns();

// The methods counted under their own name: GET POST PUT PATCH DELETE HEAD
// OPTIONS.
std::span<const std::string_view> MethodLabels();

// The line answering `method` (case-sensitive, as HTTP methods are) on
// `path`, with its `{name}` values in *params; null when none does (a path
// that some line has but not with this method included). `path` is the
// path as the router sees it: no query, percent-decoded.
const Route* FindRoute(std::string_view method, std::string_view path,
                       PathParams* params);

// The Access::kProbe line `path` names, whatever the method, or null.
const Route* FindProbeRoute(std::string_view path);

// The segments of `path` that stand where a line's pattern has `{id}`, the
// path following that line's literal segments up to there: the ids a
// request names, whether or not a line answers the rest of the path or
// the method. "/v1/cycles/X/anything" names the id X.
std::vector<std::string_view> PathIds(std::string_view path);

// Whether the session serves `method target` (the request target as
// received: path and query, not decoded) as the event stream: a
// RouteKind::kStream line has this method and its pattern is the path.
bool IsStreamRequest(std::string_view method, std::string_view target);

// The pattern `path` matches, segment by segment whatever the line's
// spelling and method, or kUnmatchedRoute. `path` is as for FindRoute().
// The result points into the table, never into `path`.
std::string_view MatchRoute(std::string_view path);

// `method` itself if it is one of MethodLabels() (case-sensitive, as
// HTTP methods are), else kOtherMethod. Never points into `method`.
std::string_view MethodLabel(std::string_view method);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_ROUTES_H_
