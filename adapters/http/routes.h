// Routes: every path pattern of the HTTP API (DESIGN §5, docs/openapi.yaml)
// as one table, and the labels a request is counted under in /metrics.
//
// The labels come from fixed sets, never from the bytes a client sends, so
// no client can add a series: the route label is the pattern a path matches
// or "unmatched", the method label one of the methods the API knows or
// "other".
//
// Thread safety: free functions on constant data; safe from any thread.
#ifndef OKR_ADAPTERS_HTTP_ROUTES_H_
#define OKR_ADAPTERS_HTTP_ROUTES_H_

#include <span>
#include <string_view>

namespace okr::http {

// The route label of a path that matches no pattern.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";
// The method label of a method outside kMethodLabels.
inline constexpr std::string_view kOtherMethod = "other";

// Every route pattern, method-agnostic ("/v1/cycles/{id}/tree"). `{id}`
// stands for any one path segment.
std::span<const std::string_view> RoutePatterns();

// The methods counted under their own name: GET POST PUT PATCH DELETE HEAD
// OPTIONS.
std::span<const std::string_view> MethodLabels();

// The pattern `path` matches, segment by segment, or kUnmatchedRoute.
// `path` is the path as the router sees it (no query, percent-decoded);
// empty segments are skipped as the router skips them ("//v1/cycles/" is
// "/v1/cycles"). The result points into the table, never into `path`.
std::string_view MatchRoute(std::string_view path);

// `method` itself if it is one of MethodLabels() (case-sensitive, as
// HTTP methods are), else kOtherMethod. Never points into `method`.
std::string_view MethodLabel(std::string_view method);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_ROUTES_H_
