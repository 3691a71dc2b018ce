// adapters/http/request_target.h: decoding and UTF-8 at the door, and the
// strict paging parsers shared by GET /v1/events and its stream.
#include "adapters/http/request_target.h"

#include <boost/test/unit_test.hpp>

namespace okr::http {

BOOST_AUTO_TEST_SUITE(request_target)

BOOST_AUTO_TEST_CASE(targets_decode_into_path_segments_and_query) {
  RequestTarget t;
  DomainError e;
  BOOST_TEST_REQUIRE(ParseRequestTarget(
      "/v1/key-results/nps/history?reason=a+b%21&x&reason=%C3%A9", &t, &e));
  BOOST_TEST(t.path == "/v1/key-results/nps/history");
  BOOST_TEST(t.segments.size() == 4u);
  BOOST_TEST(t.segments[2] == "nps");
  BOOST_TEST(*t.Query("reason") == "\xC3\xA9");  // the last one wins
  BOOST_TEST(*t.Query("x") == "");
  BOOST_TEST(t.Query("y") == nullptr);
  BOOST_TEST_REQUIRE(
      ParseRequestTarget("/a%2/b?q=%zz&r=%-1&s=%+f&u=%4a%4A", &t, &e));
  BOOST_TEST(t.path == "/a%2/b");  // not an escape: kept as it is
  BOOST_TEST(*t.Query("q") == "%zz");
  BOOST_TEST(*t.Query("r") == "%-1");  // no sign in an escape
  BOOST_TEST(*t.Query("s") == "% f");
  BOOST_TEST(*t.Query("u") == "JJ");
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_utf8_are_refused_naming_where) {
  RequestTarget t;
  DomainError e;
  BOOST_TEST(!ParseRequestTarget("/v1/key-results/x?reason=%FF%FE", &t, &e));
  BOOST_TEST(e.field == "reason");
  BOOST_TEST(e.slug == "invalid-utf8");
  BOOST_TEST(static_cast<int>(e.kind) == static_cast<int>(ErrorKind::kInvalid));
  BOOST_TEST(!ParseRequestTarget("/v1/objectives?owner=%ED%A0%80", &t, &e));
  BOOST_TEST(e.field == "owner");  // a lone surrogate, encoded
  BOOST_TEST(!ParseRequestTarget("/v1/cycles/%C0%AF", &t, &e));
  BOOST_TEST(e.field == "path");
  BOOST_TEST(!ParseRequestTarget("/v1/events?%FF=1", &t, &e));
  BOOST_TEST(e.field == "query");
  BOOST_TEST(!ParseRequestTarget("/v1/events?after=\xFF", &t, &e));
  BOOST_TEST(e.field == "after");
  BOOST_TEST(CheckUtf8("Idempotency-Key", "k\xFF").has_value());
  BOOST_TEST(!CheckUtf8("Idempotency-Key", "k-\xE2\x82\xAC").has_value());
}

BOOST_AUTO_TEST_CASE(positions_are_digits_only_and_fit_64_bits) {
  BOOST_TEST(ParsePosition("0").value() == 0u);
  BOOST_TEST(ParsePosition("18446744073709551615").value() == UINT64_MAX);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0",
                          "18446744073709551616", "99999999999999999999",
                          "000000000000000000001"}) {
    BOOST_TEST(!ParsePosition(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(log_pages_default_cap_and_refuse_by_name) {
  LogPage p;
  BOOST_TEST(!ParseLogPage(nullptr, nullptr, &p).has_value());
  BOOST_TEST(p.after == 0u);
  BOOST_TEST(p.limit == 100u);
  std::string after = "7", limit = "5000";
  BOOST_TEST(!ParseLogPage(&after, &limit, &p).has_value());
  BOOST_TEST(p.after == 7u);
  BOOST_TEST(p.limit == 1000u);
  std::string zero = "0", neg = "-5", big = "1e9";
  BOOST_TEST(ParseLogPage(nullptr, &zero, &p)->field == "limit");
  BOOST_TEST(ParseLogPage(&neg, nullptr, &p)->field == "after");
  BOOST_TEST(ParseLogPage(nullptr, &big, &p)->field == "limit");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::http
