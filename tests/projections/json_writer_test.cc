// JsonWriter: commas, escaping and numbers, checked against a strict parser
// and against text written out by hand.
#include "projections/json_writer.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace okr {

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(nested_containers_get_their_commas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("a", 1).Field("b", "x");
  w.Key("list").BeginArray();
  w.Int(1).BeginObject().EndObject().BeginArray().EndArray().Null();
  w.EndArray();
  w.Field("t", true).Field("none", std::optional<double>());
  w.EndObject();
  BOOST_TEST(out ==
             R"({"a":1,"b":"x","list":[1,{},[],null],"t":true,"none":null})");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped) {
  std::string out;
  JsonWriter w(&out);
  w.String(std::string("q\"b\\n\n\t\x01\x1f é", 12));
  BOOST_TEST(out == "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f é\"");
  BOOST_TEST(nlohmann::json::parse(out).get<std::string>() ==
             std::string("q\"b\\n\n\t\x01\x1f é", 12));
}

BOOST_AUTO_TEST_CASE(numbers_are_shortest_and_never_invalid) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Number(0.65).Number(60.0).Number(-0.5).Number(1e21).Number(5.0 / 14);
  w.Number(std::nan("")).Number(std::numeric_limits<double>::infinity());
  w.Int(-42).EndArray();
  BOOST_TEST(out.substr(0, 22) == "[0.65,60,-0.5,1e+21,0.");
  nlohmann::json j = nlohmann::json::parse(out);
  BOOST_TEST(j[4].get<double>() == 5.0 / 14);  // round-trips exactly
  BOOST_TEST(j[5].is_null());
  BOOST_TEST(j[6].is_null());
  BOOST_TEST(j[7] == -42);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
