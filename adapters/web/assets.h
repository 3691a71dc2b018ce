// Assets: the web app's files (adapters/web/app/ and the front-end
// libraries from node_modules, see package.json), compiled into the
// binary by CMake (embed_assets.cmake), so `okr serve` serves the whole
// app with nothing beside it.
//
// Thread safety: constant data; safe from any thread.
#ifndef OKR_ADAPTERS_WEB_ASSETS_H_
#define OKR_ADAPTERS_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace okr::web {

struct Asset {
  std::string_view name;          // "app.js": served at /app/<name>
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
  // The ETag of the bytes: a quoted prefix of their SHA-256 in hex.
  std::string_view etag;
};

// Every file, index.html (the page served at /) among them.
std::span<const Asset> Assets();

// The file named exactly `name` (one path segment, no folders), or null.
const Asset* FindAsset(std::string_view name);

}  // namespace okr::web

#endif  // OKR_ADAPTERS_WEB_ASSETS_H_
