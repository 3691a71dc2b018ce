// Small text helpers the retrospective renderers share: number formatting
// and escaping for Markdown and HTML.
//
// Thread safety: pure functions.
#ifndef OKR_ADAPTERS_REPORT_REPORT_TEXT_H_
#define OKR_ADAPTERS_REPORT_REPORT_TEXT_H_

#include <optional>
#include <string>
#include <string_view>

namespace okr::report {

// Up to `decimals` digits after the point, trailing zeros dropped:
// 0.9125 -> "0.91" (2), 60.0 -> "60", -0.0 -> "0"; rounding is of the
// binary value (0.575 is 0.57499... and gives "0.57").
std::string Number(double v, int decimals = 2);
// A score as "0.58", or "—" when there is none.
std::string Score(const std::optional<double>& v);
// A share as a whole percentage: 0.5 -> "50%".
std::string Percent(double v);

// Text safe inside a Markdown paragraph or table cell: the characters
// Markdown gives a meaning to are backslash-escaped, line breaks become
// spaces, so a title can neither break the table nor inject markup.
std::string Markdown(std::string_view text);
// Text safe inside HTML/XML element content and attribute values.
std::string Html(std::string_view text);

}  // namespace okr::report

#endif  // OKR_ADAPTERS_REPORT_REPORT_TEXT_H_
