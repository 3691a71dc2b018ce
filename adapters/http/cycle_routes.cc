// The cycle routes of the route table (routes.cc): /v1/cycles and below.
#include <optional>
#include <string>

#include "adapters/csv/okr_csv.h"
#include "adapters/http/api_call.h"
#include "adapters/http/browser.h"
#include "adapters/http/json_text.h"
#include "adapters/http/route_handlers.h"
#include "adapters/http/views.h"
#include "adapters/report/retro_html.h"
#include "adapters/report/retro_markdown.h"
#include "events/instant.h"
#include "projections/retrospective.h"
#include "projections/window_diff.h"

namespace okr::http {
namespace {

using nlohmann::json;

// The cycle after a command, as GET /v1/cycles/{id} shows it.
ApiCall::RenderBody CycleBody(const std::string& id) {
  return [id](const OkrState& st, const Decision&, Date today) {
    const Cycle* cy = st.FindCycle(id);
    return cy ? CycleView(st, *cy, today) : json::object();
  };
}

DomainError NoCycle(const std::string& id) {
  return DomainError::NotFound("id", "no cycle \"" + id + "\"");
}

// POST .../start and .../close: an empty body or {}.
void ChangeCycleState(ApiCall& c, Command command, const std::string& id) {
  JsonBody b = c.Body();
  if (!c.Finish(b)) return;
  c.Mutate(std::move(command), CycleBody(id), 200, nullptr);
}

// The body of POST .../retrospective/notes: the note just added, the
// newest of the cycle with this author, text and objective (others may
// have come since).
ApiCall::RenderBody NoteBody(AddRetrospectiveNote cmd, std::string actor) {
  return [cmd = std::move(cmd), actor = std::move(actor)](
             const OkrState& st, const Decision&, Date) {
    const Cycle* cy = st.FindCycle(cmd.cycle_id);
    json n{
        {"cycle_id", cmd.cycle_id},
        {"objective_id", cmd.objective_id ? json(*cmd.objective_id) : json()},
        {"text", cmd.text},
        {"actor", actor}};
    for (auto it = cy->notes.rbegin(); it != cy->notes.rend(); ++it) {
      if (it->record.actor == actor && it->text == cmd.text &&
          it->objective_id == cmd.objective_id) {
        // Not recorded_at: the answer is rendered before the store stamps
        // the event (the log has it).
        n["position"] = it->record.position;
        break;
      }
    }
    return n;
  };
}

}  // namespace

void GetCycles(ApiCall& c, const PathParams&) {
  c.ReadAt([&](const StateView& st, Date at) {
    json list = json::array();
    for (const Cycle* cy : st.Cycles()) list.push_back(CycleView(st, *cy, at));
    c.Json(200, json{{"cycles", list}});
  });
}

void PostCycles(ApiCall& c, const PathParams&) {
  JsonBody b = c.Body(false);
  CreateCycle cmd;
  cmd.id = b.String("id");
  cmd.name = b.String("name");
  cmd.starts_on = b.RequireDate("starts_on");
  cmd.ends_on = b.RequireDate("ends_on");
  if (!c.Finish(b)) return;
  c.Mutate(
      cmd,
      [](const OkrState& st, const Decision& d, Date today) {
        const Cycle* cy = st.FindCycle(d.id);
        return cy ? CycleView(st, *cy, today) : json::object();
      },
      201, [](const Decision& d) { return "/v1/cycles/" + d.id; });
}

void GetCycle(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  c.ReadAt([&](const StateView& st, Date at) {
    const Cycle* cy = st.FindCycle(id);
    if (cy == nullptr) return c.Error(NoCycle(id));
    c.Json(200, CycleView(st, *cy, at), cy->version);
  });
}

void GetCycleTree(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  const bool live = c.Query("as_of") == nullptr;
  c.ReadAt([&](const StateView& st, Date at) {
    const Cycle* cy = st.FindCycle(id);
    if (cy == nullptr) return c.Error(NoCycle(id));
    std::string key = id + "@" + at.ToString();
    HttpResponse r;
    r.headers.emplace_back("ETag", "\"" + std::to_string(cy->version) + "\"");
    if (live) {
      if (std::optional<std::string> body =
              c.trees.Find(key, st.last_position())) {
        r.body = std::move(*body);
        return c.Reply(std::move(r));
      }
    }
    r.body = JsonText(TreeJson(st, *cy, at));
    if (live) c.trees.Put(key, st.last_position(), r.body);
    c.Reply(std::move(r));
  });
}

namespace {

// The latest signed checkpoint at or before anchor->position; false (the
// request answered 503) if the log cannot be read.
bool Anchor(ApiCall& c, ReportAnchor* anchor) {
  auto checkpoint = c.engine.CheckpointAt(anchor->position);
  if (!checkpoint.ok()) {
    c.Error(DomainError::Unavailable(checkpoint.status().ToString()));
    return false;
  }
  anchor->checkpoint = std::move(checkpoint.value());
  return true;
}

}  // namespace

void GetCycleChanges(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  const std::string* from = c.Query("from");
  const std::string* to = c.Query("to");
  std::optional<std::int64_t> f, t;
  if (from == nullptr || !(f = ParseInstant(*from))) {
    return c.Error(
        DomainError::Invalid("from", "from is required, an RFC 3339 instant"));
  }
  if (to == nullptr || !(t = ParseInstant(*to))) {
    return c.Error(
        DomainError::Invalid("to", "to is required, an RFC 3339 instant"));
  }
  if (*t < *f) {
    return c.Error(DomainError::Invalid("to", "to must not be before from"));
  }
  std::pair<CycleSummary, CycleSummary> window;
  bool exists = false;
  ReportAnchor anchor;
  Status st = c.engine.ReadWindow(
      *f, *t, [&](const StateView& from, const StateView& to) {
        exists = to.FindCycle(id) != nullptr;
        window = SummarizeWindow(from, to, id);
        anchor.position = to.last_position();
      });
  if (!st.ok()) return c.Error(DomainError::Unavailable(st.ToString()));
  if (!exists) return c.Error(NoCycle(id));
  if (!Anchor(c, &anchor)) return;
  HttpResponse r;
  r.body = DiffJsonText(window.first, window.second, id, *f, *t, anchor);
  c.Reply(std::move(r));
}

void PostCycleStart(ApiCall& c, const PathParams& p) {
  ChangeCycleState(c, StartCycle{p["id"]}, p["id"]);
}

void PostCycleClose(ApiCall& c, const PathParams& p) {
  ChangeCycleState(c, CloseCycle{p["id"]}, p["id"]);
}

void GetCycleRetrospective(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  const std::string* f = c.Query("format");
  std::string format = f != nullptr ? *f : "json";
  if (format != "json" && format != "md" && format != "html") {
    return c.Error(
        DomainError::Invalid("format", "format must be json, md or html"));
  }
  std::optional<std::string> scope;
  if (const std::string* o = c.Query("objective")) {
    if (!ValidId(*o)) return c.Error(BadId("objective", *o));
    scope = *o;
  }
  // Built under the read lock; rendered after it is released.
  std::optional<Retrospective> retro;
  bool scope_found = true;
  if (!c.ReadAt([&](const StateView& st, Date at) {
        if (st.FindCycle(id) == nullptr) return;
        if (scope) {
          const Objective* o = st.FindObjective(*scope);
          scope_found = o != nullptr && o->cycle_id == id;
          if (!scope_found) return;
        }
        retro = BuildRetrospective(st, id, at, scope);
      })) {
    return;
  }
  if (!scope_found) {
    return c.Error(DomainError::NotFound(
        "objective",
        "cycle \"" + id + "\" has no objective \"" + *scope + "\""));
  }
  if (!retro) return c.Error(NoCycle(id));
  if (!Anchor(c, &retro->anchor)) return;
  HttpResponse r;
  r.status = 200;
  if (format == "json") {
    r.body = RetrospectiveJsonText(*retro);
  } else if (format == "md") {
    r.content_type = "text/markdown; charset=utf-8";
    r.body = report::RetrospectiveMarkdown(*retro);
  } else {
    // Sent as it is written, never held whole (a quarter of a large
    // organisation is over 100 MiB of it).
    r.content_type = "text/html; charset=utf-8";
    struct Page {
      explicit Page(Retrospective&& r) : retro(std::move(r)), writer(retro) {}
      const Retrospective retro;
      report::RetrospectiveHtmlWriter writer;
    };
    auto page = std::make_shared<Page>(std::move(*retro));
    r.stream = [page](std::string& out) { return page->writer.Next(&out); };
  }
  c.Reply(std::move(r));
}

// POST /v1/cycles/{id}/import: a text/csv body (adapters/csv/okr_csv.h).
void PostCycleImport(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  if (!HasMediaType(c.req.content_type, "text/csv")) {
    return c.Error(DomainError{ErrorKind::kUnsupportedMedia,
                               "unsupported-media-type", "Content-Type",
                               "the body must be text/csv"});
  }
  Outcome<ImportOkrs> cmd = csv::ParseOkrCsv(c.req.body, id);
  if (!cmd.ok()) return c.Error(cmd.error());
  c.Mutate(
      std::move(cmd.value()),
      [id](const OkrState&, const Decision& d, Date) {
        json objectives = json::array(), key_results = json::array();
        for (const events::Event& e : d.events) {
          if (const auto* o = std::get_if<events::ObjectiveCreated>(&e)) {
            objectives.push_back(o->objective_id);
          } else if (const auto* k = std::get_if<events::KeyResultAdded>(&e)) {
            key_results.push_back(k->kr_id);
          }
        }
        return json{{"cycle_id", id},
                    {"objectives", objectives},
                    {"key_results", key_results}};
      },
      201, [id](const Decision&) { return "/v1/cycles/" + id + "/tree"; },
      csv::InColumns);
}

// GET /v1/cycles/{id}/export?format=csv
void GetCycleExport(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  const std::string* f = c.Query("format");
  if (f != nullptr && *f != "csv") {
    return c.Error(DomainError::Invalid("format", "format must be csv"));
  }
  c.ReadAt([&](const StateView& st, Date) {
    if (st.FindCycle(id) == nullptr) return c.Error(NoCycle(id));
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + id + ".csv\"");
    r.body = csv::WriteOkrCsv(st, id);
    c.Reply(std::move(r));
  });
}

void PostCycleRetrospectiveNotes(ApiCall& c, const PathParams& p) {
  const std::string& id = p["id"];
  JsonBody b = c.Body(false);
  AddRetrospectiveNote cmd;
  cmd.cycle_id = id;
  cmd.objective_id = b.String("objective_id");
  cmd.text = b.RequireString("text");
  if (!c.Finish(b)) return;
  c.Mutate(cmd, NoteBody(cmd, c.caller->actor), 201, [id](const Decision&) {
    return "/v1/cycles/" + id + "/retrospective";
  });
}

}  // namespace okr::http
