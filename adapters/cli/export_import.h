// `okr export` and `okr import`: the log as JSON Lines, one event a line in
// the shape of GET /v1/events, and back; the idempotency records in a file
// beside it.
//
// Idempotency file (JSON Lines, one applied key a line):
//   {"actor": str, "key_b64": base64, "fingerprint_b64": base64,
//    "first_position": u64, "last_position": u64, "recorded_at": RFC 3339,
//    "command_id": str, "response_b64": base64}
// (keys, fingerprints and responses in base64: they are bytes the store
// kept, not always text).
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
#define OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_

#include <string>
#include <string_view>

#include "engine/event_store.h"
#include "events/envelope.h"

namespace okr {

// Writes every event of the store at `data_dir` to `out_path` ("" or "-":
// stdout) and, when `idempotency_out` is not empty, every applied
// idempotency key to that file. Exit status.
int RunExport(const std::string& data_dir, const std::string& out_path,
              const std::string& idempotency_out = "");

// Restores an export into a new store at `data_dir`, which must not exist
// or be an empty folder, keeping positions, times, actors, command ids and
// hashes, and the idempotency records of `idempotency_in` when not empty.
// First reads both files whole and checks them (every line well-formed,
// positions gapless from 1, the hash chain recomputed, versions gapless per
// stream, time never going back; every idempotency record inside the log).
// It then writes into a sibling temporary folder and renames it into place
// only when everything was written, so that any failure (a bad line, a
// record that does not name its command, a disk error) leaves `data_dir` as
// it was: absent or empty. Exit 1 naming the line on any problem.
int RunImport(const std::string& data_dir, const std::string& in_path,
              const std::string& idempotency_in = "");

// Checks an export as RunImport does before it writes (every line, the
// hash chain, the versions, the times), writing nothing. Exit 1 naming the
// first bad line; otherwise prints the number of events and the head.
int RunVerifyExport(const std::string& in_path);

// Decodes one line of an export (an event as GET /v1/events shows it) into
// *e, its data the exact stored bytes (from data_b64, or rebuilt from data
// for an export written before data_b64). False with *why set on anything
// else (not JSON, a missing or unknown member, a wrong type, data the codec
// refuses, data that does not match data_b64); *e is then unspecified.
bool DecodeExportLine(std::string_view line, RecordedEvent* e,
                      std::string* why);

// One line of the idempotency file, and back. Decode is strict as
// DecodeExportLine is.
std::string EncodeIdempotencyLine(const EventStore::IdempotencyEntry& entry);
bool DecodeIdempotencyLine(std::string_view line,
                           EventStore::IdempotencyEntry* entry,
                           std::string* why);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_EXPORT_IMPORT_H_
