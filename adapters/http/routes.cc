#include "adapters/http/routes.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "adapters/http/route_handlers.h"

namespace okr::http {
namespace {

constexpr Access kProbe = Access::kProbe;
constexpr Access kPublic = Access::kPublic;
constexpr Access kMember = Access::kMember;
constexpr Reads kInline = Reads::kInline;
constexpr Reads kAsOf = Reads::kPoolIfAsOf;
constexpr Reads kPool = Reads::kPool;
constexpr Spelling kExact = Spelling::kExact;
constexpr RouteKind kStream = RouteKind::kStream;
constexpr Spelling kSegments = Spelling::kSegments;
constexpr RouteKind kHandler = RouteKind::kHandler;

// The API surface, one line a route, in the order of docs/openapi.yaml
// (tests/adapters/routes_test.cc checks the two agree, both ways). Every
// GET that reads the engine's state may be asked `as_of`, replaying the
// log: kAsOf. The stream's line is kAsOf too, though only the session
// serves it: through Api::Handle (404) it goes to the pool with as_of, as
// it always did. The last columns are kSegments, kHandler unless written.
// clang-format off
constexpr Route kRoutes[] = {
    // method  pattern                                 handler                       access   reads    spelling, kind
    {"GET",    "/",                                    GetApp,                       kPublic, kInline, kExact},
    {"GET",    "/app/{file}",                          GetAppFile,                   kPublic, kInline},
    {"GET",    "/healthz",                             GetHealthz,                   kProbe,  kInline, kExact},
    {"GET",    "/metrics",                             GetMetrics,                   kMember, kInline, kExact},
    {"GET",    "/v1/openapi.yaml",                     GetOpenApi,                   kMember, kAsOf},
    {"GET",    "/v1/session",                          GetSession,                   kMember, kInline},
    {"POST",   "/v1/session",                          PostSession,                  kPublic, kInline},
    {"DELETE", "/v1/session",                          DeleteSession,                kMember, kInline},
    {"GET",    "/v1/cycles",                           GetCycles,                    kMember, kAsOf},
    {"POST",   "/v1/cycles",                           PostCycles,                   kMember, kInline},
    {"GET",    "/v1/cycles/{id}",                      GetCycle,                     kMember, kAsOf},
    {"GET",    "/v1/cycles/{id}/tree",                 GetCycleTree,                 kMember, kAsOf},
    {"GET",    "/v1/cycles/{id}/changes",              GetCycleChanges,              kMember, kPool},
    {"POST",   "/v1/cycles/{id}/start",                PostCycleStart,               kMember, kInline},
    {"POST",   "/v1/cycles/{id}/close",                PostCycleClose,               kMember, kInline},
    {"GET",    "/v1/cycles/{id}/retrospective",        GetCycleRetrospective,        kMember, kPool},
    {"POST",   "/v1/cycles/{id}/retrospective/notes",  PostCycleRetrospectiveNotes,  kMember, kInline},
    {"POST",   "/v1/cycles/{id}/import",               PostCycleImport,              kMember, kInline, kSegments, kHandler, "text/csv"},
    {"GET",    "/v1/cycles/{id}/export",               GetCycleExport,               kMember, kAsOf},
    {"GET",    "/v1/objectives",                       GetObjectives,                kMember, kAsOf},
    {"POST",   "/v1/objectives",                       PostObjectives,               kMember, kInline},
    {"GET",    "/v1/objectives/{id}",                  GetObjective,                 kMember, kAsOf},
    {"PATCH",  "/v1/objectives/{id}",                  PatchObjective,               kMember, kInline},
    {"GET",    "/v1/objectives/{id}/history",          GetObjectiveHistory,          kMember, kAsOf},
    {"PUT",    "/v1/objectives/{id}/parent",           PutObjectiveParent,           kMember, kInline},
    {"POST",   "/v1/objectives/{id}/activate",         PostObjectiveActivate,        kMember, kInline},
    {"POST",   "/v1/objectives/{id}/achieve",          PostObjectiveAchieve,         kMember, kInline},
    {"POST",   "/v1/objectives/{id}/abandon",          PostObjectiveAbandon,         kMember, kInline},
    {"POST",   "/v1/objectives/{id}/key-results",      PostObjectiveKeyResults,      kMember, kInline},
    {"GET",    "/v1/key-results/{id}",                 GetKeyResult,                 kMember, kAsOf},
    {"PATCH",  "/v1/key-results/{id}",                 PatchKeyResult,               kMember, kInline},
    {"DELETE", "/v1/key-results/{id}",                 DeleteKeyResult,              kMember, kInline},
    {"GET",    "/v1/key-results/{id}/history",         GetKeyResultHistory,          kMember, kAsOf},
    {"POST",   "/v1/key-results/{id}/check-ins",       PostKeyResultCheckIns,        kMember, kInline},
    {"POST",   "/v1/key-results/{id}/grade",           PostKeyResultGrade,           kMember, kInline},
    {"GET",    "/v1/kpis",                             GetKpis,                      kMember, kAsOf},
    {"POST",   "/v1/kpis",                             PostKpis,                     kMember, kInline},
    {"GET",    "/v1/kpis/{id}",                        GetKpi,                       kMember, kAsOf},
    {"POST",   "/v1/kpis/{id}/measurements",           PostKpiMeasurements,          kMember, kInline},
    {"GET",    "/v1/reminders",                        GetReminders,                 kMember, kAsOf},
    {"POST",   "/v1/reminders/run",                    PostRemindersRun,             kMember, kInline},
    {"GET",    "/v1/events",                           GetEvents,                    kMember, kAsOf},
    {"GET",    "/v1/events/stream",                    nullptr,                      kMember, kAsOf, kExact, kStream},
    {"GET",    "/v1/chain/head",                       GetChainHead,                 kMember, kInline},
};
// clang-format on

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

// "{name}" -> "name"; "" for a literal segment.
std::string_view ParamName(std::string_view segment) {
  if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') {
    return {};
  }
  return segment.substr(1, segment.size() - 2);
}

// Segment by segment; *params (if given) gets the `{name}` values.
bool MatchSegments(std::string_view pattern, std::string_view path,
                   PathParams* params) {
  std::size_t p = 0, q = 0;
  for (;;) {
    std::string_view want = NextSegment(pattern, &p);
    std::string_view got = NextSegment(path, &q);
    if (want.empty() || got.empty()) return want.empty() && got.empty();
    std::string_view name = ParamName(want);
    if (name.empty() && want != got) return false;
    if (!name.empty() && params != nullptr) {
      params->values.emplace_back(name, std::string(got));
    }
  }
}

bool Matches(const Route& r, std::string_view path, PathParams* params) {
  if (r.spelling == kExact) return path == r.pattern;
  return MatchSegments(r.pattern, path, params);
}

}  // namespace

