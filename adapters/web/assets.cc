#include "adapters/web/assets.h"

namespace okr::web {

// The table, in embedded_assets.cc (written by embed_assets.cmake).
std::span<const Asset> EmbeddedAssets();

std::span<const Asset> Assets() { return EmbeddedAssets(); }

const Asset* FindAsset(std::string_view name) {
  for (const Asset& a : Assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace okr::web
