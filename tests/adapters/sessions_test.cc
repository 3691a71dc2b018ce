// adapters/http/sessions.h: sign-ins kept in memory, with an expiry and a
// bound on how many live at once.
#include "adapters/http/sessions.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <string>

namespace okr::http {
namespace {

constexpr std::int64_t kSecond = 1'000'000;  // microseconds
constexpr std::int64_t kNow = 1'790'000'000 * kSecond;

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(a_session_stands_for_its_token_until_it_expires) {
  Sessions s(std::chrono::seconds(60));
  std::string id = s.Create("token-a", kNow);
  BOOST_TEST(id.size() == 64u);
  BOOST_TEST(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(s.Find(id, kNow).value_or("") == "token-a");
  BOOST_TEST(s.Find(id, kNow + 59 * kSecond).has_value());
  BOOST_TEST(s.ExpiresAt(id).value_or(-1) == kNow + 60 * kSecond);
  // At its expiry it is gone, and dropped.
  BOOST_TEST(!s.Find(id, kNow + 60 * kSecond).has_value());
  BOOST_TEST(s.size() == 0u);
  BOOST_TEST(!s.Find(id, kNow).has_value());
}

BOOST_AUTO_TEST_CASE(an_ended_or_unknown_session_is_nothing) {
  Sessions s;
  std::string a = s.Create("token-a", kNow);
  std::string b = s.Create("token-a", kNow);
  BOOST_TEST(a != b);
  s.End(a);
  BOOST_TEST(!s.Find(a, kNow).has_value());
  BOOST_TEST(s.Find(b, kNow).has_value());
  s.End("no-such-session");
  BOOST_TEST(!s.Find("", kNow).has_value());
  BOOST_TEST(!s.Find(std::string(64, '0'), kNow).has_value());
  BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_flood_of_sign_ins_ends_the_soonest_to_expire_first) {
  Sessions s(std::chrono::seconds(100), /*capacity=*/3);
  std::string first = s.Create("t1", kNow);
  std::string second = s.Create("t2", kNow + kSecond);
  std::string third = s.Create("t3", kNow + 2 * kSecond);
  std::string fourth = s.Create("t4", kNow + 3 * kSecond);
  BOOST_TEST(s.size() == 3u);
  BOOST_TEST(!s.Find(first, kNow + 3 * kSecond).has_value());
  BOOST_TEST(s.Find(second, kNow + 3 * kSecond).has_value());
  BOOST_TEST(s.Find(fourth, kNow + 3 * kSecond).has_value());
  // Expired ones go before live ones: at 101.5 s, second (created at 1 s)
  // has expired, so signing in ends no live session.
  const std::int64_t later = kNow + 101 * kSecond + kSecond / 2;
  std::string late = s.Create("t5", later);
  BOOST_TEST(s.size() == 3u);
  BOOST_TEST(!s.Find(second, later).has_value());
  BOOST_TEST(s.Find(third, later).has_value());
  BOOST_TEST(s.Find(fourth, later).has_value());
  BOOST_TEST(s.Find(late, later).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
