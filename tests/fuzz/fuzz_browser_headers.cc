// Fuzz target: the headers a browser sends that the server parses itself
// (adapters/http/browser.h): a Cookie header through FindCookie, an Origin
// or a --public-url through OriginOf, a Content-Type through HasMediaType.
//
// Input: the bytes are split at the first two NUL bytes into a cookie
// header, a URL and a content type (missing parts are empty).
// Invariants:
//   - nothing crashes or reads out of bounds (ASan);
//   - a cookie value found holds cookie-octets only (RFC 6265), so it can
//     go back into a Cookie header unchanged and is found there again;
//   - an origin is a fixed point (OriginOf(origin) == origin), starts with
//     http:// or https://, holds no upper-case letter, and has no path;
//   - a media type equal to the whole value (no parameters) matches itself.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/browser.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace okr::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    std::size_t nul = i < 2 ? in.find('\0') : std::string_view::npos;
    parts[i] = in.substr(0, nul);
    in =
        nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  }

  if (std::optional<std::string> v = FindCookie(parts[0], kSessionCookie)) {
    for (char c : *v) {
      const auto u = static_cast<unsigned char>(c);
      Check(u > 0x20 && u < 0x7F && c != '"' && c != ',' && c != ';' &&
            c != '\\');
    }
    std::string header = std::string(kSessionCookie) + "=" + *v;
    std::optional<std::string> again = FindCookie(header, kSessionCookie);
    Check(again.has_value() && *again == *v);
  }

  if (std::optional<std::string> o = OriginOf(parts[1])) {
    Check(o->rfind("http://", 0) == 0 || o->rfind("https://", 0) == 0);
    for (char c : *o) Check(!(c >= 'A' && c <= 'Z'));
    std::string_view after = std::string_view(*o).substr(o->find("://") + 3);
    Check(after.find('/') == std::string_view::npos);
    std::optional<std::string> again = OriginOf(*o);
    Check(again.has_value() && *again == *o);
  }

  std::string_view type = parts[2];
  const bool plain = type.find(';') == std::string_view::npos &&
                     type.find_first_of(" \t") == std::string_view::npos;
  if (plain) Check(HasMediaType(type, type));
  (void)HasMediaType(type, "application/json");
  return 0;
}
