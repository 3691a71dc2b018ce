#include "projections/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "events/utf8.h"

namespace okr {

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_->push_back(',');
    has_member_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  String(key);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  // Most text is printable ASCII with nothing to escape: one pass, one
  // append.
  auto plain = [](unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  };
  if (std::all_of(s.begin(), s.end(), plain)) {
    Separate();
    out_->push_back('"');
    out_->append(s);
    out_->push_back('"');
    return *this;
  }
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
