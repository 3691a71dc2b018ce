#include "adapters/http/routes.h"

#include <array>

namespace okr::http {
namespace {

// The API surface, one pattern a line, in the order of docs/openapi.yaml
// (tests/adapters/routes_test.cc checks the two agree).
constexpr std::array<std::string_view, 30> kPatterns{
    "/healthz",
    "/metrics",
    "/v1/openapi.yaml",
    "/v1/cycles",
    "/v1/cycles/{id}",
    "/v1/cycles/{id}/tree",
    "/v1/cycles/{id}/changes",
    "/v1/cycles/{id}/start",
    "/v1/cycles/{id}/close",
    "/v1/cycles/{id}/retrospective",
    "/v1/cycles/{id}/retrospective/notes",
    "/v1/objectives",
    "/v1/objectives/{id}",
    "/v1/objectives/{id}/history",
    "/v1/objectives/{id}/parent",
    "/v1/objectives/{id}/activate",
    "/v1/objectives/{id}/achieve",
    "/v1/objectives/{id}/abandon",
    "/v1/objectives/{id}/key-results",
    "/v1/key-results/{id}",
    "/v1/key-results/{id}/history",
    "/v1/key-results/{id}/check-ins",
    "/v1/key-results/{id}/grade",
    "/v1/kpis",
    "/v1/kpis/{id}",
    "/v1/kpis/{id}/measurements",
    "/v1/reminders",
    "/v1/reminders/run",
    "/v1/events",
    "/v1/events/stream",
};

constexpr std::array<std::string_view, 7> kMethods{
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

// The next non-empty segment of `path` from `*at` on, "" at the end.
std::string_view NextSegment(std::string_view path, std::size_t* at) {
  while (*at < path.size() && path[*at] == '/') ++*at;
  std::size_t end = path.find('/', *at);
  if (end == std::string_view::npos) end = path.size();
  std::string_view seg = path.substr(*at, end - *at);
  *at = end;
  return seg;
}

bool Matches(std::string_view pattern, std::string_view path) {
  std::size_t p = 0, q = 0;
  for (;;) {
    std::string_view want = NextSegment(pattern, &p);
    std::string_view got = NextSegment(path, &q);
    if (want.empty() || got.empty()) return want.empty() && got.empty();
    if (want != "{id}" && want != got) return false;
  }
}

}  // namespace

std::span<const std::string_view> RoutePatterns() { return kPatterns; }

std::span<const std::string_view> MethodLabels() { return kMethods; }

std::string_view MatchRoute(std::string_view path) {
  for (std::string_view pattern : kPatterns) {
    if (Matches(pattern, path)) return pattern;
  }
  return kUnmatchedRoute;
}

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return kOtherMethod;
}

}  // namespace okr::http
