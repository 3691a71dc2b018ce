#include "adapters/cli/offline.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/cli/cli_app.h"
#include "adapters/csv/okr_csv.h"
#include "adapters/http/json_body.h"
#include "adapters/http/json_text.h"
#include "adapters/http/views.h"
#include "adapters/report/retro_html.h"
#include "adapters/report/retro_markdown.h"
#include "engine/okr_engine.h"
#include "events/instant.h"
#include "events/utf8.h"
#include "projections/retrospective.h"
#include "projections/window_diff.h"

namespace okr {
namespace {

using nlohmann::json;

std::string Percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", x * 100);
  return buf;
}

void PrintNode(const json& o, const std::string& prefix, bool last,
               std::ostream& out) {
  out << prefix << (last ? "└─ " : "├─ ") << o["title"].get<std::string>()
      << " [" << o["id"].get<std::string>() << "] "
      << o["level"].get<std::string>() << ", " << o["owner"].get<std::string>()
      << ", " << o["state"].get<std::string>() << ": "
      << Percent(o["progress"].get<double>()) << " "
      << o["status"].get<std::string>() << "\n";
  const json& kids = o["children"];
  for (std::size_t i = 0; i < kids.size(); ++i) {
    PrintNode(kids[i], prefix + (last ? "   " : "│  "), i + 1 == kids.size(),
              out);
  }
}

Result<std::unique_ptr<OkrEngine>> OpenQuiet(const std::string& dir,
                                             const char* who) {
  EngineOptions eo;
  eo.warn = [who](std::string_view w) {
    std::cerr << who << ": warning: " << w << "\n";
  };
  auto engine = OkrEngine::Open(dir, eo);
  // A report from a state that stops short of the log would mislead: an
  // offline command refuses a degraded engine, naming the position.
  if (engine.ok() && !engine.value()->healthy()) {
    return Status::Corruption(engine.value()->HealthError());
  }
  return engine;
}

}  // namespace

