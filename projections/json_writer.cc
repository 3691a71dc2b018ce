#include "projections/json_writer.h"

#include <charconv>
#include <cmath>

#include "events/utf8.h"

namespace okr {

JsonWriter& JsonWriter::EscapedString(std::string_view s) {
  // Stored text need not be UTF-8 (written before the door checked it):
  // such bytes are shown as U+FFFD, so the answer is always valid JSON.
  if (!IsValidUtf8(s)) {
    std::string valid = ToValidUtf8(s);
    return String(std::string_view(valid));
  }
  Separate();
  static constexpr char kHex[] = "0123456789abcdef";
  out_->push_back('"');
  // Runs of bytes that need no escape go in one append.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        *out_ += "\\\"";
        break;
      case '\\':
        *out_ += "\\\\";
        break;
      case '\n':
        *out_ += "\\n";
        break;
      case '\r':
        *out_ += "\\r";
        break;
      case '\t':
        *out_ += "\\t";
        break;
      case '\b':
        *out_ += "\\b";
        break;
      case '\f':
        *out_ += "\\f";
        break;
      default:
        *out_ += "\\u00";
        out_->push_back(kHex[(c >> 4) & 0xf]);
        out_->push_back(kHex[c & 0xf]);
    }
  }
  out_->append(s.data() + run, s.size() - run);
  out_->push_back('"');
  return *this;
}

JsonWriter& JsonWriter::Number(double v) {
  if (!std::isfinite(v)) return Null();
  Separate();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t v) {
  Separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Separate();
  *out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  *out_ += "null";
  return *this;
}

}  // namespace okr
