// adapters/http/routes.h: the route table is the API of docs/openapi.yaml
// (the same (method, path) pairs), a request finds its line by method and
// segments, a path's label is the pattern it matches or "unmatched", a
// method's one of a fixed set or "other".
#include "adapters/http/routes.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/api.h"

namespace okr::http {

extern const char kOpenApiYaml[];  // docs/openapi.yaml, compiled in

namespace {

BOOST_AUTO_TEST_SUITE(routes)

// The (method, path) pairs of the OpenAPI document: a path is a line
// "  /...:" under `paths:`, its operations the lines "    get:", "    post:
// {...}" below it.
std::set<std::pair<std::string, std::string>> DocumentedOperations() {
  std::set<std::pair<std::string, std::string>> out;
  std::istringstream in(kOpenApiYaml);
  std::string line, path;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ') path.clear();  // a top-level key
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      continue;
    }
    if (path.empty() || line.rfind("    ", 0) != 0 || line[4] == ' ') continue;
    std::string key = line.substr(4, line.find(':') - 4);
    for (const char* m :
         {"get", "post", "put", "patch", "delete", "head", "options"}) {
      if (key != m) continue;
      std::string method = key;
      for (char& c : method) c = static_cast<char>(c - 'a' + 'A');
      out.emplace(method, path);
    }
  }
  return out;
}

BOOST_AUTO_TEST_CASE(the_table_and_the_openapi_document_name_the_same_routes) {
  const auto documented = DocumentedOperations();
  std::set<std::pair<std::string, std::string>> table;
  for (const Route& r : Routes()) {
    BOOST_TEST(table.emplace(r.method, r.pattern).second,
               r.method << " " << r.pattern << " is in the table twice");
  }
  BOOST_TEST(documented.size() >= 35u);
  for (const auto& [method, path] : documented) {
    BOOST_TEST(table.count({method, path}) == 1,
               method << " " << path << " is documented, not in the table");
  }
  for (const auto& [method, path] : table) {
    BOOST_TEST(documented.count({method, path}) == 1,
               method << " " << path << " is in the table, undocumented");
  }
}

