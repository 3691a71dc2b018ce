#include "adapters/http/tree_cache.h"

namespace okr::http {

std::optional<std::string> TreeCache::Find(const std::string& key,
                                           std::uint64_t position) {
  std::lock_guard lock(mu_);
  auto it = trees_.find(key);
  if (it == trees_.end() || it->second.position != position) {
    return std::nullopt;
  }
  return it->second.body;
}

void TreeCache::Put(const std::string& key, std::uint64_t position,
                    std::string body) {
  std::lock_guard lock(mu_);
  if (trees_.size() >= kMaxEntries) trees_.clear();
  trees_[key] = Entry{position, std::move(body)};
}

}  // namespace okr::http
