// okr-bench retro: the retrospective and the window diff of one quarter of
// the generated organisation (10,000 people by default, about 1.4 M events
// in the quarter), measured in a fresh process: time to build each, to
// render JSON, Markdown and HTML, and peak RSS; beside the baseline of a raw
// scan + decode of the same log.
//
// Thread safety: run from main().
#ifndef OKR_TOOLS_BENCH_RETRO_H_
#define OKR_TOOLS_BENCH_RETRO_H_

#include <string>

namespace okr::bench {

struct RetroBenchOptions {
  int departments = 10;
  int teams_per_department = 200;
  int people_per_team = 5;
  std::string dir = "/tmp/okr-bench";
  bool keep = false;
};

int RunRetroBench(const RetroBenchOptions& options);
// The child side: opens the engine on `dir` and measures (prints figures).
int RunRetroMeasure(const std::string& dir);
// Its child for the HTML page alone: open, build, stream; prints figures.
int RunRetroHtml(const std::string& dir);

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_RETRO_H_
