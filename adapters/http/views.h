// Views: the JSON shapes of docs/openapi.yaml rendered from an OkrState. The
// HTTP API answers with them and the command line prints them.
//
// Thread safety: pure functions of the state they are given (which the
// caller keeps still, e.g. inside OkrEngine::Read).
#ifndef OKR_ADAPTERS_HTTP_VIEWS_H_
#define OKR_ADAPTERS_HTTP_VIEWS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "events/catalogue.h"
#include "events/envelope.h"
#include "projections/okr_state.h"
#include "projections/reminders.h"

namespace okr::http {

using nlohmann::json;

json CycleView(const OkrState& s, const Cycle& c, Date today);
json KeyResultJson(const OkrState& s, const KeyResult& k, Date at);
// The objective with its key results (removed ones included, marked so).
json ObjectiveJson(const OkrState& s, const Objective& o, Date at);
// {"cycle", "at", "expected", "objectives": [objective + "children"]}.
json TreeJson(const OkrState& s, const Cycle& c, Date at);
// {kind, subject, recipient, key, issued, message, id, deliveries}: id
// null when not issued yet; deliveries [{webhook, delivered, attempts,
// error}]. (No issue time: answers to commands are rendered from the
// decision state, before the store gives events their recorded_at; the
// event in the log has it.)
json ReminderJson(const DueReminder& r, const IssuedReminder* issued);
json KpiJson(const Kpi& k);
// A check-in as recorded: the event's fields, where it landed, and the key
// result after it.
json CheckInJson(const OkrState& s, const events::CheckInRecorded& c,
                 const KeyResult& k, std::uint64_t position, Date at);
// An event of the log as GET /v1/events shows it: the envelope, `data` (the
// payload's JSON form in its stored schema version, {"undecodable": why} if
// the codec refuses it) and `data_b64` (the stored payload bytes, base64,
// RFC 4648 with padding). Never throws; but `data` may hold strings that are
// not UTF-8 (stored before the API refused them), so dump it with
// json::error_handler_t::replace (U+FFFD) and restore from `data_b64`.
json EventJson(const RecordedEvent& e);
// The inverse, strict: every member present with its type, nothing else.
// With `data_b64` the data are its bytes, which the codec must decode and
// whose JSON form must equal `data` (both rendered with U+FFFD for what is
// not UTF-8); without it (exports written before data_b64) the data are
// rebuilt from `data`. False with *error otherwise.
bool EventFromJson(const json& j, RecordedEvent* e, std::string* error);

// Base64 (RFC 4648, with padding, no line breaks) of bytes, and back. Decode
// accepts only the canonical form (what Encode writes); false, leaving *out
// unchanged, on anything else.
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_VIEWS_H_
