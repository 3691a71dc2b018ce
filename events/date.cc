#include "events/date.h"

#include <date/date.h>

#include <chrono>

namespace okr {

std::optional<Date> Date::Parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < lens[p]; ++i) {
      char c = text[starts[p] + i];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  date::year_month_day ymd{date::year{parts[0]}, date::month(parts[1]),
                           date::day(parts[2])};
  if (!ymd.ok()) return std::nullopt;
  return Date(date::sys_days(ymd).time_since_epoch().count());
}

Date Date::FromMicros(std::int64_t micros) {
  std::int64_t day = micros / 86'400'000'000LL;
  if (micros < 0 && micros % 86'400'000'000LL != 0) --day;
  return Date(static_cast<std::int32_t>(day));
}

namespace {

void PutDigits(char* at, unsigned value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

// By hand rather than date::format (an ostringstream per call): a large
// retrospective writes millions of dates.
std::string Date::ToString() const {
  date::year_month_day ymd{date::sys_days{date::days{days_}}};
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return date::format("%F", ymd);
  std::string out(10, '-');
  PutDigits(&out[0], static_cast<unsigned>(year), 4);
  PutDigits(&out[5], static_cast<unsigned>(ymd.month()), 2);
  PutDigits(&out[8], static_cast<unsigned>(ymd.day()), 2);
  return out;
}

}  // namespace okr
