#include "adapters/http/request_target.h"

#include <algorithm>
#include <charconv>

#include "events/utf8.h"

namespace okr::http {
namespace {

// 0-15, or -1 for a character that is not a hex digit ("%-1" stays as it
// is: from_chars would read the sign).
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::optional<DomainError> CheckUtf8(const std::string& field,
                                     std::string_view value) {
  if (IsValidUtf8(value)) return std::nullopt;
  return DomainError{ErrorKind::kInvalid, "invalid-utf8", field,
                     field + " is not valid UTF-8"};
}

bool ParseRequestTarget(std::string_view target, RequestTarget* out,
                        DomainError* error) {
  std::size_t q = target.find('?');
  out->path = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (auto e = CheckUtf8("path", out->path)) {
    *error = *e;
    return false;
  }
  out->segments = Split(out->path);
  if (q == std::string_view::npos) return true;
  std::string_view qs = target.substr(q + 1);
  std::size_t i = 0;
  while (i <= qs.size()) {
    std::size_t j = qs.find('&', i);
    if (j == std::string_view::npos) j = qs.size();
    std::string_view kv = qs.substr(i, j - i);
    i = j + 1;
    if (kv.empty()) continue;
    std::size_t eq = kv.find('=');
    std::string name = PercentDecode(kv.substr(0, eq), true);
    std::string value = eq == std::string_view::npos
                            ? ""
                            : PercentDecode(kv.substr(eq + 1), true);
    if (!IsValidUtf8(name)) {
      *error = DomainError{ErrorKind::kInvalid, "invalid-utf8", "query",
                           "a query parameter's name is not valid UTF-8"};
      return false;
    }
    if (auto e = CheckUtf8(name, value)) {
      *error = *e;
      return false;
    }
    out->query[std::move(name)] = std::move(value);
  }
  return true;
}

std::optional<std::uint64_t> ParsePosition(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return std::nullopt;  // above 2^64 - 1
  }
  return v;
}

std::optional<DomainError> ParseLogPage(const std::string* after,
                                        const std::string* limit,
                                        LogPage* page) {
  if (after != nullptr) {
    std::optional<std::uint64_t> v = ParsePosition(*after);
    if (!v) {
      return DomainError::Invalid(
          "after", "after must be a position: digits only, at most " +
                       std::to_string(UINT64_MAX));
    }
    page->after = *v;
  }
  if (limit != nullptr) {
    std::optional<std::uint64_t> v = ParsePosition(*limit);
    if (!v || *v == 0) {
      return DomainError::Invalid("limit", "limit must be 1 to 1000");
    }
    page->limit = std::min<std::uint64_t>(*v, 1000);
  }
  return std::nullopt;
}

}  // namespace okr::http