int RunTree(const TreeOptions& o) {
  auto engine = OpenQuiet(o.data_dir, "okr tree");
  if (!engine.ok()) {
    std::cerr << "okr tree: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  Date at = engine.value()->Today();
  if (!o.at.empty()) {
    std::optional<Date> d = Date::Parse(o.at);
    if (!d) {
      std::cerr << "okr tree: --at must be YYYY-MM-DD\n";
      return kExitUsage;
    }
    at = *d;
  }
  json tree;
  bool found = false;
  auto render = [&](const StateView& s) {
    if (const Cycle* c = s.FindCycle(o.cycle)) {
      tree = http::TreeJson(s, *c, at);
      found = true;
    }
  };
  if (!o.as_of.empty()) {
    std::optional<std::int64_t> t = ParseInstant(o.as_of);
    if (!t) {
      std::cerr << "okr tree: --as-of must be an RFC 3339 instant\n";
      return kExitUsage;
    }
    Status s = engine.value()->ReadAsOf(*t, render);
    if (!s.ok()) {
      std::cerr << "okr tree: " << s.ToString() << "\n";
      return kExitFailure;
    }
  } else {
    engine.value()->Read(render);
  }
  engine.value()->Close();
  if (!found) {
    std::cerr << "okr tree: no cycle \"" << o.cycle << "\"\n";
    return kExitFailure;
  }
  if (o.json) {
    std::cout << http::JsonText(tree, 2) << "\n";
    return kExitOk;
  }
  // Text for people: stored bytes that are not UTF-8 as U+FFFD.
  std::ostringstream text;
  const json& c = tree["cycle"];
  text << c["name"].get<std::string>() << " (" << c["id"].get<std::string>()
       << ") " << c["state"].get<std::string>() << ", "
       << c["starts_on"].get<std::string>() << " .. "
       << c["ends_on"].get<std::string>() << "; at " << at.ToString()
       << " expected " << Percent(tree["expected"].get<double>()) << "\n";
  const json& roots = tree["objectives"];
  for (std::size_t i = 0; i < roots.size(); ++i) {
    PrintNode(roots[i], "", i + 1 == roots.size(), text);
  }
  std::cout << ToValidUtf8(text.str());
  return kExitOk;
}

int RunReplay(const std::string& data_dir) {
  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr replay: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  const std::uint64_t total = store.value()->LastPosition();
  const bool tty = ::isatty(2) != 0;
  auto started = std::chrono::steady_clock::now();
  OkrState state;
  Status s = ReplayInto(*store.value(), &state, 0, [&](std::uint64_t at) {
    if (!tty || total == 0) return;
    int width = 40, done = static_cast<int>(width * at / total);
    std::fprintf(stderr, "\r[%s%s] %3.0f%% %llu/%llu events",
                 std::string(done, '#').c_str(),
                 std::string(width - done, ' ').c_str(), 100.0 * at / total,
                 static_cast<unsigned long long>(at),
                 static_cast<unsigned long long>(total));
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!s.ok()) {
    std::cerr << "okr replay: " << s.ToString() << "\n";
    return kExitFailure;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  SnapshotStore snapshots(data_dir + "/snapshots");
  if (total > 0) {
    // Bound to this log: the hash of the event it was folded up to.
    auto bound = ChainHashAt(*store.value(), state.last_position());
    Status w = !bound.ok()      ? bound.status()
               : !bound.value() ? Status::Corruption("the log ends before it")
                                : snapshots.Write(state, **bound);
    if (!w.ok()) {
      std::cerr << "okr replay: " << w.ToString() << "\n";
      return kExitFailure;
    }
  }
  std::printf(
      "okr replay: %llu events in %.2f s (%.0f events/s): %zu cycles, %zu "
      "objectives, %zu key results, %zu KPIs; snapshot at %llu\n",
      static_cast<unsigned long long>(total), seconds,
      seconds > 0 ? total / seconds : 0.0, state.cycles().size(),
      state.objectives().size(), state.key_results().size(),
      state.kpis().size(), static_cast<unsigned long long>(total));
  return kExitOk;
}

int RunHistory(const std::string& data_dir, const std::string& id,
               bool as_json) {
  auto engine = OpenQuiet(data_dir, "okr history");
  if (!engine.ok()) {
    std::cerr << "okr history: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  auto entries = engine.value()->History(OkrEngine::HistoryOf::kObjective, id);
  if (!entries.ok() && entries.status().IsNotFound()) {
    entries = engine.value()->History(OkrEngine::HistoryOf::kKeyResult, id);
  }
  engine.value()->Close();
  if (!entries.ok()) {
    std::cerr << "okr history: "
              << (entries.status().IsNotFound()
                      ? "no objective or key result \"" + id + "\""
                      : entries.status().ToString())
              << "\n";
    return kExitFailure;
  }
  if (as_json) {
    std::cout << http::JsonText(HistoryJson(entries.value()), 2) << "\n";
    return kExitOk;
  }
  std::ostringstream text;  // stored bytes that are not UTF-8: U+FFFD
  for (const HistoryEntry& h : entries.value()) {
    text << h.position << "  " << FormatInstant(h.recorded_at_us) << "  "
         << h.actor << "  " << h.type << "  " << h.stream << "\n";
    for (const FieldChange& c : h.changes) {
      text << "      " << c.field << ": "
           << (c.before.is_null() ? "-" : http::JsonText(c.before)) << " -> "
           << (c.after.is_null() ? "-" : http::JsonText(c.after)) << "\n";
    }
    if (h.reason) text << "      reason: " << *h.reason << "\n";
  }
  std::cout << ToValidUtf8(text.str());
  return kExitOk;
}

int RunChanges(const std::string& data_dir, const std::string& cycle,
               const std::string& from, const std::string& to, bool as_json) {
  std::optional<std::int64_t> f = ParseInstant(from);
  std::optional<std::int64_t> t = ParseInstant(to);
  if (!f || !t || *t < *f) {
    std::cerr << "okr changes: --from and --to must be RFC 3339 instants, "
                 "from not after to\n";
    return kExitUsage;
  }
  auto engine = OpenQuiet(data_dir, "okr changes");
  if (!engine.ok()) {
    std::cerr << "okr changes: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  std::pair<CycleSummary, CycleSummary> window;
  bool exists = false;
  Status s = engine.value()->ReadWindow(
      *f, *t, [&](const StateView& from, const StateView& to) {
        exists = to.FindCycle(cycle) != nullptr;
        window = SummarizeWindow(from, to, cycle);
      });
  engine.value()->Close();
  if (!s.ok() || !exists) {
    std::cerr << "okr changes: "
              << (s.ok() ? "no cycle \"" + cycle + "\"" : s.ToString()) << "\n";
    return kExitFailure;
  }
  json diff = DiffSummaries(window.first, window.second);
  if (as_json) {
    std::cout << http::JsonText(diff, 2) << "\n";
    return kExitOk;
  }
  std::ostringstream text;  // stored bytes that are not UTF-8: U+FFFD
  auto print_fields = [&text](const json& fields, const char* indent) {
    for (const json& c : fields) {
      text << indent << c["field"].get<std::string>() << ": "
           << (c["before"].is_null() ? "-" : http::JsonText(c["before"]))
           << " -> "
           << (c["after"].is_null() ? "-" : http::JsonText(c["after"])) << "\n";
    }
  };
  text << "changes in " << cycle << " after " << from << " up to " << to << ": "
       << diff["objectives"].size() << " objectives\n";
  for (const json& o : diff["objectives"]) {
    text << o["change"].get<std::string>() << "  objective "
         << o["id"].get<std::string>() << "\n";
    print_fields(o["fields"], "      ");
    for (const json& k : o["key_results"]) {
      text << "    " << k["change"].get<std::string>() << "  key result "
           << k["id"].get<std::string>() << "\n";
      print_fields(k["fields"], "          ");
    }
  }
  std::cout << ToValidUtf8(text.str());
  return kExitOk;
}

int RunRetro(const RetroOptions& o) {
  if (o.format != "json" && o.format != "md" && o.format != "html") {
    std::cerr << "okr retro: --format must be json, md or html\n";
    return kExitUsage;
  }
  std::optional<Date> at;
  if (!o.at.empty() && !(at = Date::Parse(o.at))) {
    std::cerr << "okr retro: --at must be YYYY-MM-DD\n";
    return kExitUsage;
  }
  auto engine = OpenQuiet(o.data_dir, "okr retro");
  if (!engine.ok()) {
    std::cerr << "okr retro: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  std::optional<Retrospective> retro;
  engine.value()->Read([&](const OkrState& s) {
    if (s.FindCycle(o.cycle) != nullptr) {
      retro =
          BuildRetrospective(s, o.cycle, at ? *at : engine.value()->Today());
    }
  });
  if (retro) {
    auto checkpoint = engine.value()->CheckpointAt(retro->anchor.position);
    if (checkpoint.ok()) retro->anchor.checkpoint = checkpoint.value();
  }
  engine.value()->Close();
  if (!retro) {
    std::cerr << "okr retro: no cycle \"" << o.cycle << "\"\n";
    return kExitFailure;
  }
  std::string text = o.format == "json" ? RetrospectiveJsonText(*retro) + "\n"
                     : o.format == "md" ? report::RetrospectiveMarkdown(*retro)
                                        : report::RetrospectiveHtml(*retro);
  if (o.out.empty()) {
    std::cout << text;
    return std::cout.flush() ? kExitOk : kExitFailure;
  }
  std::ofstream file(o.out, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    std::cerr << "okr retro: cannot write " << o.out << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunImportOkrs(const std::string& data_dir, const std::string& cycle,
                  const std::string& file, const std::string& actor) {
  auto fail = [](const std::string& why) {
    std::cerr << "okr import-okrs: " << why << "; nothing written\n";
    return kExitFailure;
  };
  // The API takes 1 MiB; a file may be larger, not unbounded.
  constexpr std::uintmax_t kMaxBytes = 64 << 20;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) return fail("cannot read " + file + ": " + ec.message());
  if (size > kMaxBytes) return fail(file + " is over 64 MiB");
  std::ifstream in(file, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return fail("cannot read " + file);
  Outcome<ImportOkrs> cmd = csv::ParseOkrCsv(text, cycle);
  auto report = [&](const DomainError& e) {
    std::cerr << "okr import-okrs: " << file << ": " << e.detail << "\n";
    for (const LineError& l : e.lines) {
      std::cerr << "  line " << l.line << (l.field.empty() ? "" : ", ")
                << l.field << ": " << l.detail << " (" << l.slug << ")\n";
    }
    return kExitFailure;
  };
  if (!cmd.ok()) return report(cmd.error());
  auto engine = OpenQuiet(data_dir, "okr import-okrs");
  if (!engine.ok()) return fail(engine.status().ToString());
  CommandRequest req;
  req.caller = Caller{actor, Role::kAdmin};
  req.command = std::move(cmd.value());
  Outcome<CommandResult> done = engine.value()->Execute(std::move(req));
  engine.value()->Close();
  if (!done.ok()) return report(csv::InColumns(done.error()));
  std::size_t objectives = 0, key_results = 0;
  for (const events::Event& e : done.value().decision.events) {
    (std::holds_alternative<events::ObjectiveCreated>(e) ? objectives
                                                         : key_results) += 1;
  }
  std::cout << "imported " << objectives << " objectives and " << key_results
            << " key results into " << cycle << " (positions "
            << done.value().first_position << " to "
            << done.value().last_position << ")\n";
  return kExitOk;
}

}  // namespace okr
