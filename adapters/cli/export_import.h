// `okr export` and `okr import`: the log as JSON Lines, one event a line in
// the shape of GET /v1/events, and back.
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
#define OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_

#include <string>
#include <string_view>

#include "events/envelope.h"

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

// Decodes one line of an export (an event as GET /v1/events shows it) into
// *e, its data rebuilt to the exact stored bytes. False with *why set on
// anything else (not JSON, a missing or unknown member, a wrong type, data
// the codec refuses); *e is then unspecified.
bool DecodeExportLine(std::string_view line, RecordedEvent* e,
                      std::string* why);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
