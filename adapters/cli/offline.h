// Offline subcommands on a store folder: `okr tree`, `okr replay`,
// `okr history`, `okr changes`, `okr retro`, `okr import-okrs`.
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_OFFLINE_H_
#define OKR_ADAPTERS_CLI_OFFLINE_H_

#include <string>

namespace okr {

struct TreeOptions {
  std::string data_dir, cycle, at, as_of;
  bool json = false;
};
// The alignment tree of a cycle: indented, with progress and status (or the
// API's JSON with --json). Exit status.
int RunTree(const TreeOptions& options);

// Rebuilds the state from the whole log (a progress bar on a terminal),
// prints the rate, and writes a fresh snapshot at the end. Exit status.
int RunReplay(const std::string& data_dir);

// Every event of an objective (and of its key results) or of a key result,
// oldest first. Exit status.
int RunHistory(const std::string& data_dir, const std::string& id, bool json);

// What changed in a cycle between two instants (from exclusive, to
// inclusive), as a table or the API's JSON. Exit status.
int RunChanges(const std::string& data_dir, const std::string& cycle,
               const std::string& from, const std::string& to, bool json);

struct RetroOptions {
  std::string data_dir, cycle, format = "md", out, at;
};
// The retrospective of a cycle as JSON, Markdown or HTML, to --out or
// stdout (final for a closed cycle, provisional at --at, default today, for
// others). Exit status.
int RunRetro(const RetroOptions& options);

// A cycle's objectives and key results from a CSV file (the shape of
// POST /v1/cycles/{id}/import), decided as one command by `actor` with the
// admin role: all rows or none, every refused row listed on stderr with its
// line. Exit status.
int RunImportOkrs(const std::string& data_dir, const std::string& cycle,
                  const std::string& file, const std::string& actor);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_OFFLINE_H_