BOOST_AUTO_TEST_CASE(the_patterns_are_the_table_s_in_its_order_once_each) {
  std::vector<std::string_view> expected;
  for (const Route& r : Routes()) {
    if (std::find(expected.begin(), expected.end(), r.pattern) ==
        expected.end()) {
      expected.push_back(r.pattern);
    }
  }
  BOOST_TEST(std::vector<std::string_view>(RoutePatterns().begin(),
                                           RoutePatterns().end()) == expected,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_line_is_answerable_as_the_table_says) {
  for (const Route& r : Routes()) {
    BOOST_TEST_CONTEXT(r.method << " " << r.pattern) {
      // The stream is the session's; every other line has its handler.
      BOOST_TEST((r.handler == nullptr) == (r.kind == RouteKind::kStream));
      // Exact lines are spelled out: no {id} to match.
      if (r.spelling == Spelling::kExact) {
        BOOST_TEST(r.pattern.find('{') == std::string_view::npos);
      }
      // Only GETs read the state: nothing else goes to the read pool.
      if (r.method != "GET") BOOST_TEST((r.reads == Reads::kInline));
      // Only /healthz answers without a token whatever the method; only
      // the web app's page and files and signing in need no token.
      BOOST_TEST((r.access == Access::kProbe) == (r.pattern == "/healthz"));
      const bool app = r.pattern == "/" || r.pattern == "/app/{file}" ||
                       (r.pattern == "/v1/session" && r.method == "POST");
      BOOST_TEST((r.access == Access::kPublic) == app);
      PathParams params;
      std::string path(r.pattern);
      for (std::size_t at; (at = path.find("{id}")) != std::string::npos;) {
        path.replace(at, 4, "x-1");
      }
      BOOST_TEST(FindRoute(r.method, path, &params) == &r);
      if (r.pattern.find("{id}") != std::string_view::npos) {
        BOOST_TEST(params["id"] == "x-1");
        BOOST_TEST(PathIds(path) == std::vector<std::string_view>{"x-1"},
                   boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_path_is_routed_by_method_and_segments) {
  PathParams p;
  const Route* r = FindRoute("GET", "//v1/cycles/q3//tree/", &p);
  BOOST_REQUIRE(r != nullptr);
  BOOST_TEST(r->pattern == "/v1/cycles/{id}/tree");
  BOOST_TEST(p["id"] == "q3");
  BOOST_TEST(FindRoute("POST", "/v1/cycles/q3/tree", nullptr) == nullptr);
  BOOST_TEST(FindRoute("get", "/v1/cycles", nullptr) == nullptr);
  BOOST_TEST(FindRoute("GET", "/v1/cycles/q3/tree/x", nullptr) == nullptr);
  // Spelled exactly, or not at all.
  BOOST_TEST(FindRoute("GET", "/metrics", nullptr) != nullptr);
  BOOST_TEST(FindRoute("GET", "/metrics/", nullptr) == nullptr);
  BOOST_TEST(FindProbeRoute("/healthz") != nullptr);
  BOOST_TEST(FindProbeRoute("/healthz/") == nullptr);
  BOOST_TEST(FindProbeRoute("/metrics") == nullptr);
  BOOST_TEST(FindProbeRoute("/") == nullptr);
  // The app's files: one segment each, GET only.
  const Route* file = FindRoute("GET", "/app/main.mjs", &p);
  BOOST_REQUIRE(file != nullptr);
  BOOST_TEST(p["file"] == "main.mjs");
  BOOST_TEST(FindRoute("POST", "/app/main.mjs", nullptr) == nullptr);
  BOOST_TEST(FindRoute("GET", "/app/a/b.mjs", nullptr) == nullptr);
}

BOOST_AUTO_TEST_CASE(a_path_names_the_ids_under_a_resource_whatever_follows) {
  using Ids = std::vector<std::string_view>;
  BOOST_TEST(PathIds("/v1/cycles/X!/no/such/route") == Ids{"X!"},
             boost::test_tools::per_element());
  BOOST_TEST(PathIds("/v1/kpis/K") == Ids{"K"},
             boost::test_tools::per_element());
  for (const char* path :
       {"/v1/cycles", "/v1/reminders/run", "/v1/events/x", "/v2/cycles/X",
        "/healthz", "/v1/openapi.yaml", "/v1/nothing/X"}) {
    BOOST_TEST(PathIds(path).empty(), path);
  }
}

BOOST_AUTO_TEST_CASE(the_stream_is_its_path_as_sent_with_get) {
  BOOST_TEST(IsStreamRequest("GET", "/v1/events/stream"));
  BOOST_TEST(IsStreamRequest("GET", "/v1/events/stream?after=3"));
  BOOST_TEST(IsStreamRequest("GET", "/v1/events/stream?"));
  for (const char* target :
       {"/v1/events/stream/", "//v1/events/stream", "/v1/events/%73tream",
        "/v1/events/streams", "/v1/events", "/v1/events/stream#x", ""}) {
    BOOST_TEST(!IsStreamRequest("GET", target), target);
  }
  BOOST_TEST(!IsStreamRequest("POST", "/v1/events/stream"));
  BOOST_TEST(!IsStreamRequest("HEAD", "/v1/events/stream"));
}

BOOST_AUTO_TEST_CASE(a_path_is_labelled_with_the_pattern_it_matches) {
  const std::pair<const char*, const char*> cases[] = {
      {"/healthz", "/healthz"},
      {"/healthz/", "/healthz"},
      {"/metrics", "/metrics"},
      {"/v1/openapi.yaml", "/v1/openapi.yaml"},
      {"/v1/cycles", "/v1/cycles"},
      {"//v1//cycles/", "/v1/cycles"},
      {"/v1/cycles/c1", "/v1/cycles/{id}"},
      {"/v1/cycles/c1/tree", "/v1/cycles/{id}/tree"},
      {"/v1/cycles/tree/tree", "/v1/cycles/{id}/tree"},
      {"/v1/cycles/c1/retrospective/notes",
       "/v1/cycles/{id}/retrospective/notes"},
      {"/v1/objectives/o1/key-results", "/v1/objectives/{id}/key-results"},
      {"/v1/key-results/k1/check-ins", "/v1/key-results/{id}/check-ins"},
      {"/v1/kpis/p/measurements", "/v1/kpis/{id}/measurements"},
      {"/v1/reminders/run", "/v1/reminders/run"},
      {"/v1/events", "/v1/events"},
      {"/v1/events/stream", "/v1/events/stream"},
      {"/", "/"},
      {"", "/"},
      {"/app/main.mjs", "/app/{file}"},
      {"/v1/session", "/v1/session"},
  };
  for (const auto& [path, pattern] : cases) {
    BOOST_TEST(MatchRoute(path) == pattern, path);
  }
  for (const char* path :
       {"/v1", "/app", "/app/a/b", "/v2/cycles", "/v1/cycles/c1/tree/x",
        "/v1/nothing", "/V1/cycles", "/v1/events/stream/x", "/v1/events/x",
        "/v1/kpis/p/q", "/healthzz", "/v1/cycles/c1/retrospective/x",
        "/v1/reminders/run/x", "/_/v1/cycles", "/v1/cycles/\"/x\n", "/{id}"}) {
    BOOST_TEST(MatchRoute(path) == kUnmatchedRoute, path);
  }
}

BOOST_AUTO_TEST_CASE(the_label_is_that_of_the_decoded_path_without_query) {
  BOOST_TEST(Api::RouteOf("/v1/cycles/%71/tr%65e?at=2026-01-01") ==
             "/v1/cycles/{id}/tree");
  BOOST_TEST(Api::RouteOf("/v1/cycles?as_of=x/y/z") == "/v1/cycles");
  // %2F is a '/' to the router too: four segments, no route.
  BOOST_TEST(Api::RouteOf("/v1/cycles/a%2Fb") == kUnmatchedRoute);
  BOOST_TEST(Api::RouteOf("/v1/cycles/%FF%22%5C%0A") == "/v1/cycles/{id}");
  BOOST_TEST(Api::RouteOf("/%22%5C%0A") == kUnmatchedRoute);
}

BOOST_AUTO_TEST_CASE(a_method_is_labelled_by_name_only_if_it_is_known) {
  for (const char* m :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    BOOST_TEST(MethodLabel(m) == m);
  }
  BOOST_TEST(MethodLabels().size() == 7u);
  for (const char* m : {"", "get", "FOO", "GET ", "PURGE", "CONNECT", "TRACE",
                        "M-SEARCH", "\"\\\n"}) {
    BOOST_TEST(MethodLabel(m) == kOtherMethod, m);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
