// The export format: one event of the log as a JSON object, the line of
// `okr export` and the entry of GET /v1/events and the live stream; and
// the strict inverse that `okr import` restores from. The fields and why the
// stored bytes travel as base64 are in docs/on-disk-format.md ("Export (`okr
// export`, `okr import`)").
//
// Thread safety: pure functions.
#ifndef OKR_EVENTS_EXPORT_FORMAT_H_
#define OKR_EVENTS_EXPORT_FORMAT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "events/envelope.h"

namespace okr::events {

// The envelope, `data` (the payload's JSON form in its stored schema
// version, {"undecodable": why} if the codec refuses it) and `data_b64`
// (the stored payload bytes); an envelope text member that is not UTF-8
// also as "<name>_b64", its exact bytes. Never throws; but `data` may hold
// strings that are not UTF-8 (stored before the API refused them), so dump
// it with json::error_handler_t::replace (U+FFFD) and restore from the
// "_b64" members.
nlohmann::json ExportJson(const RecordedEvent& e);

// One line of `okr export` (no newline): ExportJson as compact UTF-8 text,
// U+FFFD for what is not UTF-8. Also the body of each message published to
// NATS JetStream.
std::string ExportLine(const RecordedEvent& e);

// The inverse, strict: every member present with its type, nothing else.
// With `data_b64` the data are its bytes, which the codec must decode and
// whose JSON form must equal `data` (both rendered with U+FFFD for what is
// not UTF-8); without it (exports written before data_b64) the data are
// rebuilt from `data`. A "<name>_b64" must hold bytes that `name` shows.
// False with *error otherwise.
bool FromExportJson(const nlohmann::json& j, RecordedEvent* e,
                    std::string* error);

// Base64 (RFC 4648, with padding, no line breaks) of bytes, and back. Decode
// accepts only the canonical form (what Encode writes); false, leaving *out
// unchanged, on anything else.
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace okr::events

#endif  // OKR_EVENTS_EXPORT_FORMAT_H_
