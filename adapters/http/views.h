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
#include "projections/state_view.h"

namespace okr::http {

using nlohmann::json;

json CycleView(const StateView& s, const Cycle& c, Date today);
json KeyResultJson(const StateView& s, const KeyResult& k, Date at);
// The objective with its key results (removed ones included, marked so).
json ObjectiveJson(const StateView& s, const Objective& o, Date at);
// {"cycle", "at", "expected", "objectives": [objective + "children"]}.
json TreeJson(const StateView& s, const Cycle& c, Date at);
// {kind, subject, recipient, key, issued, message, id, deliveries}: id
// null when not issued yet; deliveries [{webhook, delivered, attempts,
// error}]. (No issue time: answers to commands are rendered from the
// decision state, before the store gives events their recorded_at; the
// event in the log has it.)
json ReminderJson(const DueReminder& r, const IssuedReminder* issued);
json KpiJson(const Kpi& k);
// The values over time, oldest first, for charts: a key result's
// check-ins dated up to `at` [{date, value, confidence, position}], and a
// KPI's measurements [{date, value, position}], each in (date, position)
// order.
json KeyResultSeriesJson(const KeyResult& k, Date at);
json KpiSeriesJson(const Kpi& k);
// A check-in as recorded: the event's fields, where it landed, and the key
// result after it.
json CheckInJson(const StateView& s, const events::CheckInRecorded& c,
                 const KeyResult& k, std::uint64_t position, Date at);

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_VIEWS_H_
