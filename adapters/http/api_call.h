// ApiCall: one request being answered, as a route handler sees it (the
// request, its decoded target, the caller, what the Api shares), and the
// steps handlers share: answering, reading the state at `at`/`as_of`,
// turning a command into its answer, audit history, strict JSON bodies.
//
// Thread safety: one ApiCall per request, used by one thread at a time
// (an I/O thread or a read pool thread); Mutate() hands what the engine
// thread needs over by value.
#ifndef OKR_ADAPTERS_HTTP_API_CALL_H_
#define OKR_ADAPTERS_HTTP_API_CALL_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "adapters/http/api.h"
#include "adapters/http/json_body.h"
#include "adapters/http/metrics.h"
#include "adapters/http/request_target.h"
#include "adapters/http/tree_cache.h"
#include "engine/okr_engine.h"

namespace okr::http {

// The one answer of a refusal: a problem+json body with the status of its
// kind, and the headers the kind calls for (WWW-Authenticate on 401,
// Retry-After on 503).
HttpResponse ErrorResponse(const DomainError& e);

// The refusal of a path segment that stands for an id and is not one.
DomainError BadId(const std::string& field, const std::string& id);

// What the handlers of one Api share across its calls. The Api owns them
// and outlives its calls.
struct ApiShared {
  OkrEngine& engine;
  Metrics& metrics;
  TreeCache& trees;
  Sessions& sessions;
  const Tokens& tokens;
  const ApiOptions& options;
  // The web app's origins (Api::SetAppOrigins); never null.
  std::shared_ptr<const std::vector<std::string>> origins;
};

struct ApiCall {
  using RenderBody =
      std::function<nlohmann::json(const OkrState&, const Decision&, Date)>;
  using RenderLocation = std::function<std::string(const Decision&)>;

  // `request` and `shared` must outlive the call (a Mutate()'s answer
  // takes copies of what it needs).
  ApiCall(const HttpRequest& request, RequestTarget target,
          Api::Respond respond, const ApiShared& shared)
      : req(request),
        target(std::move(target)),
        respond(std::move(respond)),
        engine(shared.engine),
        metrics(shared.metrics),
        trees(shared.trees),
        sessions(shared.sessions),
        tokens(shared.tokens),
        options(shared.options),
        origins(shared.origins) {}
  ApiCall(const ApiCall&) = delete;  // `path` refers into `target`
  ApiCall& operator=(const ApiCall&) = delete;

  const HttpRequest& req;
  const RequestTarget target;
  const std::string& path = target.path;  // percent-decoded
  const Api::Respond respond;
  OkrEngine& engine;
  Metrics& metrics;
  TreeCache& trees;
  Sessions& sessions;
  const Tokens& tokens;
  const ApiOptions& options;
  const std::shared_ptr<const std::vector<std::string>> origins;
  // Set once the token is checked (public routes run before).
  std::optional<Caller> caller;
  // The session cookie's id, when the cookie authenticated the call.
  std::string session_id;

  const std::string* Query(const char* name) const {
    return target.Query(name);
  }

  // Answers (exactly one per call).
  void Reply(HttpResponse r) const { respond(std::move(r)); }
  void Error(const DomainError& e) const { Reply(ErrorResponse(e)); }
  // 200-style JSON, with ETag: "<etag>" when given.
  void Json(int status, const nlohmann::json& body,
            std::optional<std::uint64_t> etag = std::nullopt) const;

  // Runs fn on the state the query asks for: as the log knew it at `as_of`
  // (RFC 3339; an instant not in the past means now), evaluated for the
  // business date `at` (YYYY-MM-DD, default today). False, having
  // answered the refusal (400 naming the parameter, 503 when the log
  // cannot be read), when fn did not run.
  bool ReadAt(const std::function<void(const StateView&, Date)>& fn);
  // The same for the reads that need a whole state (the reminders due):
  // as of an instant, the fold of the log up to it (a cost that grows with
  // the log; those reads run on the read pool).
  bool ReadWholeAt(const std::function<void(const OkrState&, Date)>& fn);

  // Submits `command` for the caller with the request's If-Match and
  // Idempotency-Key, and answers once it is decided: the refusal, or
  // `status` (201 turns 200 when nothing was appended) with `body` and,
  // for a 201, `location` (may be null) rendered on the engine thread from
  // the decided state; a replay answers the stored answer with
  // Idempotent-Replay: true. A refusal goes through `refusal` first when
  // given (the route's own names for fields). REQUIRES: caller is set.
  void Mutate(Command command, RenderBody body, int status,
              RenderLocation location,
              std::function<DomainError(DomainError)> refusal = nullptr);

  // The audit entries of an objective or a key result (404 naming `id`),
  // up to the query's `as_of` when given.
  void History(OkrEngine::HistoryOf kind, const std::string& id);

  // The request's body, strictly (json_body.h); an empty body reads as {}
  // when `empty_is_object`.
  JsonBody Body(bool empty_is_object = true) const {
    return JsonBody::Parse(req.body, empty_is_object);
  }
  // After reading every field of `body`: false, having answered its
  // refusal, if it has one.
  bool Finish(JsonBody& body) const;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_API_CALL_H_
