// adapters/http/routes.h: the route table is the API of docs/openapi.yaml,
// a path's label is the pattern it matches or "unmatched", a method's one
// of a fixed set or "other".
#include "adapters/http/routes.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>
#include <string>

#include "adapters/http/api.h"

namespace okr::http {

extern const char kOpenApiYaml[];  // docs/openapi.yaml, compiled in

namespace {

BOOST_AUTO_TEST_SUITE(routes)

BOOST_AUTO_TEST_CASE(the_table_holds_every_path_of_the_openapi_document) {
  std::set<std::string> documented;
  std::istringstream in(kOpenApiYaml);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      documented.insert(line.substr(2, line.size() - 3));
    }
  }
  std::set<std::string> table(RoutePatterns().begin(), RoutePatterns().end());
  BOOST_TEST(table.size() == RoutePatterns().size());  // no duplicates
  BOOST_TEST(documented.size() >= 28u);
  for (const std::string& p : documented) {
    BOOST_TEST(table.count(p) == 1, p << " is documented, not in the table");
  }
  for (const std::string& p : table) {
    BOOST_TEST(documented.count(p) == 1, p << " is in the table, undocumented");
  }
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
  };
  for (const auto& [path, pattern] : cases) {
    BOOST_TEST(MatchRoute(path) == pattern, path);
  }
  for (const char* path :
       {"", "/", "/v1", "/v2/cycles", "/v1/cycles/c1/tree/x", "/v1/nothing",
        "/V1/cycles", "/v1/events/stream/x", "/v1/events/x", "/v1/kpis/p/q",
        "/healthzz", "/v1/cycles/c1/retrospective/x", "/v1/reminders/run/x",
        "/_/v1/cycles", "/v1/cycles/\"/x\n", "/{id}"}) {
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
