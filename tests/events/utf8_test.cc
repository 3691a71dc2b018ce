// events/utf8.h: validity by RFC 3629 and replacement by maximal subparts.
#include "events/utf8.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace okr {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

}  // namespace

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(valid_text_of_every_length_is_valid) {
  BOOST_TEST(IsValidUtf8(""));
  BOOST_TEST(IsValidUtf8("plain ascii\n"));
  BOOST_TEST(IsValidUtf8("\xC3\xA9"));          // é
  BOOST_TEST(IsValidUtf8("\xE2\x82\xAC"));      // €
  BOOST_TEST(IsValidUtf8("\xF0\x9F\x8E\xAF"));  // 🎯
  BOOST_TEST(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF
  BOOST_TEST(IsValidUtf8("\xEE\x80\x80"));      // U+E000
  BOOST_TEST(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  BOOST_TEST(ToValidUtf8("NPS \xE2\x86\x91") == "NPS \xE2\x86\x91");
}

BOOST_AUTO_TEST_CASE(invalid_sequences_are_refused) {
  BOOST_TEST(!IsValidUtf8("\xFF\xFE"));
  BOOST_TEST(!IsValidUtf8("\x80"));              // a lone continuation
  BOOST_TEST(!IsValidUtf8("\xC0\xAF"));          // overlong '/'
  BOOST_TEST(!IsValidUtf8("\xE0\x80\xAF"));      // overlong
  BOOST_TEST(!IsValidUtf8("\xED\xA0\x80"));      // U+D800, a lone surrogate
  BOOST_TEST(!IsValidUtf8("\xED\xBF\xBF"));      // U+DFFF
  BOOST_TEST(!IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  BOOST_TEST(!IsValidUtf8("\xF5\x80\x80\x80"));
  BOOST_TEST(!IsValidUtf8("\xE2\x82"));  // truncated at the end
  BOOST_TEST(!IsValidUtf8(std::string("ok\xC3", 3)));
  BOOST_TEST(ValidUtf8Prefix("ab\xFF"
                             "cd") == 2u);
}

// Unicode §3.9, "U+FFFD substitution of maximal subparts": a truncated
// sequence is one U+FFFD, a byte that cannot start or continue one is one.
BOOST_AUTO_TEST_CASE(replacement_follows_maximal_subparts) {
  BOOST_TEST(ToValidUtf8("\xFF\xFE") == kFffd + kFffd);
  BOOST_TEST(ToValidUtf8("a\xE2\x82z") == "a" + kFffd + "z");
  BOOST_TEST(ToValidUtf8("\xE2\x82\xE2\x82\xAC") == kFffd + "\xE2\x82\xAC");
  BOOST_TEST(ToValidUtf8("\xED\xA0\x80") == kFffd + kFffd + kFffd);
  BOOST_TEST(ToValidUtf8("\xF0\x9F\x8E") == kFffd);
  BOOST_TEST(ToValidUtf8("x\xC0\xAFy") == "x" + kFffd + kFffd + "y");
  BOOST_TEST(IsValidUtf8(ToValidUtf8("\x80\xBF\xF8\xFD\xFE\xFF\xC2")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
