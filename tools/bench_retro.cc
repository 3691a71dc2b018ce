#include "tools/bench_retro.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "adapters/demo/org_generator.h"
#include "adapters/report/retro_html.h"
#include "adapters/report/retro_markdown.h"
#include "engine/okr_engine.h"
#include "events/event_codec.h"
#include "projections/retrospective.h"
#include "projections/window_diff.h"
#include "tools/bench_util.h"

namespace okr::bench {

int RunRetroBench(const RetroBenchOptions& o) {
  const std::string dir = o.dir + "/retro";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("okr-bench retro: %d people, one quarter, data in %s\n",
              o.departments * o.teams_per_department * o.people_per_team,
              dir.c_str());
  {
    auto start = Clock::now();
    auto quarter = GenerateQuarter(dir, o.departments, o.teams_per_department,
                                   o.people_per_team, std::nullopt,
                                   /*close=*/true);
    if (!quarter) return 1;
    Figure("generation time", Seconds(Clock::now() - start), "s", 1);
    quarter->engine->Close();
  }
  // Measured in a fresh process, so its memory is the engine's own.
  std::string cmd = "/proc/" + std::to_string(::getpid()) +
                    "/exe retro-measure --dir '" + dir + "'";
  int status = std::system(cmd.c_str());
  if (!o.keep) std::filesystem::remove_all(dir);
  return status == 0 ? 0 : 1;
}

namespace {

// The first cycle of the state and its end (the retrospective's date).
bool FirstCycle(OkrEngine& e, std::string* cycle, Date* today) {
  e.Read([&](const OkrState& s) {
    if (s.cycles().empty()) return;
    *cycle = s.cycles().begin()->first;
    *today = s.cycles().begin()->second.ends_on;
  });
  if (cycle->empty()) std::cerr << "okr-bench: no cycle in the store\n";
  return !cycle->empty();
}

// The HTML page as the server sends it (RetrospectiveHtmlWriter): piece by
// piece into one buffer emptied after each, as a socket would take them.
// Returns its size; *pieces counts them.
std::size_t StreamHtml(const Retrospective& r, int* pieces) {
  report::RetrospectiveHtmlWriter writer(r);
  std::string piece;
  std::size_t bytes = 0;
  *pieces = 0;
  for (bool more = true; more;) {
    piece.clear();
    more = writer.Next(&piece);
    bytes += piece.size();
    ++*pieces;
  }
  return bytes;
}

}  // namespace

// The child of RunRetroMeasure for the HTML page alone: what a server
// answering GET /v1/cycles/{id}/retrospective?format=html holds at its
// peak (its state, the built retrospective, one piece of the page).
int RunRetroHtml(const std::string& dir) {
  auto start = Clock::now();
  auto engine = OkrEngine::Open(dir, EngineOptions{});
  if (!engine.ok()) {
    std::cerr << "okr-bench: " << engine.status().ToString() << "\n";
    return 1;
  }
  OkrEngine& e = *engine.value();
  const double open_ms = Seconds(Clock::now() - start) * 1000;
  std::string cycle;
  Date today;
  if (!FirstCycle(e, &cycle, &today)) return 1;
  start = Clock::now();
  std::optional<Retrospective> retro;
  e.Read(
      [&](const OkrState& s) { retro = BuildRetrospective(s, cycle, today); });
  const double build_ms = Seconds(Clock::now() - start) * 1000;
  start = Clock::now();
  int pieces = 0;
  std::size_t bytes = StreamHtml(*retro, &pieces);
  const double html_ms = Seconds(Clock::now() - start) * 1000;
  std::printf(
      "open_ms %.1f build_ms %.1f html_ms %.1f bytes %zu pieces %d "
      "hwm_kib %ld\n",
      open_ms, build_ms, html_ms, bytes, pieces, RssKiB("VmHWM:"));
  e.Close();
  return 0;
}

namespace {

// The HTML page as a server answers it, in a process of its own
// (RunRetroHtml), so that its peak is what that server holds.
bool MeasureHtmlInChild(const std::string& dir) {
  std::string cmd = "/proc/" + std::to_string(::getpid()) +
                    "/exe retro-html --dir '" + dir + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return false;
  char line[512];
  double open_ms = 0, build_ms = 0, html_ms = 0;
  std::size_t bytes = 0;
  int pieces = 0;
  long hwm = 0;
  bool got = false;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    got = got || std::sscanf(line,
                             "open_ms %lf build_ms %lf html_ms %lf bytes %zu "
                             "pieces %d hwm_kib %ld",
                             &open_ms, &build_ms, &html_ms, &bytes, &pieces,
                             &hwm) == 6;
  }
  if (::pclose(p) != 0 || !got) return false;
  Figure("retrospective HTML as served, fresh process: build", build_ms, "ms");
  Figure("  then the page streamed (" + std::to_string(bytes >> 20) +
             " MiB in " + std::to_string(pieces) + " pieces)",
         html_ms, "ms");
  Figure("  build + page", build_ms + html_ms, "ms");
  Figure("  peak RSS of that process (state included)", hwm / 1024.0, "MiB");
  return true;
}

}  // namespace

