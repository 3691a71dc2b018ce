// JsonText: the one way the HTTP adapter and the command line turn a JSON
// value into text. Stored strings need not be valid UTF-8 (a store written
// before the door checked it may hold such bytes); nlohmann's dump() throws
// on them, which would end a request handler or a session. Here they are
// written as U+FFFD instead, so rendering never throws on stored text.
//
// Thread safety: a pure function.
#ifndef OKR_ADAPTERS_HTTP_JSON_TEXT_H_
#define OKR_ADAPTERS_HTTP_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>

namespace okr::http {

inline std::string JsonText(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false,
                    nlohmann::json::error_handler_t::replace);
}

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_JSON_TEXT_H_
