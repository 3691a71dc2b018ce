#include "events/envelope.h"

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

}  // namespace okr
