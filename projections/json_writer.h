// JsonWriter: writes JSON text straight into a string, for answers too large
// to build as a DOM first (a retrospective of 100,000 key results is a
// hundred MiB of JSON; as nlohmann::json values it would take ten times that
// in memory). The caller states the structure; the writer places commas,
// escapes strings (RFC 8259: quote, backslash and control characters; other
// UTF-8 passes through) and writes numbers in their shortest round-trip
// form (std::to_chars), non-finite ones as null.
//
// Thread safety: one writer per thread.
#ifndef OKR_PROJECTIONS_JSON_WRITER_H_
#define OKR_PROJECTIONS_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okr {

class JsonWriter {
 public:
  // *out must outlive the writer; text is appended to it.
  explicit JsonWriter(std::string* out) : out_(out) {}

  // The structure and plain strings are inline: a large answer is
  // millions of them.
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  // REQUIRES: inside an object, before each value.
  JsonWriter& Key(std::string_view key) {
    String(key);
    out_->push_back(':');
    after_key_ = true;
    return *this;
  }

  JsonWriter& String(std::string_view s) {
    // Most text is printable ASCII with nothing to escape: one append.
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') {
        return EscapedString(s);
      }
    }
    Separate();
    out_->push_back('"');
    out_->append(s);
    out_->push_back('"');
    return *this;
  }
  JsonWriter& Number(double v);
  JsonWriter& Int(std::int64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();

  // Shorthands for a member: Key(key) then the value (an empty optional is
  // null).
  template <class T>
  JsonWriter& Field(std::string_view key, const T& value) {
    Key(key);
    return Value(value);
  }

 private:
  JsonWriter& Value(std::string_view s) { return String(s); }
  JsonWriter& Value(const char* s) { return String(std::string_view(s)); }
  JsonWriter& Value(const std::string& s) {
    return String(std::string_view(s));
  }
  JsonWriter& Value(const std::optional<std::string>& s) {
    return s ? String(std::string_view(*s)) : Null();
  }
  JsonWriter& Value(double v) { return Number(v); }
  JsonWriter& Value(const std::optional<double>& v) {
    return v ? Number(*v) : Null();
  }
  JsonWriter& Value(int v) { return Int(v); }
  JsonWriter& Value(std::int64_t v) { return Int(v); }
  JsonWriter& Value(std::uint64_t v) {
    return Int(static_cast<std::int64_t>(v));
  }
  JsonWriter& Value(bool v) { return Bool(v); }

  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!has_member_.empty()) {
      if (has_member_.back()) out_->push_back(',');
      has_member_.back() = 1;
    }
  }
  JsonWriter& Open(char c) {
    Separate();
    out_->push_back(c);
    has_member_.push_back(0);
    return *this;
  }
  JsonWriter& Close(char c) {
    out_->push_back(c);
    has_member_.pop_back();
    return *this;
  }
  // String() of text that needs escaping or is not UTF-8.
  JsonWriter& EscapedString(std::string_view s);

  std::string* out_;
  // Per open container: whether it has a member yet (0 or 1).
  std::vector<unsigned char> has_member_;
  bool after_key_ = false;
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_JSON_WRITER_H_
