#include "events/instant.h"

#include <date/date.h>

#include <chrono>
#include <sstream>

#include "events/date.h"

namespace okr {
namespace {

// Whether `s` has the shape of an RFC 3339 date-time, its time and offset
// fields in range:
//   YYYY-MM-DD ("T" | "t") HH:MM:SS ["." 1*6DIGIT]
//     ("Z" | "z" | ("+" | "-") HH:MM)
// date::parse is only handed text of this shape: on some malformed text it
// converts a NaN to an integer, which is undefined behaviour (found by
// tests/fuzz/fuzz_json_body).
bool Rfc3339Shape(std::string_view s) {
  auto number = [&](std::size_t at, std::size_t n, int max) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return v <= max;
  };
  auto is = [&](std::size_t at, char c) { return at < s.size() && s[at] == c; };
  if (!number(0, 4, 9999) || !is(4, '-') || !number(5, 2, 12) || !is(7, '-') ||
      !number(8, 2, 31) || !(is(10, 'T') || is(10, 't')) ||
      !number(11, 2, 23) || !is(13, ':') || !number(14, 2, 59) ||
      !is(16, ':') || !number(17, 2, 59)) {
    return false;
  }
  std::size_t at = 19;
  if (is(at, '.')) {
    std::size_t digits = 0;
    while (number(at + 1 + digits, 1, 9)) ++digits;
    if (digits < 1 || digits > 6) return false;
    at += 1 + digits;
  }
  if (is(at, 'Z') || is(at, 'z')) return at + 1 == s.size();
  return (is(at, '+') || is(at, '-')) && number(at + 1, 2, 23) &&
         is(at + 3, ':') && number(at + 4, 2, 59) && at + 6 == s.size();
}

}  // namespace

std::string FormatInstant(std::int64_t micros) {
  constexpr std::int64_t kDay = 86'400'000'000;
  std::int64_t day = micros / kDay, in_day = micros % kDay;
  if (in_day < 0) {
    in_day += kDay;
    --day;
  }
  std::string text = Date::FromDays(static_cast<std::int32_t>(day)).ToString();
  if (text.size() != 10) {  // a year outside 0000-9999
    using std::chrono::microseconds;
    date::sys_time<microseconds> t{microseconds{micros}};
    return date::format("%FT%TZ", t);
  }
  // YYYY-MM-DDTHH:MM:SS.ffffffZ, by hand (see Date::ToString).
  char rest[18];
  auto put = [](char* at, std::int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      at[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  std::int64_t seconds = in_day / 1'000'000;
  rest[0] = 'T';
  put(rest + 1, seconds / 3600, 2);
  rest[3] = ':';
  put(rest + 4, seconds / 60 % 60, 2);
  rest[6] = ':';
  put(rest + 7, seconds % 60, 2);
  rest[9] = '.';
  put(rest + 10, in_day % 1'000'000, 6);
  rest[16] = 'Z';
  text.append(rest, 17);
  return text;
}

std::optional<std::int64_t> ParseInstant(std::string_view text) {
  // date::parse handles %FT%T with fractional seconds and %Ez offsets.
  if (!Rfc3339Shape(text)) return std::nullopt;
  std::string s(text);
  s[10] = 'T';
  using us = std::chrono::microseconds;
  date::sys_time<us> t;
  std::istringstream in(s);
  if (s.back() == 'Z' || s.back() == 'z') {
    s.back() = 'Z';
    in.str(s);
    in >> date::parse("%FT%TZ", t);
  } else {
    std::chrono::minutes offset{};
    in >> date::parse("%FT%T%Ez", t, offset);
  }
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  // In UTC too the year must be 0000-9999, the years an instant is printed
  // back in: an offset can carry 9999-12-31T23:59:59-05:30 into 10000.
  constexpr date::sys_days kFirst{date::year{0} / 1 / 1};
  constexpr date::sys_days kEnd{date::year{10000} / 1 / 1};
  if (t < kFirst || t >= kEnd) return std::nullopt;
  return t.time_since_epoch().count();
}

}  // namespace okr
