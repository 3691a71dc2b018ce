// Instants as text: RFC 3339, the form of `recorded_at` in the export and
// the API, of `as_of`, `from` and `to`. Parsing and printing live together
// so that everything printed parses back to the same microseconds.
//
// Thread safety: pure functions.
#ifndef OKR_EVENTS_INSTANT_H_
#define OKR_EVENTS_INSTANT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace okr {

// Formats microseconds since the epoch as YYYY-MM-DDTHH:MM:SS.ffffffZ.
std::string FormatInstant(std::int64_t micros);

// An RFC 3339 instant ("2026-09-01T12:00:00Z", "...T12:00:00.123+02:00",
// lowercase t and z too, at most six fractional digits) in microseconds
// since the epoch; nullopt for any other text, and for an instant whose UTC
// year is outside 0000-9999 (FormatInstant could not print it back).
std::optional<std::int64_t> ParseInstant(std::string_view text);

}  // namespace okr

#endif  // OKR_EVENTS_INSTANT_H_
