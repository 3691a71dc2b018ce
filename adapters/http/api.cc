#include "adapters/http/api.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <limits>

#include "adapters/http/json_body.h"
#include "adapters/http/json_text.h"
#include "adapters/http/problem.h"
#include "adapters/http/request_target.h"
#include "adapters/http/routes.h"
#include "adapters/http/views.h"
#include "adapters/report/retro_html.h"
#include "adapters/report/retro_markdown.h"
#include "engine/sha256.h"
#include "events/event_codec.h"
#include "events/utf8.h"
#include "projections/reminders.h"
#include "projections/retrospective.h"
#include "projections/window_diff.h"

namespace okr::http {

extern const char kOpenApiYaml[];

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

DomainError BadId(const std::string& field, const std::string& id) {
  return DomainError::Invalid(field, field + " \"" + id +
                                         "\" is not a valid id ([a-z0-9][a-z0-"
                                         "9._-]{0,63})");
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

}  // namespace

namespace {
// The one answer of a refusal: a problem+json body with the status of its
// kind, and the headers the kind calls for.
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
}  // namespace

struct Api::Call {
  Call(const HttpRequest& r, Respond f, RequestTarget t)
      : req(r), respond(std::move(f)), target(std::move(t)) {}

  const HttpRequest& req;
  Respond respond;
  RequestTarget target;
  const std::string& path = target.path;
  const std::vector<std::string>& seg = target.segments;
  Caller caller;

  void Reply(HttpResponse r) { respond(std::move(r)); }
  void Error(const DomainError& e) { Reply(ErrorResponse(e)); }
  void Json(int status, const json& body,
            std::optional<std::uint64_t> etag = std::nullopt) {
    HttpResponse r;
    r.status = status;
    r.body = JsonText(body);
    if (etag)
      r.headers.emplace_back("ETag", "\"" + std::to_string(*etag) + "\"");
    Reply(std::move(r));
  }
  const std::string* Query(const char* name) const {
    return target.Query(name);
  }
};

namespace {

// The one answer to an exception that escaped a handler: logged with the
// route, answered 500 without its text (it may quote stored bytes).
HttpResponse InternalError(const HttpRequest& request, const char* what) {
  std::string target = request.target.substr(0, request.target.find('?'));
  std::cerr << "okr serve: internal error answering " << request.method << " "
            << ToValidUtf8(target.substr(0, 200)) << ": " << ToValidUtf8(what)
            << std::endl;
  HttpResponse r;
  r.status = 500;
  r.content_type = "application/problem+json";
  r.body = JsonText(HttpProblemJson(
      500, "internal-error",
      "the server could not answer this request; the failure was logged"));
  return r;
}

// Runs fn; an exception out of it becomes the 500 answer (if none was
// given yet: `respond` answers at most once).
template <typename Fn>
void Guarded(const HttpRequest& request, const Api::Respond& respond, Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    respond(InternalError(request, e.what()));
  } catch (...) {
    respond(InternalError(request, "unknown exception"));
  }
}

// The refusal of a request without a known bearer token.
DomainError Unauthorised(const std::string& authorization) {
  return DomainError{ErrorKind::kUnauthorised, "unauthorised", "",
                     authorization.empty()
                         ? "an Authorization: Bearer token is required"
                         : "unknown token"};
}

// Reads that may replay a long stretch of the log or walk a whole cycle:
// they run on the read pool, never on an I/O thread.
bool Expensive(const HttpRequest& r, const RequestTarget& t) {
  if (r.method != "GET") return false;
  if (t.Query("as_of") != nullptr) return true;
  const auto& s = t.segments;
  return s.size() == 4 && s[0] == "v1" && s[1] == "cycles" &&
         (s[3] == "changes" || s[3] == "retrospective");
}

}  // namespace

Api::Api(OkrEngine& engine, const Tokens& tokens, ApiOptions options)
    : engine_(engine),
      tokens_(tokens),
      reads_(std::make_unique<ReadPool>(options.reads)) {}

Api::~Api() = default;

void Api::StopReads() {
  std::unique_ptr<ReadPool> pool;
  {
    std::lock_guard lock(reads_mu_);
    pool = std::move(reads_);
  }
  pool.reset();  // joins; queued jobs are answered expired
}

