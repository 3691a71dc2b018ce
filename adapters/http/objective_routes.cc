// The objective routes of the route table (routes.cc): /v1/objectives and
// below.
#include <string>

#include "adapters/http/api_call.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"

namespace okr::http {
namespace {

using nlohmann::json;

// The objective after a command, as GET /v1/objectives/{id} shows it.
ApiCall::RenderBody ObjectiveBody(const std::string& id) {
  return [id](const OkrState& st, const Decision&, Date today) {
    const Objective* o = st.FindObjective(id);
    return o ? ObjectiveJson(st, *o, today) : json::object();
  };
}

// POST .../activate, .../achieve, .../abandon: `reason?`.
void Transition(ApiCall& c, const std::string& id, ObjectiveAction action) {
  JsonBody b = c.Body();
  TransitionObjective cmd;
  cmd.objective_id = id;
  cmd.action = action;
  cmd.reason = b.String("reason");
  if (!c.Finish(b)) return;
  c.Mutate(cmd, ObjectiveBody(id), 200, nullptr);
}

}  // namespace

void GetObjectives(ApiCall& c, const PathParams&) {
  const std::string* cycle = c.Query("cycle");
  const std::string* owner = c.Query("owner");
  const std::string* state = c.Query("state");
  // A filter naming no state matches nothing (an empty list).
  const std::optional<ObjectiveState> wanted =
      state ? ParseObjectiveState(*state) : std::nullopt;
  c.ReadAt([&](const StateView& st, Date at) {
    json list = json::array();
    for (const Objective* o : st.Objectives(cycle)) {
      if (owner && o->owner != *owner) continue;
      if (state && o->state != wanted) continue;
      list.push_back(ObjectiveJson(st, *o, at));
    }
    c.Json(200, json{{"objectives", list}});
  });
}

void PostObjectives(ApiCall& c, const PathParams&) {
  JsonBody b = c.Body(false);
  CreateObjective cmd;
  cmd.id = b.String("id");
  cmd.cycle_id = b.RequireString("cycle_id");
  cmd.title = b.RequireString("title");
  cmd.description = b.String("description");
  cmd.level = b.RequireString("level");
  cmd.owner = b.String("owner");
  cmd.team = b.String("team");
  cmd.parent_id = b.String("parent_id");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date today) {
        const Objective* o = st.FindObjective(d.id);
        return o ? ObjectiveJson(st, *o, today) : json::object();
      },
      201, [](const Decision& d) { return "/v1/objectives/" + d.id; });
}

void GetObjective(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  c.ReadAt([&](const StateView& st, Date at) {
    const Objective* o = st.FindObjective(id);
    if (o == nullptr) {
      return c.Error(
          DomainError::NotFound("id", "no objective \"" + id + "\""));
    }
    c.Json(200, ObjectiveJson(st, *o, at), o->version);
  });
}

void PatchObjective(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body(false);
  UpdateObjective cmd;
  cmd.objective_id = p["id"];
  cmd.title = b.String("title");
  cmd.description = b.String("description");
  cmd.owner = b.String("owner");
  cmd.team = b.String("team");
  if (!c.Finish(b)) return;
  c.Mutate(cmd, ObjectiveBody(p["id"]), 200, nullptr);
}

void GetObjectiveHistory(ApiCall& c, const PathParams& p) {
  c.History(OkrEngine::HistoryOf::kObjective, p["id"]);
}

void PutObjectiveParent(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body(false);
  SetParent cmd;
  cmd.objective_id = p["id"];
  bool present = b.Has("parent_id");
  cmd.parent_id = b.String("parent_id");
  if (!present) {
    return c.Error(DomainError::Invalid(
        "parent_id", "parent_id is required (null to unalign)"));
  }
  if (!c.Finish(b)) return;
  c.Mutate(cmd, ObjectiveBody(p["id"]), 200, nullptr);
}

void PostObjectiveActivate(ApiCall& c, const PathParams& p) {
  Transition(c, p["id"], ObjectiveAction::kActivate);
}

void PostObjectiveAchieve(ApiCall& c, const PathParams& p) {
  Transition(c, p["id"], ObjectiveAction::kAchieve);
}

void PostObjectiveAbandon(ApiCall& c, const PathParams& p) {
  Transition(c, p["id"], ObjectiveAction::kAbandon);
}

void PostObjectiveKeyResults(ApiCall& c, const PathParams& p) {
  JsonBody b = c.Body(false);
  AddKeyResult cmd;
  cmd.objective_id = p["id"];
  cmd.id = b.String("id");
  cmd.title = b.RequireString("title");
  cmd.kind = b.RequireString("kind");
  cmd.start = b.Number("start");
  cmd.target = b.Number("target");
  cmd.unit = b.String("unit");
  cmd.weight = b.Number("weight");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date today) {
        const KeyResult* k = st.FindKeyResult(d.id);
        return k ? KeyResultJson(st, *k, today) : json::object();
      },
      201, [](const Decision& d) { return "/v1/key-results/" + d.id; });
}

}  // namespace okr::http
