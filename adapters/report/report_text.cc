#include "adapters/report/report_text.h"

#include <charconv>
#include <cmath>

#include "events/utf8.h"

namespace okr::report {

std::string Number(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  // to_chars rounds as printf does, without its locale and format parsing.
  char buf[400];  // the largest double in fixed notation fits
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed,
                         decimals);
  std::string s(buf, r.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string Score(const std::optional<double>& v) {
  return v ? Number(*v) : "—";
}

std::string Percent(double v) { return Number(v * 100, 0) + "%"; }

std::string Markdown(std::string_view raw) {
  // Stored text that is not UTF-8 reads as U+FFFD.
  const std::string text = ToValidUtf8(raw);
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '|':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Html(std::string_view raw) {
  // Stored text that is not UTF-8 reads as U+FFFD.
  const std::string text = ToValidUtf8(raw);
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters other than tab and line breaks are not
        // allowed in XML; they would make the page not well-formed.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' &&
            c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace okr::report