std::string_view Api::RouteOf(const std::string& target) {
  // Decoded as Route() decodes it, so the label is the route that answers.
  RequestTarget t;
  DomainError not_utf8;  // the path is decoded all the same
  ParseRequestTarget(std::string_view(target).substr(0, target.find('?')), &t,
                     &not_utf8);
  return MatchRoute(t.path);
}

void Api::Handle(const HttpRequest& request, Respond respond) {
  // Every answer is counted by route and status, and timed; and given once.
  auto started = std::chrono::steady_clock::now();
  // The target is decoded once: for the label and for the routes. Labels
  // come from fixed sets (routes.h): no request adds a series.
  RequestTarget target;
  DomainError bad;
  const bool target_ok = ParseRequestTarget(request.target, &target, &bad);
  std::string_view route = MatchRoute(target.path);
  std::string_view method = MethodLabel(request.method);
  auto given = std::make_shared<std::atomic<bool>>(false);
  Respond once = [this, started, route, method, given,
                  respond = std::move(respond)](HttpResponse r) {
    if (given->exchange(true)) return;
    metrics_.Record(route, method, r.status,
                    std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - started)
                        .count());
    respond(std::move(r));
  };
  Guarded(request, once, [&] {
    // Every byte of the target is checked before anything else reads it.
    if (!target_ok) return once(ErrorResponse(bad));
    Serve(request, std::move(target), once);
  });
}

void Api::Serve(const HttpRequest& request, RequestTarget target,
                const Respond& respond) {
  Call call(request, respond, std::move(target));
  if (auto e = CheckUtf8("Idempotency-Key", request.idempotency_key)) {
    return call.Error(*e);
  }
  const std::string& auth = request.authorization;
  std::optional<Caller> who = Authenticate(auth);
  if (call.path == "/healthz") {
    // Liveness: the process answers. "degraded" while the store refuses
    // writes after a failed one, or the engine after a read or decode
    // error (reads go on; both heal by themselves).
    // Positions and error texts only for a caller with a token.
    // The engine is degraded too while its state cannot follow the log (a
    // read or decode error at a named position; it retries).
    const EventStore& store = engine_.store();
    const bool healthy = store.healthy() && engine_.healthy();
    json health{{"status", healthy ? "ok" : "degraded"}};
    if (who) {
      health["last_position"] = store.LastPosition();
      if (!healthy) {
        health["writes"] = "unavailable";
        health["error"] =
            !store.healthy() ? store.HealthError() : engine_.HealthError();
      }
    }
    call.Json(200, health);
    return;
  }
  if (!who) return call.Error(Unauthorised(auth));
  call.caller = *who;
  if (call.path == "/metrics" && request.method == "GET") {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.Render(engine_);
    call.Reply(std::move(r));
    return;
  }
  if (Expensive(request, call.target)) {
    // Checked and authenticated already: on the pool it is only routed.
    auto copy = std::make_shared<HttpRequest>(request);
    ReadPool::Job job = [this, copy, target = call.target, caller = call.caller,
                         respond](bool expired) {
      if (expired) {
        return respond(ErrorResponse(DomainError{
            ErrorKind::kUnavailable, "read-deadline-exceeded", "",
            "the server had no time for this read before its deadline; "
            "retry"}));
      }
      Guarded(*copy, respond, [&] {
        Call pooled(*copy, respond, target);
        pooled.caller = caller;
        Route(pooled);
      });
    };
    bool queued = false;
    {
      std::lock_guard lock(reads_mu_);
      queued = reads_ != nullptr && reads_->Submit(std::move(job));
    }
    if (!queued) {
      call.Error(DomainError{ErrorKind::kUnavailable, "server-busy", "",
                             "too many expensive reads (as_of, changes, "
                             "retrospective) are waiting; retry"});
    }
    return;
  }
  Route(call);
}

std::optional<HttpResponse> Api::OpenStream(const HttpRequest& request,
                                            std::uint64_t* after) const {
  RequestTarget target;
  DomainError bad;
  if (!ParseRequestTarget(request.target, &target, &bad)) {
    return ErrorResponse(bad);
  }
  if (!Authenticate(request.authorization)) {
    return ErrorResponse(Unauthorised(request.authorization));
  }
  // Last-Event-ID (a reconnecting EventSource) wins over after=.
  if (!request.last_event_id.empty()) {
    std::optional<std::uint64_t> v = ParsePosition(request.last_event_id);
    if (!v) {
      return ErrorResponse(DomainError::Invalid(
          "Last-Event-ID", "Last-Event-ID must be a position: digits only"));
    }
    *after = *v;
    return std::nullopt;
  }
  LogPage page;
  if (auto e = ParseLogPage(target.Query("after"), nullptr, &page)) {
    return ErrorResponse(*e);
  }
  *after = page.after;
  return std::nullopt;
}

