// TreeCache: rendered alignment trees (GET /v1/cycles/{id}/tree) by cycle
// and business date, each valid for the state position it was rendered at.
// Dashboards poll the tree, and between two commands the answer cannot
// change.
//
// Thread safety: Find() and Put() from any thread.
#ifndef OKR_ADAPTERS_HTTP_TREE_CACHE_H_
#define OKR_ADAPTERS_HTTP_TREE_CACHE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace okr::http {

class TreeCache {
 public:
  // The body rendered for `key` at state position `position`, if kept.
  std::optional<std::string> Find(const std::string& key,
                                  std::uint64_t position);
  // Keeps `body` for `key` at `position` (at most kMaxEntries trees: when
  // full, all are dropped first).
  void Put(const std::string& key, std::uint64_t position, std::string body);

  static constexpr std::size_t kMaxEntries = 64;

 private:
  struct Entry {
    std::uint64_t position = 0;
    std::string body;
  };
  // State below is protected by mu_.
  std::mutex mu_;
  std::map<std::string, Entry> trees_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_TREE_CACHE_H_
