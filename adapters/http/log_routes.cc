// The log routes of the route table (routes.cc): GET /v1/events, and where
// the event stream (served by the session, server.cc) starts.
#include <limits>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"
#include "events/export_format.h"

namespace okr::http {

using nlohmann::json;

void GetEvents(ApiCall& c, const PathParams&) {
  LogPage p;
  if (auto e = ParseLogPage(c.Query("after"), c.Query("limit"), &p)) {
    return c.Error(*e);
  }
  const std::uint64_t after = p.after, limit = p.limit;
  if (after == std::numeric_limits<std::uint64_t>::max()) {
    return c.Json(200, json{{"events", json::array()}, {"next", after}});
  }
  auto page = c.engine.store().ReadAll(after + 1, limit);
  if (!page.ok()) {
    return c.Error(DomainError::Unavailable(page.status().ToString()));
  }
  json list = json::array();
  std::uint64_t next = after;
  for (const RecordedEvent& e : *page) {
    list.push_back(events::ExportJson(e));
    next = e.position;
  }
  c.Json(200, json{{"events", list}, {"next", next}});
}

void GetChainHead(ApiCall& c, const PathParams&) {
  Result<ChainHead> head = c.engine.Head();
  if (!head.ok()) {
    return c.Error(DomainError::Unavailable(head.status().ToString()));
  }
  json body{
      {"position", head->position},
      {"hash", head->hash_hex},
      {"recorded_at",
       head->recorded_at.empty() ? json(nullptr) : json(head->recorded_at)}};
  if (const ChainSigner* signer = c.options.signer) {
    body["key_id"] = signer->key_id();
    body["signature"] = nullptr;  // an empty log has no head to sign
    if (head->position > 0) {
      Result<events::ChainHeadSigned> s = signer->Sign(*head);
      if (!s.ok()) {
        return c.Error(DomainError::Unavailable(s.status().ToString()));
      }
      body["signature"] = s->signature;
    }
  }
  c.Json(200, body);
}

std::optional<DomainError> StreamStart(const HttpRequest& request,
                                       const RequestTarget& target,
                                       std::uint64_t* after) {
  if (!request.last_event_id.empty()) {
    std::optional<std::uint64_t> v = ParsePosition(request.last_event_id);
    if (!v) {
      return DomainError::Invalid(
          "Last-Event-ID", "Last-Event-ID must be a position: digits only");
    }
    *after = *v;
    return std::nullopt;
  }
  LogPage page;
  if (auto e = ParseLogPage(target.Query("after"), nullptr, &page)) return e;
  *after = page.after;
  return std::nullopt;
}

}  // namespace okr::http