std::optional<Caller> Api::Authenticate(const std::string& auth) const {
  // RFC 9110 §11.1: the scheme is case-insensitive, then one or more spaces.
  constexpr std::string_view kScheme = "bearer";
  if (auth.size() <= kScheme.size() || auth[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = auth[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  std::size_t token = auth.find_first_not_of(' ', kScheme.size());
  if (token == std::string::npos) return std::nullopt;
  return tokens_.Find(auth.substr(token));
}

bool Api::ReadAt(Call& call,
                 const std::function<void(const OkrState&, Date)>& fn) {
  Date at = engine_.Today();
  if (const std::string* s = call.Query("at")) {
    std::optional<Date> d = Date::Parse(*s);
    if (!d) {
      call.Error(DomainError::Invalid("at", "at must be a date YYYY-MM-DD"));
      return false;
    }
    at = *d;
  }
  const std::string* as_of = call.Query("as_of");
  if (as_of != nullptr) {
    std::optional<std::int64_t> t = ParseInstant(*as_of);
    if (!t) {
      call.Error(DomainError::Invalid(
          "as_of", "as_of must be an RFC 3339 instant (2026-09-01T12:00:00Z)"));
      return false;
    }
    if (*t < engine_.NowMicros()) {
      Status s = engine_.ReadAsOf(*t, [&](const OkrState& st) { fn(st, at); });
      if (!s.ok()) {
        call.Error(DomainError::Unavailable(s.ToString()));
        return false;
      }
      return true;
    }
  }
  engine_.Read([&](const OkrState& st) { fn(st, at); });
  return true;
}

void Api::Mutate(
    Call& call, Command command,
    std::function<json(const OkrState&, const Decision&, Date)> body,
    int status, std::function<std::string(const Decision&)> location) {
  CommandRequest r;
  r.caller = call.caller;
  r.command = std::move(command);
  if (!call.req.if_match.empty() && call.req.if_match != "*") {
    std::string v = call.req.if_match;
    if (v.rfind("W/", 0) == 0) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      v = v.substr(1, v.size() - 2);
    }
    std::optional<std::uint64_t> n = ParseUint(v);
    if (!n) {
      call.Error(DomainError::Invalid(
          "If-Match", "If-Match must be a version in quotes, like \"3\""));
      return;
    }
    r.if_match = *n;
  }
  if (!call.req.idempotency_key.empty()) {
    if (call.req.idempotency_key.size() > 200) {
      call.Error(DomainError::Invalid("Idempotency-Key",
                                      "Idempotency-Key is at most 200 "
                                      "characters"));
      return;
    }
    r.idempotency_key = call.req.idempotency_key;
    // The whole target, query included: POST /v1/reminders/run?at=... with
    // another date is another request.
    r.fingerprint = HashToHex(Sha256Of(call.req.method + " " + call.req.target +
                                       "\n" + call.req.body));
  }
  OkrEngine* engine = &engine_;
  r.render = [body, status, location, engine](const OkrState& s,
                                              const Decision& d) {
    // On an engine thread: nothing may escape. The events are decided by
    // now; an answer that cannot be rendered says so (and is what a retry
    // with the same key gets).
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
  Respond respond = call.respond;
  engine_.Submit(std::move(r), [respond](Outcome<CommandResult> o) {
    if (!o.ok()) {
      respond(ErrorResponse(o.error()));
      return;
    }
    HttpResponse h;
    std::string loc;
    if (!ParseStored(o.value().response, &h, &loc)) {
      h = HttpResponse{};
      h.status = 500;
      h.content_type = "application/problem+json";
      h.body = JsonText(ProblemJson(
          DomainError::Unavailable("the stored answer is unreadable")));
      respond(std::move(h));
      return;
    }
    if (!loc.empty() && h.status == 201)
      h.headers.emplace_back("Location", loc);
    if (o.value().replayed) h.headers.emplace_back("Idempotent-Replay", "true");
    respond(std::move(h));
  });
}

void Api::History(Call& c, OkrEngine::HistoryOf kind, const std::string& id) {
  auto entries = engine_.History(kind, id);
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) {
      return c.Error(DomainError::NotFound(
          "id", std::string(kind == OkrEngine::HistoryOf::kObjective
                                ? "no objective \""
                                : "no key result \"") +
                    id + "\""));
    }
    return c.Error(DomainError::Unavailable(entries.status().ToString()));
  }
  c.Json(200, HistoryJson(entries.value()));
}

void Api::Route(Call& c) {
  const std::string& m = c.req.method;
  const auto& s = c.seg;
  auto not_found = [&] {
    c.Error(DomainError{ErrorKind::kNotFound, "route-not-found", "",
                        "no route " + m + " " + c.path});
  };
  if (s.size() == 2 && s[0] == "v1" && s[1] == "openapi.yaml" && m == "GET") {
    HttpResponse r;
    r.content_type = "application/yaml";
    r.body = kOpenApiYaml;
    return c.Reply(std::move(r));
  }
  if (s.empty() || s[0] != "v1" || s.size() < 2) return not_found();
  const std::string& kind = s[1];
  // Ids in paths are checked before anything else.
  if (s.size() >= 3 && (kind == "cycles" || kind == "objectives" ||
                        kind == "key-results" || kind == "kpis")) {
    if (!ValidId(s[2])) return c.Error(BadId("id", s[2]));
  }
  auto body = [&](bool empty_ok = true) {
    return JsonBody::Parse(c.req.body, empty_ok);
  };
  auto finish = [&](JsonBody& b) {
    if (std::optional<DomainError> e = b.Finish()) {
      c.Error(*e);
      return false;
    }
    return true;
  };
  auto objective_body = [](const std::string& id) {
    return [id](const OkrState& st, const Decision&, Date today) {
      const Objective* o = st.FindObjective(id);
      return o ? ObjectiveJson(st, *o, today) : json::object();
    };
  };
  auto kr_body = [](const std::string& id) {
    return [id](const OkrState& st, const Decision&, Date today) {
      const KeyResult* k = st.FindKeyResult(id);
      return k ? KeyResultJson(st, *k, today) : json::object();
    };
  };
  auto cycle_body = [](const std::string& id) {
    return [id](const OkrState& st, const Decision&, Date today) {
      const Cycle* cy = st.FindCycle(id);
      return cy ? CycleView(st, *cy, today) : json::object();
    };
  };

  // ---- cycles ----
  if (kind == "cycles") {
    if (s.size() == 2 && m == "GET") {
      ReadAt(c, [&](const OkrState& st, Date at) {
        json list = json::array();
        for (const auto& [id, cy] : st.cycles()) {
          list.push_back(CycleView(st, cy, at));
        }
        c.Json(200, json{{"cycles", list}});
      });
      return;
    }
    if (s.size() == 2 && m == "POST") {
      JsonBody b = body(false);
      CreateCycle cmd;
      cmd.id = b.String("id");
      cmd.name = b.String("name");
      cmd.starts_on = b.RequireDate("starts_on");
      cmd.ends_on = b.RequireDate("ends_on");
      if (!finish(b)) return;
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date today) {
            const Cycle* cy = st.FindCycle(d.id);
            return cy ? CycleView(st, *cy, today) : json::object();
          },
          201, [](const Decision& d) { return "/v1/cycles/" + d.id; });
    }
    if (s.size() == 3 && m == "GET") {
      ReadAt(c, [&](const OkrState& st, Date at) {
        const Cycle* cy = st.FindCycle(s[2]);
        if (cy == nullptr) {
          return c.Error(
              DomainError::NotFound("id", "no cycle \"" + s[2] + "\""));
        }
        c.Json(200, CycleView(st, *cy, at), cy->version);
      });
      return;
    }
    if (s.size() == 4 && m == "GET" && s[3] == "tree") {
      const bool live = c.Query("as_of") == nullptr;
      ReadAt(c, [&](const OkrState& st, Date at) {
        const Cycle* cy = st.FindCycle(s[2]);
        if (cy == nullptr) {
          return c.Error(
              DomainError::NotFound("id", "no cycle \"" + s[2] + "\""));
        }
        std::string key = s[2] + "@" + at.ToString();
        HttpResponse r;
        r.headers.emplace_back("ETag",
                               "\"" + std::to_string(cy->version) + "\"");
        if (live) {
          std::lock_guard lock(tree_mu_);
          auto it = trees_.find(key);
          if (it != trees_.end() && it->second.position == st.last_position()) {
            r.body = it->second.body;
            return c.Reply(std::move(r));
          }
        }
        r.body = JsonText(TreeJson(st, *cy, at));
        if (live) {
          std::lock_guard lock(tree_mu_);
          if (trees_.size() >= 64) trees_.clear();
          trees_[key] = CachedTree{st.last_position(), r.body};
        }
        c.Reply(std::move(r));
      });
      return;
    }
    if (s.size() == 4 && m == "GET" && s[3] == "changes") {
      const std::string* from = c.Query("from");
      const std::string* to = c.Query("to");
      std::optional<std::int64_t> f, t;
      if (from == nullptr || !(f = ParseInstant(*from))) {
        return c.Error(DomainError::Invalid(
            "from", "from is required, an RFC 3339 instant"));
      }
      if (to == nullptr || !(t = ParseInstant(*to))) {
        return c.Error(
            DomainError::Invalid("to", "to is required, an RFC 3339 instant"));
      }
      if (*t < *f) {
        return c.Error(
            DomainError::Invalid("to", "to must not be before from"));
      }
      CycleSummary before, after;
      bool exists = false;
      Status st = engine_.ReadAsOf(
          *f, [&](const OkrState& state) { before = Summarize(state, s[2]); });
      if (st.ok()) {
        st = engine_.ReadAsOf(*t, [&](const OkrState& state) {
          exists = state.FindCycle(s[2]) != nullptr;
          after = Summarize(state, s[2]);
        });
      }
      if (!st.ok()) return c.Error(DomainError::Unavailable(st.ToString()));
      if (!exists) {
        return c.Error(
            DomainError::NotFound("id", "no cycle \"" + s[2] + "\""));
      }
      HttpResponse r;
      r.body = DiffJsonText(before, after, s[2], *f, *t);
      return c.Reply(std::move(r));
    }
    if (s.size() == 4 && m == "POST" && (s[3] == "start" || s[3] == "close")) {
      JsonBody b = body();
      if (!finish(b)) return;
      Command cmd = s[3] == "start" ? Command(StartCycle{s[2]})
                                    : Command(CloseCycle{s[2]});
      return Mutate(c, cmd, cycle_body(s[2]), 200, nullptr);
    }
    if (s.size() == 4 && m == "GET" && s[3] == "retrospective") {
      const std::string* f = c.Query("format");
      std::string format = f != nullptr ? *f : "json";
      if (format != "json" && format != "md" && format != "html") {
        return c.Error(
            DomainError::Invalid("format", "format must be json, md or html"));
      }
      // Built under the read lock; rendered after it is released.
      std::optional<Retrospective> retro;
      if (!ReadAt(c, [&](const OkrState& st, Date at) {
            if (st.FindCycle(s[2]) != nullptr) {
              retro = BuildRetrospective(st, s[2], at);
            }
          })) {
        return;
      }
      if (!retro) {
        return c.Error(
            DomainError::NotFound("id", "no cycle \"" + s[2] + "\""));
      }
      HttpResponse r;
      r.status = 200;
      if (format == "json") {
        r.body = RetrospectiveJsonText(*retro);
      } else if (format == "md") {
        r.content_type = "text/markdown; charset=utf-8";
        r.body = report::RetrospectiveMarkdown(*retro);
      } else {
        r.content_type = "text/html; charset=utf-8";
        r.body = report::RetrospectiveHtml(*retro);
      }
      return c.Reply(std::move(r));
    }
    if (s.size() == 5 && m == "POST" && s[3] == "retrospective" &&
        s[4] == "notes") {
      JsonBody b = body(false);
      AddRetrospectiveNote cmd;
      cmd.cycle_id = s[2];
      cmd.objective_id = b.String("objective_id");
      cmd.text = b.RequireString("text");
      if (!finish(b)) return;
      std::string cycle = s[2];
      return Mutate(
          c, cmd,
          [cmd, actor = c.caller.actor](const OkrState& st, const Decision&,
                                        Date) {
            // The note just added: the newest of the cycle with this
            // author, text and objective (others may have come since).
            const Cycle* cy = st.FindCycle(cmd.cycle_id);
            json n{{"cycle_id", cmd.cycle_id},
                   {"objective_id",
                    cmd.objective_id ? json(*cmd.objective_id) : json()},
                   {"text", cmd.text},
                   {"actor", actor}};
            for (auto it = cy->notes.rbegin(); it != cy->notes.rend(); ++it) {
              if (it->record.actor == actor && it->text == cmd.text &&
                  it->objective_id == cmd.objective_id) {
                // Not recorded_at: the answer is rendered before the
                // store stamps the event (the log has it).
                n["position"] = it->record.position;
                break;
              }
            }
            return n;
          },
          201,
          [cycle](const Decision&) {
            return "/v1/cycles/" + cycle + "/retrospective";
          });
    }
    return not_found();
  }

  // ---- objectives ----
  if (kind == "objectives") {
    if (s.size() == 2 && m == "GET") {
      const std::string* cycle = c.Query("cycle");
      const std::string* owner = c.Query("owner");
      const std::string* state = c.Query("state");
      ReadAt(c, [&](const OkrState& st, Date at) {
        json list = json::array();
        for (const auto& [id, o] : st.objectives()) {
          if (cycle && o.cycle_id != *cycle) continue;
          if (owner && o.owner != *owner) continue;
          if (state && o.state != *state) continue;
          list.push_back(ObjectiveJson(st, o, at));
        }
        c.Json(200, json{{"objectives", list}});
      });
      return;
    }
    if (s.size() == 2 && m == "POST") {
      JsonBody b = body(false);
      CreateObjective cmd;
      cmd.id = b.String("id");
      cmd.cycle_id = b.RequireString("cycle_id");
      cmd.title = b.RequireString("title");
      cmd.description = b.String("description");
      cmd.level = b.RequireString("level");
      cmd.owner = b.String("owner");
      cmd.team = b.String("team");
      cmd.parent_id = b.String("parent_id");
      if (!finish(b)) return;
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date today) {
            const Objective* o = st.FindObjective(d.id);
            return o ? ObjectiveJson(st, *o, today) : json::object();
          },
          201, [](const Decision& d) { return "/v1/objectives/" + d.id; });
    }
    if (s.size() == 3 && m == "GET") {
      ReadAt(c, [&](const OkrState& st, Date at) {
        const Objective* o = st.FindObjective(s[2]);
        if (o == nullptr) {
          return c.Error(
              DomainError::NotFound("id", "no objective \"" + s[2] + "\""));
        }
        c.Json(200, ObjectiveJson(st, *o, at), o->version);
      });
      return;
    }
    if (s.size() == 4 && m == "GET" && s[3] == "history") {
      return History(c, OkrEngine::HistoryOf::kObjective, s[2]);
    }
    if (s.size() == 3 && m == "PATCH") {
      JsonBody b = body(false);
      UpdateObjective cmd;
      cmd.objective_id = s[2];
      cmd.title = b.String("title");
      cmd.description = b.String("description");
      cmd.owner = b.String("owner");
      cmd.team = b.String("team");
      if (!finish(b)) return;
      return Mutate(c, cmd, objective_body(s[2]), 200, nullptr);
    }
    if (s.size() == 4 && m == "PUT" && s[3] == "parent") {
      JsonBody b = body(false);
      SetParent cmd;
      cmd.objective_id = s[2];
      bool present = b.Has("parent_id");
      cmd.parent_id = b.String("parent_id");
      if (!present) {
        return c.Error(DomainError::Invalid(
            "parent_id", "parent_id is required (null to unalign)"));
      }
      if (!finish(b)) return;
      return Mutate(c, cmd, objective_body(s[2]), 200, nullptr);
    }
    if (s.size() == 4 && m == "POST" &&
        (s[3] == "activate" || s[3] == "achieve" || s[3] == "abandon")) {
      JsonBody b = body();
      TransitionObjective cmd;
      cmd.objective_id = s[2];
      cmd.action = s[3] == "activate"  ? ObjectiveAction::kActivate
                   : s[3] == "achieve" ? ObjectiveAction::kAchieve
                                       : ObjectiveAction::kAbandon;
      cmd.reason = b.String("reason");
      if (!finish(b)) return;
      return Mutate(c, cmd, objective_body(s[2]), 200, nullptr);
    }
    if (s.size() == 4 && m == "POST" && s[3] == "key-results") {
      JsonBody b = body(false);
      AddKeyResult cmd;
      cmd.objective_id = s[2];
      cmd.id = b.String("id");
      cmd.title = b.RequireString("title");
      cmd.kind = b.RequireString("kind");
      cmd.start = b.Number("start");
      cmd.target = b.Number("target");
      cmd.unit = b.String("unit");
      cmd.weight = b.Number("weight");
      if (!finish(b)) return;
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date today) {
            const KeyResult* k = st.FindKeyResult(d.id);
            return k ? KeyResultJson(st, *k, today) : json::object();
          },
          201, [](const Decision& d) { return "/v1/key-results/" + d.id; });
    }
    return not_found();
  }

  // ---- key results ----
  if (kind == "key-results") {
    if (s.size() == 3 && m == "GET") {
      ReadAt(c, [&](const OkrState& st, Date at) {
        const KeyResult* k = st.FindKeyResult(s[2]);
        if (k == nullptr) {
          return c.Error(
              DomainError::NotFound("id", "no key result \"" + s[2] + "\""));
        }
        c.Json(200, KeyResultJson(st, *k, at), k->version);
      });
      return;
    }
    if (s.size() == 4 && m == "GET" && s[3] == "history") {
      return History(c, OkrEngine::HistoryOf::kKeyResult, s[2]);
    }
    if (s.size() == 3 && m == "PATCH") {
      JsonBody b = body(false);
      UpdateKeyResult cmd;
      cmd.kr_id = s[2];
      cmd.title = b.String("title");
      cmd.target = b.Number("target");
      cmd.weight = b.Number("weight");
      cmd.reason = b.String("reason");
      if (!finish(b)) return;
      return Mutate(c, cmd, kr_body(s[2]), 200, nullptr);
    }
    if (s.size() == 3 && m == "DELETE") {
      JsonBody b = body();
      RemoveKeyResult cmd;
      cmd.kr_id = s[2];
      cmd.reason = b.String("reason");
      if (!finish(b)) return;
      if (const std::string* r = c.Query("reason")) cmd.reason = *r;
      return Mutate(c, cmd, kr_body(s[2]), 200, nullptr);
    }
    if (s.size() == 4 && m == "POST" && s[3] == "check-ins") {
      JsonBody b = body(false);
      RecordCheckIn cmd;
      cmd.kr_id = s[2];
      cmd.value = b.RequireNumberOrBool("value");
      cmd.confidence = b.Integer("confidence");
      cmd.note = b.String("note");
      cmd.date = b.DateField("date");
      if (!finish(b)) return;
      std::string id = s[2];
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date today) {
            const KeyResult* k = st.FindKeyResult(d.id);
            if (k == nullptr || d.events.empty()) return json::object();
            const auto& ev = std::get<events::CheckInRecorded>(d.events[0]);
            return CheckInJson(st, ev, *k, st.last_position(), today);
          },
          201, [id](const Decision&) { return "/v1/key-results/" + id; });
    }
    if (s.size() == 4 && m == "POST" && s[3] == "grade") {
      JsonBody b = body(false);
      GradeKeyResult cmd;
      cmd.kr_id = s[2];
      cmd.score = b.RequireNumber("score");
      cmd.note = b.String("note");
      if (!finish(b)) return;
      return Mutate(c, cmd, kr_body(s[2]), 200, nullptr);
    }
    return not_found();
  }

  // ---- KPIs ----
  if (kind == "kpis") {
    if (s.size() == 2 && m == "POST") {
      JsonBody b = body(false);
      DefineKpi cmd;
      cmd.id = b.String("id");
      cmd.name = b.RequireString("name");
      cmd.unit = b.RequireString("unit");
      cmd.owner = b.String("owner");
      cmd.healthy_min = b.Number("healthy_min");
      cmd.healthy_max = b.Number("healthy_max");
      cmd.cadence_days = b.Integer("cadence_days");
      if (!finish(b)) return;
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date) {
            const Kpi* k = st.FindKpi(d.id);
            return k ? KpiJson(*k) : json::object();
          },
          201, [](const Decision& d) { return "/v1/kpis/" + d.id; });
    }
    if (s.size() == 3 && m == "GET") {
      ReadAt(c, [&](const OkrState& st, Date) {
        const Kpi* k = st.FindKpi(s[2]);
        if (k == nullptr) {
          return c.Error(
              DomainError::NotFound("id", "no KPI \"" + s[2] + "\""));
        }
        c.Json(200, KpiJson(*k), k->version);
      });
      return;
    }
    if (s.size() == 4 && m == "POST" && s[3] == "measurements") {
      JsonBody b = body(false);
      RecordMeasurement cmd;
      cmd.kpi_id = s[2];
      cmd.value = b.RequireNumber("value");
      cmd.date = b.DateField("date");
      if (!finish(b)) return;
      std::string id = s[2];
      return Mutate(
          c, cmd,
          [](const OkrState& st, const Decision& d, Date) {
            const Kpi* k = st.FindKpi(d.id);
            json j = k ? KpiJson(*k) : json::object();
            if (!d.events.empty()) {
              const auto& ev = std::get<events::KpiMeasured>(d.events[0]);
              j = json{{"kpi_id", ev.kpi_id},
                       {"value", ev.value},
                       {"date", ev.date.ToString()},
                       {"position", st.last_position()},
                       {"kpi", j}};
            }
            return j;
          },
          201, [id](const Decision&) { return "/v1/kpis/" + id; });
    }
    return not_found();
  }

  // ---- reminders ----
  if (kind == "reminders" && s.size() == 2 && m == "GET") {
    const std::string* recipient = c.Query("recipient");
    // Evaluated under the read lock; the answer is built after it.
    std::vector<std::pair<DueReminder, std::optional<IssuedReminder>>> due;
    Date at;
    if (!ReadAt(c, [&](const OkrState& st, Date when) {
          at = when;
          for (DueReminder& r : DueReminders(st, when)) {
            if (recipient != nullptr && r.recipient != *recipient) continue;
            const IssuedReminder* issued = st.FindReminder(r.kind, r.key);
            due.emplace_back(
                std::move(r),
                issued ? std::optional<IssuedReminder>(*issued) : std::nullopt);
          }
        })) {
      return;
    }
    json list = json::array();
    for (const auto& [r, issued] : due) {
      list.push_back(ReminderJson(r, issued ? &*issued : nullptr));
    }
    return c.Json(200,
                  json{{"at", at.ToString()}, {"reminders", std::move(list)}});
  }
  if (kind == "reminders" && s.size() == 3 && s[2] == "run" && m == "POST") {
    Date at = engine_.Today();
    if (const std::string* a = c.Query("at")) {
      std::optional<Date> d = Date::Parse(*a);
      if (!d) {
        return c.Error(
            DomainError::Invalid("at", "at must be a date YYYY-MM-DD"));
      }
      at = *d;
    }
    JsonBody b = body();
    if (!finish(b)) return;
    IssueReminders cmd{at, {}};
    // Only for admins is the whole state evaluated; for anyone else the
    // command goes with nothing due and is refused by its handler.
    if (c.caller.admin()) {
      engine_.Read([&](const OkrState& st) { cmd.due = DueReminders(st, at); });
    }
    return Mutate(
        c, cmd,
        [at](const OkrState& st, const Decision& d, Date) {
          json list = json::array();
          for (const events::Event& e : d.events) {
            const auto& issued = std::get<events::ReminderIssued>(e);
            DueReminder r{issued.kind, issued.subject, issued.recipient,
                          issued.key, issued.message};
            list.push_back(ReminderJson(r, st.FindReminder(r.kind, r.key)));
          }
          return json{{"at", at.ToString()}, {"reminders", std::move(list)}};
        },
        200, nullptr);
  }

  // ---- the log ----
  if (kind == "events" && s.size() == 2 && m == "GET") {
    LogPage p;
    if (auto e = ParseLogPage(c.Query("after"), c.Query("limit"), &p)) {
      return c.Error(*e);
    }
    const std::uint64_t after = p.after, limit = p.limit;
    if (after == std::numeric_limits<std::uint64_t>::max()) {
      return c.Json(200, json{{"events", json::array()}, {"next", after}});
    }
    auto page = engine_.store().ReadAll(after + 1, limit);
    if (!page.ok())
      return c.Error(DomainError::Unavailable(page.status().ToString()));
    json list = json::array();
    std::uint64_t next = after;
    for (const RecordedEvent& e : *page) {
      list.push_back(EventJson(e));
      next = e.position;
    }
    return c.Json(200, json{{"events", list}, {"next", next}});
  }
  return not_found();
}

}  // namespace okr::http
