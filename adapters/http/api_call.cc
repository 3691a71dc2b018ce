#include "adapters/http/api_call.h"

#include <cassert>
#include <charconv>
#include <iostream>

#include "adapters/http/json_text.h"
#include "adapters/http/problem.h"
#include "adapters/http/views.h"
#include "engine/sha256.h"
#include "events/instant.h"
#include "events/utf8.h"

namespace okr::http {
namespace {

using nlohmann::json;

std::optional<std::uint64_t> ParseUint(const std::string& s) {
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

// The stored answer to a mutation (kept with its idempotency key):
//   stored := status "\n" etag "\n" location "\n" body
// Plain lines, so answering needs no JSON parse.
std::string Stored(int status, const std::string& location,
                   std::uint64_t version, const json& body) {
  return std::to_string(status) + "\n" + std::to_string(version) + "\n" +
         location + "\n" + JsonText(body);
}

bool ParseStored(const std::string& stored, HttpResponse* r,
                 std::string* location) {
  std::size_t a = stored.find('\n');
  std::size_t b = a == std::string::npos ? a : stored.find('\n', a + 1);
  std::size_t c = b == std::string::npos ? b : stored.find('\n', b + 1);
  if (c == std::string::npos) return false;
  std::optional<std::uint64_t> status = ParseUint(stored.substr(0, a));
  if (!status) return false;
  r->status = static_cast<int>(*status);
  r->headers.emplace_back("ETag",
                          "\"" + stored.substr(a + 1, b - a - 1) + "\"");
  *location = stored.substr(b + 1, c - b - 1);
  r->body = stored.substr(c + 1);
  return true;
}

// If-Match: "n", W/"n" or * (no condition). False (answered) when it is
// none of these.
bool ParseIfMatch(const ApiCall& call, std::optional<std::uint64_t>* out) {
  if (call.req.if_match.empty() || call.req.if_match == "*") return true;
  std::string v = call.req.if_match;
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  std::optional<std::uint64_t> n = ParseUint(v);
  if (!n) {
    call.Error(DomainError::Invalid(
        "If-Match", "If-Match must be a version in quotes, like \"3\""));
    return false;
  }
  *out = *n;
  return true;
}

// The engine thread's rendering of a decided command: nothing may escape.
// The events are decided by now; an answer that cannot be rendered says
// so (and is what a retry with the same key gets).
std::function<std::string(const OkrState&, const Decision&)> Renderer(
    ApiCall::RenderBody body, int status, ApiCall::RenderLocation location,
    OkrEngine* engine) {
  return [body = std::move(body), status, location = std::move(location),
          engine](const OkrState& s, const Decision& d) {
    try {
      Date today = engine->Today();
      return Stored(d.events.empty() && status == 201 ? 200 : status,
                    location ? location(d) : "", s.StreamVersion(d.stream),
                    body(s, d, today));
    } catch (const std::exception& e) {
      std::cerr << "okr serve: internal error rendering an answer: "
                << ToValidUtf8(e.what()) << std::endl;
      return Stored(500, "", s.StreamVersion(d.stream),
                    HttpProblemJson(500, "internal-error",
                                    "the command was recorded but its answer "
                                    "could not be rendered; read the "
                                    "resource again"));
    }
  };
}

// The answer to a decided command, from what Renderer() stored.
HttpResponse Answer(const Outcome<CommandResult>& o) {
  if (!o.ok()) return ErrorResponse(o.error());
  HttpResponse h;
  std::string loc;
  if (!ParseStored(o.value().response, &h, &loc)) {
    h = HttpResponse{};
    h.status = 500;
    h.content_type = "application/problem+json";
    h.body = JsonText(ProblemJson(
        DomainError::Unavailable("the stored answer is unreadable")));
    return h;
  }
  if (!loc.empty() && h.status == 201) h.headers.emplace_back("Location", loc);
  if (o.value().replayed) h.headers.emplace_back("Idempotent-Replay", "true");
  return h;
}

}  // namespace

void CollectBody(HttpResponse* r) {
  if (!r->stream) return;
  while (r->stream(r->body)) {
  }
  r->stream = nullptr;
}

HttpResponse ErrorResponse(const DomainError& e) {
  HttpResponse r;
  r.status = StatusOf(e.kind);
  r.content_type = "application/problem+json";
  // The detail may quote the request (a path, an id) whose bytes need not
  // be UTF-8: those become U+FFFD instead of an exception that would end
  // the server (found by tests/fuzz/fuzz_http_request).
  r.body = JsonText(ProblemJson(e));
  if (e.kind == ErrorKind::kUnauthorised) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  if (e.kind == ErrorKind::kUnavailable) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

DomainError BadId(const std::string& field, const std::string& id) {
  return DomainError::Invalid(field, field + " \"" + id +
                                         "\" is not a valid id ([a-z0-9][a-z0-"
                                         "9._-]{0,63})");
}

void ApiCall::Json(int status, const json& body,
                   std::optional<std::uint64_t> etag) const {
  HttpResponse r;
  r.status = status;
  r.body = JsonText(body);
  if (etag) r.headers.emplace_back("ETag", "\"" + std::to_string(*etag) + "\"");
  Reply(std::move(r));
}

namespace {

// The query's `at` (default: today) and `as_of` (nullopt: now); false,
// having answered the refusal, when one is malformed.
bool ParseAtAndAsOf(const ApiCall& c, Date* at,
                    std::optional<std::int64_t>* as_of) {
  *at = c.engine.Today();
  if (const std::string* s = c.Query("at")) {
    std::optional<Date> d = Date::Parse(*s);
    if (!d) {
      c.Error(DomainError::Invalid("at", "at must be a date YYYY-MM-DD"));
      return false;
    }
    *at = *d;
  }
  if (const std::string* s = c.Query("as_of")) {
    std::optional<std::int64_t> t = ParseInstant(*s);
    if (!t) {
      c.Error(DomainError::Invalid(
          "as_of", "as_of must be an RFC 3339 instant (2026-09-01T12:00:00Z)"));
      return false;
    }
    // An instant not in the past means now.
    if (*t < c.engine.NowMicros()) *as_of = *t;
  }
  return true;
}

}  // namespace

namespace {

// True if a read of the past ran; else false, having answered 503.
bool PastRead(const ApiCall& c, const Status& s) {
  if (!s.ok()) c.Error(DomainError::Unavailable(s.ToString()));
  return s.ok();
}

}  // namespace

bool ApiCall::ReadAt(const std::function<void(const StateView&, Date)>& fn) {
  Date at;
  std::optional<std::int64_t> as_of;
  if (!ParseAtAndAsOf(*this, &at, &as_of)) return false;
  if (as_of) {
    return PastRead(*this, engine.ReadAsOf(*as_of, [&](const StateView& st) {
      fn(st, at);
    }));
  }
  engine.Read([&](const OkrState& st) { fn(st, at); });
  return true;
}

bool ApiCall::ReadWholeAt(
    const std::function<void(const OkrState&, Date)>& fn) {
  Date at;
  std::optional<std::int64_t> as_of;
  if (!ParseAtAndAsOf(*this, &at, &as_of)) return false;
  if (as_of) {
    return PastRead(*this, engine.FoldAsOf(*as_of, [&](const OkrState& st) {
      fn(st, at);
    }));
  }
  engine.Read([&](const OkrState& st) { fn(st, at); });
  return true;
}

void ApiCall::Mutate(Command command, RenderBody body, int status,
                     RenderLocation location,
                     std::function<DomainError(DomainError)> refusal) {
  assert(caller.has_value());
  CommandRequest r;
  r.caller = *caller;
  r.command = std::move(command);
  if (!ParseIfMatch(*this, &r.if_match)) return;
  if (!req.idempotency_key.empty()) {
    if (req.idempotency_key.size() > 200) {
      Error(DomainError::Invalid("Idempotency-Key",
                                 "Idempotency-Key is at most 200 "
                                 "characters"));
      return;
    }
    r.idempotency_key = req.idempotency_key;
    // The whole target, query included: POST /v1/reminders/run?at=... with
    // another date is another request.
    r.fingerprint =
        HashToHex(Sha256Of(req.method + " " + req.target + "\n" + req.body));
  }
  r.render = Renderer(std::move(body), status, std::move(location), &engine);
  engine.Submit(std::move(r), [respond = respond, refusal = std::move(refusal)](
                                  Outcome<CommandResult> o) {
    if (!o.ok() && refusal) return respond(ErrorResponse(refusal(o.error())));
    respond(Answer(o));
  });
}

void ApiCall::History(OkrEngine::HistoryOf kind, const std::string& id) {
  Date at;
  std::optional<std::int64_t> as_of;
  if (!ParseAtAndAsOf(*this, &at, &as_of)) return;
  std::optional<std::uint64_t> upto;
  if (as_of) {
    auto p = engine.store().PositionAsOf(*as_of);
    if (!p.ok()) return Error(DomainError::Unavailable(p.status().ToString()));
    upto = p.value();
  }
  auto entries = engine.History(kind, id, upto);
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) {
      return Error(DomainError::NotFound(
          "id", std::string(kind == OkrEngine::HistoryOf::kObjective
                                ? "no objective \""
                                : "no key result \"") +
                    id + "\""));
    }
    return Error(DomainError::Unavailable(entries.status().ToString()));
  }
  Json(200, HistoryJson(entries.value()));
}

bool ApiCall::Finish(JsonBody& body) const {
  if (std::optional<DomainError> e = body.Finish()) {
    Error(*e);
    return false;
  }
  return true;
}

}  // namespace okr::http
