#include "adapters/http/browser.h"

#include <cctype>

namespace okr::http {
namespace {

bool IsCookieOctet(unsigned char c) {
  // RFC 6265 §4.1.1: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

}  // namespace

std::optional<std::string> FindCookie(std::string_view header,
                                      std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = Trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view()
                                           : header.substr(end + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) {
      continue;
    }
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    for (char c : value) {
      if (!IsCookieOctet(static_cast<unsigned char>(c))) return std::nullopt;
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionSetCookie(std::string_view id, std::chrono::seconds max_age,
                             bool secure, std::string_view path) {
  std::string out(kSessionCookie);
  out += "=";
  out += id;
  out += "; Path=";
  out += path;
  out += "; Max-Age=" + std::to_string(max_age.count()) +
         "; HttpOnly; SameSite=Strict";
  if (secure) out += "; Secure";
  return out;
}

std::string ExpiredSessionSetCookie(bool secure, std::string_view path) {
  return SessionSetCookie("", std::chrono::seconds(0), secure, path);
}

std::optional<std::string> OriginOf(std::string_view url) {
  std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string scheme = LowerCopy(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view tail = rest.substr(authority.size());
  if (tail.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string host;
  std::string_view port;
  if (authority.front() == '[') {  // an IPv6 literal
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view inside = authority.substr(1, close - 1);
    if (inside.empty()) return std::nullopt;
    for (char c : inside) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' &&
          c != '.') {
        return std::nullopt;
      }
    }
    host = "[" + LowerCopy(inside) + "]";
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    std::size_t c = authority.find(':');
    host = LowerCopy(authority.substr(0, c));
    if (c != std::string_view::npos) port = authority.substr(c + 1);
    if (host.empty()) return std::nullopt;
    for (char ch : host) {
      if (!IsHostChar(ch)) return std::nullopt;
    }
  }
  std::string out = scheme + "://" + host;
  if (!port.empty()) {
    if (port.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(ch - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    const unsigned default_port = scheme == "https" ? 443 : 80;
    if (value != default_port) out += ":" + std::to_string(value);
  } else if (authority.back() == ':') {
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> ListenOrigins(const std::string& host, unsigned port) {
  // As a browser serialises it: no port when it is http's own.
  const std::string p = port == 80 ? "" : ":" + std::to_string(port);
  const bool v6 = host.find(':') != std::string::npos;
  const std::string spelled =
      v6 ? "[" + LowerCopy(host) + "]" : LowerCopy(host);
  std::vector<std::string> out{"http://" + spelled + p};
  const bool loopback =
      host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
  if (loopback) {
    for (const char* h : {"localhost", "127.0.0.1", "[::1]"}) {
      std::string o = std::string("http://") + h + p;
      if (o != out.front()) out.push_back(o);
    }
  }
  return out;
}

bool HasMediaType(std::string_view content_type, std::string_view type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  if (media.size() != type.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    if (Lower(media[i]) != Lower(type[i])) return false;
  }
  return true;
}

}  // namespace okr::http