int RunRetroMeasure(const std::string& dir) {
  // The HTML page first, before this process holds anything.
  if (!MeasureHtmlInChild(dir)) return 1;
  // Baseline: what any answer from the raw log costs at least.
  {
    auto store = EventStore::Open(dir, StoreOptions{});
    if (!store.ok()) return 1;
    auto scan = RawScanAndDecode(*store.value());
    if (!scan) return 1;
    Figure("baseline raw scan + decode of the log (" +
               std::to_string(scan->events) + " events)",
           scan->seconds * 1000, "ms");
  }
  auto start = Clock::now();
  EngineOptions options;
  auto engine = OkrEngine::Open(dir, options);
  if (!engine.ok()) {
    std::cerr << "okr-bench: " << engine.status().ToString() << "\n";
    return 1;
  }
  OkrEngine& e = *engine.value();
  Figure("open the engine (from the snapshot written at close)",
         Seconds(Clock::now() - start) * 1000, "ms");
  Figure("  peak RSS after open", RssKiB("VmHWM:") / 1024.0, "MiB");

  std::string cycle;
  Date today;
  if (!FirstCycle(e, &cycle, &today)) return 1;
  std::optional<Retrospective> retro;
  start = Clock::now();
  e.Read(
      [&](const OkrState& s) { retro = BuildRetrospective(s, cycle, today); });
  double build_ms = Seconds(Clock::now() - start) * 1000;
  Figure("retrospective: build from the state (" +
             std::to_string(retro->summary.key_results) + " key results, " +
             std::to_string(retro->summary.check_ins) + " check-ins)",
         build_ms, "ms");
  Figure("  peak RSS after building it", RssKiB("VmHWM:") / 1024.0, "MiB");
  start = Clock::now();
  std::string json = RetrospectiveJsonText(*retro);
  double json_ms = Seconds(Clock::now() - start) * 1000;
  Figure("retrospective: JSON (" + std::to_string(json.size() >> 20) + " MiB)",
         json_ms, "ms");
  Figure("  peak RSS after writing it", RssKiB("VmHWM:") / 1024.0, "MiB");
  json = std::string();  // each answer is sent and dropped before the next
  start = Clock::now();
  std::string md = report::RetrospectiveMarkdown(*retro);
  Figure(
      "retrospective: Markdown (" + std::to_string(md.size() >> 20) + " MiB)",
      Seconds(Clock::now() - start) * 1000, "ms");
  md = std::string();
  start = Clock::now();
  std::string html = report::RetrospectiveHtml(*retro);
  Figure("retrospective: HTML with SVG, whole (" +
             std::to_string(html.size() >> 20) + " MiB)",
         Seconds(Clock::now() - start) * 1000, "ms");
  html = std::string();
  start = Clock::now();
  int pieces = 0;
  std::size_t bytes = StreamHtml(*retro, &pieces);
  Figure("retrospective: HTML with SVG, streamed as served (" +
             std::to_string(bytes >> 20) + " MiB)",
         Seconds(Clock::now() - start) * 1000, "ms");
  Figure("retrospective JSON end to end (build + JSON)", build_ms + json_ms,
         "ms");
  retro.reset();
  Figure("  peak RSS after the retrospective (state included)",
         RssKiB("VmHWM:") / 1024.0, "MiB");

  // Window diffs: the whole quarter, and its middle month.
  std::int64_t first_us = 0, last_us = 0;
  {
    std::uint64_t last = e.store().LastPosition();
    auto a = e.store().ReadAll(1, 1);
    auto b = e.store().ReadAll(last, 1);
    if (!a.ok() || !b.ok() || a->empty() || b->empty()) return 1;
    first_us = a->front().recorded_at_us;
    last_us = b->front().recorded_at_us;
  }
  // The diff from the window's own changes (what the API answers), beside
  // the same diff from the two whole summaries of the cycle; both from
  // views of the read state, and both texts must be equal.
  auto diff = [&](std::int64_t from, std::int64_t to, const char* what) {
    auto t0 = Clock::now();
    std::pair<CycleSummary, CycleSummary> window;
    Status s =
        e.ReadWindow(from, to, [&](const StateView& f, const StateView& t) {
          window = SummarizeWindow(f, t, cycle);
        });
    double summarize_ms = Seconds(Clock::now() - t0) * 1000;
    auto t1 = Clock::now();
    std::string text =
        DiffJsonText(window.first, window.second, cycle, from, to);
    double diff_ms = Seconds(Clock::now() - t1) * 1000;
    double total_ms = Seconds(Clock::now() - t0) * 1000;
    window = {};
    auto t2 = Clock::now();
    CycleSummary whole_before, whole_after;
    if (s.ok()) {
      s = e.ReadWindow(from, to, [&](const StateView& f, const StateView& t) {
        whole_before = Summarize(f, cycle);
        whole_after = Summarize(t, cycle);
      });
    }
    std::string whole =
        DiffJsonText(whole_before, whole_after, cycle, from, to);
    double whole_ms = Seconds(Clock::now() - t2) * 1000;
    Figure(std::string("window diff, ") + what + " (" +
               std::to_string(text.size() >> 20) + " MiB)",
           total_ms, "ms");
    Figure("  of which summarizing what the window touched", summarize_ms,
           "ms");
    Figure("  of which comparing and JSON", diff_ms, "ms");
    Figure("  reference: the same from two whole summaries", whole_ms, "ms");
    if (whole != text) {
      std::cerr << "okr-bench: the two diffs differ\n";
      return false;
    }
    return s.ok();
  };
  std::int64_t span = last_us - first_us;
  if (!diff(first_us - 1, last_us, "the whole quarter")) return 1;
  if (!diff(first_us + span / 3, first_us + 2 * span / 3, "its middle month")) {
    return 1;
  }
  Figure("peak RSS of the measuring process", RssKiB("VmHWM:") / 1024.0, "MiB");
  e.Close();
  return 0;
}

}  // namespace okr::bench
