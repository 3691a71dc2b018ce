// The system routes of the route table (routes.cc): liveness, metrics and
// the OpenAPI document.
#include <optional>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"

namespace okr::http {

extern const char kOpenApiYaml[];  // docs/openapi.yaml, compiled in

using nlohmann::json;

void GetHealthz(ApiCall& c, const PathParams&) {
  // Liveness: the process answers. "degraded" while the store refuses
  // writes after a failed one, or while the engine's state cannot follow
  // the log (a read or decode error at a named position; it retries):
  // reads go on, and both heal by themselves. Positions and error texts
  // only for a caller with a token.
  const EventStore& store = c.engine.store();
  std::optional<ReplicaReport> replica;
  if (c.options.replica) replica = c.options.replica();
  const bool healthy = store.healthy() && c.engine.healthy() &&
                       (!replica || replica->state != "stopped");
  json health{{"status", healthy ? "ok" : "degraded"}};
  if (c.caller) {
    health["last_position"] = store.LastPosition();
    if (replica) {
      health["replica"] =
          json{{"state", replica->state}, {"position", replica->position}};
      if (!replica->error.empty()) health["replica"]["error"] = replica->error;
    }
    if (c.options.publisher) {
      PublisherReport p = c.options.publisher();
      health["publisher"] = json{{"state", p.state}, {"lag", p.lag}};
      if (!p.error.empty()) health["publisher"]["error"] = p.error;
    }
    if (!store.healthy() || !c.engine.healthy()) {
      health["writes"] = "unavailable";
      health["error"] =
          !store.healthy() ? store.HealthError() : c.engine.HealthError();
    }
  }
  c.Json(200, health);
}

void GetMetrics(ApiCall& c, const PathParams&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = c.metrics.Render(c.engine);
  if (c.options.publisher) {
    PublisherReport p = c.options.publisher();
    r.body +=
        "# HELP okr_publisher_lag_events Durable events not yet stored in "
        "the NATS JetStream stream.\n# TYPE okr_publisher_lag_events "
        "gauge\nokr_publisher_lag_events " +
        std::to_string(p.lag) +
        "\n# HELP okr_publisher_published_total Events this process "
        "published to NATS JetStream (stored, duplicates left out).\n# "
        "TYPE okr_publisher_published_total counter\n"
        "okr_publisher_published_total " +
        std::to_string(p.published) + "\n";
  }
  c.Reply(std::move(r));
}

void GetOpenApi(ApiCall& c, const PathParams&) {
  HttpResponse r;
  r.content_type = "application/yaml";
  r.body = kOpenApiYaml;
  c.Reply(std::move(r));
}

}  // namespace okr::http
