// adapters/http/json_body.h: strict bodies (RFC 3339 instants:
// tests/events/instant_test.cc).
#include "adapters/http/json_body.h"

#include <boost/test/unit_test.hpp>

#include "events/envelope.h"

namespace okr::http {
namespace {

BOOST_AUTO_TEST_SUITE(json_body)

BOOST_AUTO_TEST_CASE(fields_are_typed_and_unknown_ones_refused) {
  JsonBody b = JsonBody::Parse(R"({"title": "x", "weight": 2, "extra": 1})");
  BOOST_TEST(b.RequireString("title") == "x");
  BOOST_TEST(b.Number("weight").value_or(0) == 2.0);
  std::optional<DomainError> e = b.Finish();
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->field == "extra");
  JsonBody wrong = JsonBody::Parse(R"({"title": 5})");
  wrong.String("title");
  BOOST_TEST(wrong.Finish()->field == "title");
  JsonBody missing = JsonBody::Parse("{}");
  missing.RequireNumber("value");
  BOOST_TEST(missing.Finish()->detail == "value is required");
  JsonBody flag = JsonBody::Parse(R"({"value": true})");
  BOOST_TEST(flag.RequireNumberOrBool("value") == 1.0);
  BOOST_TEST(!flag.Finish().has_value());
  BOOST_TEST(JsonBody::Parse("", false).error().has_value());
  BOOST_TEST(!JsonBody::Parse("  ", true).error().has_value());
  BOOST_TEST(JsonBody::Parse(R"({"a": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]})")
                 .error()
                 .has_value());
  BOOST_TEST(!JsonBody::Parse(R"({"a": "[[[[[[[[[[[[[[[[[[[[[[["})")
                  .error()
                  .has_value());  // brackets inside a string do not count
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
