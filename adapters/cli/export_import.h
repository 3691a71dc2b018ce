// `okr export` and `okr import`: the log as JSON Lines, one event a line in
// the shape of GET /v1/events, and back.
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
#define OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_

#include <string>

namespace okr {

// Writes every event of the store at `data_dir` to `out_path` ("" or "-":
// stdout). Exit status.
int RunExport(const std::string& data_dir, const std::string& out_path);

// Restores an export into an empty store, keeping positions, times, actors,
// command ids and hashes. First reads the whole file and checks it (every
// line well-formed, positions gapless from 1, the hash chain recomputed,
// versions gapless per stream, time never going back); on any problem it
// exits 1 naming the line, having written nothing. Idempotency records are
// not part of an export. Exit status.
int RunImport(const std::string& data_dir, const std::string& in_path);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
