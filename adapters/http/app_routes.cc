// The web app's routes of the route table (routes.cc): its page and
// files (public), and its sessions: signing in with a token of the tokens
// file gives the HttpOnly session cookie (browser.h, sessions.h), which
// then authenticates the API as the token does.
#include <algorithm>
#include <string>

#include "adapters/http/api_call.h"
#include "adapters/http/browser.h"
#include "adapters/http/json_text.h"
#include "adapters/http/route_handlers.h"
#include "adapters/web/assets.h"
#include "events/instant.h"

namespace okr::http {
namespace {

using nlohmann::json;

// The app's own policy, stricter than the API's where it matters: its
// scripts, styles and connections only from the server itself, no inline
// script or style element, no frames, forms only to itself.
constexpr const char* kAppPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// The app's files may be kept by the browser, asked again each time (its
// ETag answers 304 when they did not change): the API's no-store stays for
// everything else.
void Serve(ApiCall& c, const web::Asset& a) {
  HttpResponse r;
  r.content_type = std::string(a.content_type);
  r.headers.emplace_back("Content-Security-Policy", kAppPolicy);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", std::string(a.etag));
  if (c.req.if_none_match == a.etag) {
    r.status = 304;
  } else {
    r.body = std::string(a.bytes);
  }
  c.Reply(std::move(r));
}

DomainError NoFile(const std::string& name) {
  return DomainError{ErrorKind::kNotFound, "file-not-found", "file",
                     "the web app has no file " + name};
}

json SessionJson(const Caller& caller, std::optional<std::int64_t> expires) {
  return json{
      {"actor", caller.actor},
      {"role", RoleName(caller.role)},
      {"expires_at", expires ? json(FormatInstant(*expires)) : json(nullptr)}};
}

}  // namespace

void GetApp(ApiCall& c, const PathParams&) {
  const web::Asset* index = web::FindAsset("index.html");
  if (index == nullptr) return c.Error(NoFile("index.html"));
  Serve(c, *index);
}

void GetAppFile(ApiCall& c, const PathParams& p) {
  const std::string& name = p["file"];
  const web::Asset* a = web::FindAsset(name);
  if (a == nullptr) return c.Error(NoFile(name));
  Serve(c, *a);
}

void GetSession(ApiCall& c, const PathParams&) {
  std::optional<std::int64_t> expires;
  if (!c.session_id.empty()) expires = c.sessions.ExpiresAt(c.session_id);
  json body = SessionJson(*c.caller, expires);
  body["by"] = c.session_id.empty() ? "token" : "session";
  c.Json(200, body);
}

void PostSession(ApiCall& c, const PathParams&) {
  // Not signed in yet, so the browser's rules are checked here: a JSON
  // body (a cross-site form cannot send one without asking first, which
  // this server never allows), and when an Origin comes, the app's own (no
  // other site signs a browser in to an account of its choosing).
  if (!HasMediaType(c.req.content_type, "application/json")) {
    return c.Error(DomainError{ErrorKind::kUnsupportedMedia,
                               "unsupported-media-type", "Content-Type",
                               "signing in takes an application/json body"});
  }
  if (!c.req.origin.empty() && std::find(c.origins->begin(), c.origins->end(),
                                         c.req.origin) == c.origins->end()) {
    return c.Error(
        DomainError{ErrorKind::kForbidden, "cross-origin-request", "Origin",
                    "signing in must come from the app's own origin"});
  }
  JsonBody b = c.Body(false);
  std::string token = b.RequireString("token");
  if (!c.Finish(b)) return;
  std::optional<Caller> caller = c.tokens.Find(token);
  if (!caller) {
    return c.Error(DomainError{ErrorKind::kUnauthorised, "unauthorised",
                               "token", "unknown token"});
  }
  const std::int64_t now = c.engine.NowMicros();
  std::string id = c.sessions.Create(token, now);
  if (id.empty()) {
    return c.Error(DomainError{ErrorKind::kUnavailable, "no-randomness", "",
                               "the server could not make a session id; "
                               "retry"});
  }
  HttpResponse r;
  r.body = JsonText(SessionJson(*caller, c.sessions.ExpiresAt(id)));
  r.headers.emplace_back(
      "Set-Cookie",
      SessionSetCookie(id, c.sessions.max_age(), c.options.secure_cookies,
                       c.options.cookie_path));
  c.Reply(std::move(r));
}

void DeleteSession(ApiCall& c, const PathParams&) {
  if (!c.session_id.empty()) c.sessions.End(c.session_id);
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();  // no body, so no media type
  r.headers.emplace_back(
      "Set-Cookie",
      ExpiredSessionSetCookie(c.options.secure_cookies, c.options.cookie_path));
  c.Reply(std::move(r));
}

}  // namespace okr::http