const std::string& PathParams::operator[](std::string_view name) const {
  for (const auto& [n, v] : values) {
    if (n == name) return v;
  }
  assert(false && "no such path parameter");
  static const std::string kNone;
  return kNone;
}

std::span<const Route> Routes() { return kRoutes; }

std::span<const std::string_view> RoutePatterns() {
  static const std::vector<std::string_view> patterns = [] {
    std::vector<std::string_view> out;
    for (const Route& r : kRoutes) {
      if (out.empty() || out.back() != r.pattern) out.push_back(r.pattern);
    }
    return out;
  }();
  return patterns;
}

std::span<const std::string_view> MethodLabels() { return kMethods; }

const Route* FindRoute(std::string_view method, std::string_view path,
                       PathParams* params) {
  for (const Route& r : Routes()) {
    if (r.method != method) continue;
    PathParams found;
    if (Matches(r, path, &found)) {
      if (params != nullptr) *params = std::move(found);
      return &r;
    }
  }
  return nullptr;
}

const Route* FindProbeRoute(std::string_view path) {
  for (const Route& r : Routes()) {
    if (r.access == kProbe && Matches(r, path, nullptr)) return &r;
  }
  return nullptr;
}

std::vector<std::string_view> PathIds(std::string_view path) {
  std::vector<std::string_view> ids;
  std::vector<std::size_t> where;  // the offsets of ids[i] in `path`
  for (const Route& r : Routes()) {
    std::size_t p = 0, q = 0;
    for (;;) {
      std::string_view want = NextSegment(r.pattern, &p);
      std::string_view got = NextSegment(path, &q);
      if (want.empty() || got.empty()) break;
      if (ParamName(want) == "id") {
        // Many lines share a prefix: each segment is named once.
        const std::size_t at = q - got.size();
        if (std::find(where.begin(), where.end(), at) == where.end()) {
          where.push_back(at);
          ids.push_back(got);
        }
      } else if (want != got) {
        break;
      }
    }
  }
  return ids;
}

bool IsStreamRequest(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  for (const Route& r : Routes()) {
    if (r.kind == kStream && r.method == method && Matches(r, path, nullptr)) {
      return true;
    }
  }
  return false;
}

std::string_view MatchRoute(std::string_view path) {
  for (std::string_view pattern : RoutePatterns()) {
    if (MatchSegments(pattern, path, nullptr)) return pattern;
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
