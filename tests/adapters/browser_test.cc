// adapters/http/browser.h: the session cookie, origins and media types,
// parsed strictly.
#include "adapters/http/browser.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okr::http {
namespace {

// Boost.Test prints strings, not optionals.
std::string Cookie(std::string_view header) {
  return FindCookie(header, kSessionCookie).value_or("<absent>");
}
std::string Origin(std::string_view url) {
  return OriginOf(url).value_or("<refused>");
}

BOOST_AUTO_TEST_SUITE(browser)

BOOST_AUTO_TEST_CASE(the_session_cookie_is_found_among_others_first_one_wins) {
  BOOST_TEST(Cookie("a=1; okr_session=abc; b=2") == "abc");
  BOOST_TEST(Cookie("okr_session=one;okr_session=two") == "one");
  BOOST_TEST(Cookie("  okr_session = x1 ") == "x1");
  BOOST_TEST(Cookie("okr_session=\"quoted\"") == "quoted");
  BOOST_TEST(Cookie("okr_session=") == "");
}

BOOST_AUTO_TEST_CASE(a_cookie_of_another_name_or_with_a_bad_byte_is_absent) {
  BOOST_TEST(!FindCookie("", kSessionCookie));
  BOOST_TEST(!FindCookie("xokr_session=1; okr_sessionx=2", kSessionCookie));
  BOOST_TEST(!FindCookie("okr_session", kSessionCookie));
  BOOST_TEST(!FindCookie("okr_session=a b", kSessionCookie));
  BOOST_TEST(!FindCookie("okr_session=a,b", kSessionCookie));
  BOOST_TEST(!FindCookie("okr_session=a\\b", kSessionCookie));
  BOOST_TEST(!FindCookie(std::string("okr_session=a\x80", 14), kSessionCookie));
  BOOST_TEST(!FindCookie("okr_session=\"a\"b\"", kSessionCookie));
}

BOOST_AUTO_TEST_CASE(
    the_session_cookie_is_http_only_strict_and_secure_on_https) {
  BOOST_TEST(SessionSetCookie("ab12", std::chrono::hours(8), false) ==
             "okr_session=ab12; Path=/; Max-Age=28800; HttpOnly; "
             "SameSite=Strict");
  BOOST_TEST(SessionSetCookie("ab12", std::chrono::seconds(60), true) ==
             "okr_session=ab12; Path=/; Max-Age=60; HttpOnly; "
             "SameSite=Strict; Secure");
  BOOST_TEST(ExpiredSessionSetCookie(false) ==
             "okr_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  // One of several organisations' (tenants.h): its own path.
  BOOST_TEST(
      SessionSetCookie("ab12", std::chrono::seconds(60), false, "/orgs/acme") ==
      "okr_session=ab12; Path=/orgs/acme; Max-Age=60; HttpOnly; "
      "SameSite=Strict");
  BOOST_TEST(ExpiredSessionSetCookie(true, "/orgs/acme") ==
             "okr_session=; Path=/orgs/acme; Max-Age=0; HttpOnly; "
             "SameSite=Strict; Secure");
}

BOOST_AUTO_TEST_CASE(an_origin_is_serialised_as_browsers_send_it) {
  BOOST_TEST(Origin("https://OKR.Example.com/") == "https://okr.example.com");
  BOOST_TEST(Origin("https://okr.example.com:443/app/x") ==
             "https://okr.example.com");
  BOOST_TEST(Origin("http://okr.example.com:80") == "http://okr.example.com");
  BOOST_TEST(Origin("https://okr.example.com:8443") ==
             "https://okr.example.com:8443");
  BOOST_TEST(Origin("HTTP://127.0.0.1:8080") == "http://127.0.0.1:8080");
  BOOST_TEST(Origin("http://[::1]:8080/") == "http://[::1]:8080");
}

BOOST_AUTO_TEST_CASE(what_is_not_an_http_origin_is_refused) {
  for (const char* bad :
       {"", "okr.example.com", "ftp://okr.example.com", "http://",
        "http://user@okr.example.com", "http://okr.example.com?x=1",
        "http://okr.example.com/#top",
        "http://okr.example.com:", "http://okr.example.com:0",
        "http://okr.example.com:65536", "http://okr.example.com:123456",
        "http://okr.example.com:8o", "http://okr example.com", "http://[::1",
        "http://[]:80", "http://[::1]x", "javascript://x"}) {
    BOOST_TEST(!OriginOf(bad), bad);
  }
}

BOOST_AUTO_TEST_CASE(the_listen_address_names_the_apps_origins) {
  using V = std::vector<std::string>;
  BOOST_TEST(ListenOrigins("127.0.0.1", 8080) ==
                 V({"http://127.0.0.1:8080", "http://localhost:8080",
                    "http://[::1]:8080"}),
             boost::test_tools::per_element());
  BOOST_TEST(ListenOrigins("okr.internal", 80) == V({"http://okr.internal"}),
             boost::test_tools::per_element());
  BOOST_TEST(ListenOrigins("::1", 9000) ==
                 V({"http://[::1]:9000", "http://localhost:9000",
                    "http://127.0.0.1:9000"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_media_type_is_compared_without_its_parameters) {
  BOOST_TEST(HasMediaType("application/json", "application/json"));
  BOOST_TEST(
      HasMediaType("Application/JSON; charset=utf-8", "application/json"));
  BOOST_TEST(HasMediaType(" application/json ;x=y", "application/json"));
  BOOST_TEST(!HasMediaType("", "application/json"));
  BOOST_TEST(!HasMediaType("text/plain", "application/json"));
  BOOST_TEST(!HasMediaType("application/json-patch+json", "application/json"));
  BOOST_TEST(
      !HasMediaType("application/x-www-form-urlencoded", "application/json"));
  BOOST_TEST(HasMediaType("text/csv", "text/csv"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
