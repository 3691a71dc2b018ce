// Browser: the rules for requests a web browser sends with the session
// cookie, where a bearer token is not involved. Cookies, origins and media
// types are parsed here, once; the Api applies the rules (api.cc).
//
// Thread safety: plain values and pure functions.
//
// Every byte of a Cookie, Origin or Content-Type header is hostile: the
// parsers accept exactly the grammar written beside each and nothing
// looser, never throw, and never read past the value they are given.
#ifndef OKR_ADAPTERS_HTTP_BROWSER_H_
#define OKR_ADAPTERS_HTTP_BROWSER_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okr::http {

// The name of the web app's session cookie.
inline constexpr std::string_view kSessionCookie = "okr_session";

// The value of cookie `name` in a Cookie header (RFC 6265 §4.2.1:
// `name=value` pairs separated by ";" and optional spaces), or nullopt.
// The first pair of that name wins, as browsers send the most specific
// first. A value in double quotes is taken without them. A value holding
// a byte outside RFC 6265's cookie-octet set (controls, space, '"', ',',
// ';', '\\', and bytes over 0x7E) counts as absent.
std::optional<std::string> FindCookie(std::string_view header,
                                      std::string_view name);

// The Set-Cookie value of a session: HttpOnly, SameSite=Strict, Path=`path`
// (the API's base: "/", or "/orgs/<org>" for one of several organisations,
// tenants.h), Max-Age in seconds, and Secure when `secure`. `id` must be
// cookie-octets.
std::string SessionSetCookie(std::string_view id, std::chrono::seconds max_age,
                             bool secure, std::string_view path = "/");
// The Set-Cookie value that removes the session cookie (Max-Age=0).
std::string ExpiredSessionSetCookie(bool secure, std::string_view path = "/");

// The origin of an absolute http or https URL, serialised as browsers send
// it in the Origin header (RFC 6454 §6.2): scheme and host in lower case,
// the port only when it is not the scheme's default ("https://okr.example",
// "http://127.0.0.1:8080"). Only `scheme://host[:port]` followed by
// nothing, "/" or a path; no user info, no query or fragment. nullopt for
// anything else.
std::optional<std::string> OriginOf(std::string_view url);

// The origins the app is reached at when no public URL is given: the
// listen address as http://HOST:PORT, and on a loopback host the other
// loopback spellings (localhost, 127.0.0.1, [::1]) at the same port.
std::vector<std::string> ListenOrigins(const std::string& host, unsigned port);

// Whether the media type of a Content-Type value (before any ";"
// parameters, spaces around it ignored, compared case-insensitively) is
// `type`, e.g. "application/json; charset=utf-8" is "application/json".
bool HasMediaType(std::string_view content_type, std::string_view type);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_BROWSER_H_
