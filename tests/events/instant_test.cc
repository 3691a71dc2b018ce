// events/instant.h: RFC 3339 instants, with the microseconds worked out by
// hand.
#include "events/instant.h"

#include <boost/test/unit_test.hpp>

namespace okr {
namespace {

// 2026-09-01T00:00:00Z = 20,697 days after 1970-01-01 (56 years incl. 14
// leap days = 20,454 days to 2026-01-01, plus 243 days to Sep 1).
constexpr std::int64_t kSep1 = 20'697LL * 86'400'000'000;

BOOST_AUTO_TEST_SUITE(instant)

BOOST_AUTO_TEST_CASE(instants_in_every_rfc_3339_form) {
  BOOST_TEST(ParseInstant("2026-09-01T00:00:00Z").value_or(-1) == kSep1);
  BOOST_TEST(ParseInstant("2026-09-01T12:00:00Z").value_or(-1) ==
             kSep1 + 12LL * 3'600'000'000);
  BOOST_TEST(ParseInstant("2026-09-01T12:00:00.5Z").value_or(-1) ==
             kSep1 + 12LL * 3'600'000'000 + 500'000);
  BOOST_TEST(ParseInstant("2026-09-01T12:00:00.000001Z").value_or(-1) ==
             kSep1 + 12LL * 3'600'000'000 + 1);
  // +02:00 is two hours ahead of UTC: 12:00+02:00 = 10:00Z.
  BOOST_TEST(ParseInstant("2026-09-01T12:00:00+02:00").value_or(-1) ==
             kSep1 + 10LL * 3'600'000'000);
  BOOST_TEST(ParseInstant("2026-09-01t12:00:00z").value_or(-1) ==
             kSep1 + 12LL * 3'600'000'000);
  BOOST_TEST(!ParseInstant("2026-09-01").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00").has_value());  // no zone
  BOOST_TEST(!ParseInstant("yesterday").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00Zjunk").has_value());
}

// Found by tests/fuzz/fuzz_json_body and fuzz_event_json: on these,
// date::parse converted a NaN to an integer (undefined behaviour; UBSan
// stops the sanitizer build here). Only text shaped like RFC 3339 reaches
// it now.
BOOST_AUTO_TEST_CASE(malformed_instants_are_refused_before_the_date_library) {
  BOOST_TEST(!ParseInstant("2026-08-15T12:0;:00.000000Z").has_value());
  BOOST_TEST(!ParseInstant("1999-12-31t23\x05{\"parent:59:59-05:30_id\":")
                  .has_value());
  // RFC 3339's ranges: offsets are 00:00-23:59, a fraction has digits.
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00+24:00").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00+00:60").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00.Z").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T12:00:00.1234567Z").has_value());
  BOOST_TEST(!ParseInstant("2026-09-01T24:00:00Z").has_value());
  BOOST_TEST(!ParseInstant("2026-02-30T12:00:00Z").has_value());
  // The edges that remain valid.
  BOOST_TEST(ParseInstant("2026-09-01T12:00:00+23:59").value_or(-1) ==
             kSep1 + 12LL * 3'600'000'000 - 23LL * 3'600'000'000 -
                 59LL * 60'000'000);
  BOOST_TEST(ParseInstant("2026-09-01T23:59:59.999999-00:00").value_or(-1) ==
             kSep1 + 86'400'000'000 - 1);
}

// Found by tests/fuzz/fuzz_json_body: 9999-12-31T23:59:59-05:30 is
// 10000-01-01T05:29:59Z, which no RFC 3339 text can carry back. Instants
// whose UTC year is outside 0000-9999 are refused; the edges round-trip.
BOOST_AUTO_TEST_CASE(instants_stay_within_the_years_0000_to_9999_in_utc) {
  BOOST_TEST(!ParseInstant("9999-12-31t23:59:59-05:30").has_value());
  BOOST_TEST(!ParseInstant("0000-01-01T00:00:00+00:01").has_value());
  // 0000-01-01 is 719,528 days before 1970-01-01 (proleptic Gregorian:
  // 1970 years of 365 days and 478 leap days).
  constexpr std::int64_t kYear0 = -719'528LL * 86'400'000'000;
  BOOST_TEST(ParseInstant("0000-01-01T00:00:00Z").value_or(-1) == kYear0);
  BOOST_TEST(ParseInstant("0000-01-01T05:30:00+05:30").value_or(-1) == kYear0);
  BOOST_TEST(FormatInstant(kYear0) == "0000-01-01T00:00:00.000000Z");
  std::optional<std::int64_t> last =
      ParseInstant("9999-12-31T18:29:59.999999-05:30");
  BOOST_TEST_REQUIRE(last.has_value());
  BOOST_TEST(FormatInstant(*last) == "9999-12-31T23:59:59.999999Z");
  BOOST_TEST(ParseInstant(FormatInstant(*last)).value_or(-1) == *last);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
