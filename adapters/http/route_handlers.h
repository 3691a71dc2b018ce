// Route handlers: one plain function per line of the route table
// (routes.cc), grouped by resource, each in the file named beside it. A
// handler maps a call (api_call.h: the request, the caller, the engine) and
// the matched path parameters to exactly one answer; the door (UTF-8,
// authentication), the read pool and the `{id}` check are behind it
// already (api.cc).
//
// Thread safety: each handler is safe to run on any thread, on its own
// call; what handlers share (the engine, the tree cache, the metrics) is
// thread-safe.
#ifndef OKR_ADAPTERS_HTTP_ROUTE_HANDLERS_H_
#define OKR_ADAPTERS_HTTP_ROUTE_HANDLERS_H_

#include <cstdint>
#include <optional>

#include "adapters/http/routes.h"
#include "engine/domain_error.h"

namespace okr::http {

struct HttpRequest;
struct RequestTarget;

// app_routes.cc: the web app and its sessions
void GetApp(ApiCall& c, const PathParams& p);
void GetAppFile(ApiCall& c, const PathParams& p);
void GetSession(ApiCall& c, const PathParams& p);
void PostSession(ApiCall& c, const PathParams& p);
void DeleteSession(ApiCall& c, const PathParams& p);

// system_routes.cc
void GetHealthz(ApiCall& c, const PathParams& p);
void GetMetrics(ApiCall& c, const PathParams& p);
void GetOpenApi(ApiCall& c, const PathParams& p);

// cycle_routes.cc
void GetCycles(ApiCall& c, const PathParams& p);
void PostCycles(ApiCall& c, const PathParams& p);
void GetCycle(ApiCall& c, const PathParams& p);
void GetCycleTree(ApiCall& c, const PathParams& p);
void GetCycleChanges(ApiCall& c, const PathParams& p);
void PostCycleStart(ApiCall& c, const PathParams& p);
void PostCycleClose(ApiCall& c, const PathParams& p);
void GetCycleRetrospective(ApiCall& c, const PathParams& p);
void PostCycleRetrospectiveNotes(ApiCall& c, const PathParams& p);
void PostCycleImport(ApiCall& c, const PathParams& p);
void GetCycleExport(ApiCall& c, const PathParams& p);

// objective_routes.cc
void GetObjectives(ApiCall& c, const PathParams& p);
void PostObjectives(ApiCall& c, const PathParams& p);
void GetObjective(ApiCall& c, const PathParams& p);
void PatchObjective(ApiCall& c, const PathParams& p);
void GetObjectiveHistory(ApiCall& c, const PathParams& p);
void PutObjectiveParent(ApiCall& c, const PathParams& p);
void PostObjectiveActivate(ApiCall& c, const PathParams& p);
void PostObjectiveAchieve(ApiCall& c, const PathParams& p);
void PostObjectiveAbandon(ApiCall& c, const PathParams& p);
void PostObjectiveKeyResults(ApiCall& c, const PathParams& p);

// key_result_routes.cc
void GetKeyResult(ApiCall& c, const PathParams& p);
void PatchKeyResult(ApiCall& c, const PathParams& p);
void DeleteKeyResult(ApiCall& c, const PathParams& p);
void GetKeyResultHistory(ApiCall& c, const PathParams& p);
void PostKeyResultCheckIns(ApiCall& c, const PathParams& p);
void PostKeyResultGrade(ApiCall& c, const PathParams& p);

// kpi_routes.cc
void GetKpis(ApiCall& c, const PathParams& p);
void PostKpis(ApiCall& c, const PathParams& p);
void GetKpi(ApiCall& c, const PathParams& p);
void PostKpiMeasurements(ApiCall& c, const PathParams& p);

// reminder_routes.cc
void GetReminders(ApiCall& c, const PathParams& p);
void PostRemindersRun(ApiCall& c, const PathParams& p);

// log_routes.cc
void GetEvents(ApiCall& c, const PathParams& p);
void GetChainHead(ApiCall& c, const PathParams& p);
// Where GET /v1/events/stream starts: after the request's Last-Event-ID
// (a reconnecting EventSource; it wins) or after=, each parsed as GET
// /v1/events parses after=. nullopt with *after set, or the refusal.
std::optional<DomainError> StreamStart(const HttpRequest& request,
                                       const RequestTarget& target,
                                       std::uint64_t* after);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_ROUTE_HANDLERS_H_
