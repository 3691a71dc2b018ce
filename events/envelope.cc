#include "events/envelope.h"

#include <date/date.h>

#include <chrono>

#include "events/date.h"

namespace okr {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ValidIdChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return !first && (c == '.' || c == '_' || c == '-');
}

}  // namespace

std::string HashToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(hash.size() * 2, '0');
  for (std::size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0xf];
  }
  return out;
}

bool HashFromHex(const std::string& hex, Hash* out) {
  if (hex.size() != out->size() * 2) return false;
  Hash parsed{};
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    parsed[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  *out = parsed;
  return true;
}

bool ValidStreamName(const std::string& stream) {
  auto slash = stream.find('/');
  if (slash == std::string::npos || slash == 0 || slash > 32) return false;
  for (std::size_t i = 0; i < slash; ++i) {
    if (stream[i] < 'a' || stream[i] > 'z') return false;
  }
  std::size_t id_len = stream.size() - slash - 1;
  if (id_len == 0 || id_len > 64) return false;
  for (std::size_t i = slash + 1; i < stream.size(); ++i) {
    if (!ValidIdChar(stream[i], i == slash + 1)) return false;
  }
  return true;
}

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!ValidIdChar(id[i], i == 0)) return false;
  }
  return true;
}

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

}  // namespace okr
