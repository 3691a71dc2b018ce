#include "events/utf8.h"

namespace okr {
namespace {

// The length of the valid sequence starting at text[i], or, when there is
// none, -(the length of the maximal invalid subpart to replace), at least 1.
int SequenceAt(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  int n;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // no overlong forms
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;  // no overlong forms
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;
  }
  for (int k = 1; k < n; ++k) {
    if (i + k >= text.size()) return -k;
    unsigned char c = byte(i + k);
    if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return -k;
  }
  return n;
}

}  // namespace

std::size_t ValidUtf8Prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    int n = SequenceAt(text, i);
    if (n < 0) return i;
    i += static_cast<std::size_t>(n);
  }
  return i;
}

bool IsValidUtf8(std::string_view text) {
  return ValidUtf8Prefix(text) == text.size();
}

std::string ToValidUtf8(std::string_view text) {
  std::size_t valid = ValidUtf8Prefix(text);
  if (valid == text.size()) return std::string(text);
  std::string out(text.substr(0, valid));
  std::size_t i = valid;
  while (i < text.size()) {
    int n = SequenceAt(text, i);
    if (n > 0) {
      out.append(text.substr(i, static_cast<std::size_t>(n)));
      i += static_cast<std::size_t>(n);
    } else {
      out += "\xEF\xBF\xBD";
      i += static_cast<std::size_t>(-n);
    }
  }
  return out;
}

}  // namespace okr
