// XmlProblem: a strict well-formedness check of an XML document (the
// retrospective page is XHTML-compatible): one root element, every tag
// closed by its own name, attributes quoted, '&' only in the five named
// entities or a character reference, no '<' in text, no control characters.
// Returns what is wrong first, or nullopt. (Boost.PropertyTree's parser
// does not check that closing tags match, so it is not used here.)
//
// Thread safety: pure function.
#ifndef OKR_TESTS_SUPPORT_XML_CHECK_H_
#define OKR_TESTS_SUPPORT_XML_CHECK_H_

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace okr::testing {

inline std::optional<std::string> XmlProblem(const std::string& doc) {
  std::vector<std::string> open;
  int roots = 0;
  auto text_ok = [](const std::string& s,
                    char quote) -> std::optional<std::string> {
    for (std::size_t i = 0; i < s.size(); ++i) {
      unsigned char c = s[i];
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return "control character in text";
      }
      if (c == '<') return "'<' in text";
      if (quote != 0 && c == static_cast<unsigned char>(quote)) {
        return "quote inside an attribute value";
      }
      if (c == '&') {
        auto end = s.find(';', i);
        if (end == std::string::npos) return "'&' without ';'";
        std::string name = s.substr(i + 1, end - i - 1);
        bool numeric = name.size() > 1 && name[0] == '#';
        for (std::size_t k = 1; numeric && k < name.size(); ++k) {
          numeric = std::isdigit(static_cast<unsigned char>(name[k])) != 0;
        }
        if (!numeric && name != "amp" && name != "lt" && name != "gt" &&
            name != "quot" && name != "apos") {
          return "unknown entity &" + name + ";";
        }
      }
    }
    return std::nullopt;
  };
  std::size_t i = 0;
  while (i < doc.size()) {
    auto lt = doc.find('<', i);
    std::string text =
        doc.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (auto p = text_ok(text, 0)) return p;
    if (open.empty() &&
        text.find_first_not_of(" \t\r\n") != std::string::npos) {
      return "text outside the root element";
    }
    if (lt == std::string::npos) break;
    if (doc.compare(lt, 9, "<!DOCTYPE") == 0) {
      if (roots > 0 || !open.empty()) return "DOCTYPE after the root";
      i = doc.find('>', lt) + 1;
      continue;
    }
    auto gt = doc.find('>', lt);
    if (gt == std::string::npos) return "unclosed tag";
    std::string tag = doc.substr(lt + 1, gt - lt - 1);
    if (!tag.empty() && tag[0] == '/') {
      std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes " +
               (open.empty() ? "nothing" : "<" + open.back() + ">");
      }
      open.pop_back();
    } else {
      bool self_closing = !tag.empty() && tag.back() == '/';
      if (self_closing) tag.pop_back();
      std::size_t n = 0;
      while (n < tag.size() &&
             (std::isalnum(static_cast<unsigned char>(tag[n])) ||
              tag[n] == '-' || tag[n] == ':'))
        ++n;
      if (n == 0) return "tag without a name";
      std::string name = tag.substr(0, n);
      // Attributes: name="value" (or 'value'), separated by spaces.
      std::size_t a = n;
      while (true) {
        while (a < tag.size() &&
               std::isspace(static_cast<unsigned char>(tag[a])))
          ++a;
        if (a >= tag.size()) break;
        auto eq = tag.find('=', a);
        if (eq == std::string::npos || eq + 1 >= tag.size() ||
            (tag[eq + 1] != '"' && tag[eq + 1] != '\'')) {
          return "unquoted attribute in <" + name + ">";
        }
        char q = tag[eq + 1];
        auto close = tag.find(q, eq + 2);
        if (close == std::string::npos) return "unterminated attribute";
        if (auto p = text_ok(tag.substr(eq + 2, close - eq - 2), q)) return p;
        a = close + 1;
      }
      if (open.empty()) {
        if (++roots > 1) return "more than one root element";
      }
      if (!self_closing) open.push_back(name);
    }
    i = gt + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> not closed";
  if (roots != 1) return "no root element";
  return std::nullopt;
}

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_XML_CHECK_H_
