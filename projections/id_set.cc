#include "projections/id_set.h"

#include <algorithm>

namespace okr {

bool IdSet::Packed(std::string_view id) const {
  std::size_t lo = 0, hi = ends_.size();
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (At(mid) < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < ends_.size() && At(lo) == id;
}

bool IdSet::Contains(std::string_view id) const {
  return Packed(id) && erased_.find(id) == erased_.end();
}

void IdSet::Insert(std::vector<std::string> ids) {
  if (ids.empty()) return;
  std::vector<std::string_view> all;
  all.reserve(ends_.size() + ids.size());
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    std::string_view id = At(i);
    if (erased_.find(id) == erased_.end()) all.push_back(id);
  }
  for (const std::string& id : ids) all.push_back(id);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::size_t bytes = 0;
  for (std::string_view id : all) bytes += id.size();
  std::string chars;
  chars.reserve(bytes);
  std::vector<std::uint64_t> ends;
  ends.reserve(all.size());
  for (std::string_view id : all) {
    chars.append(id);
    ends.push_back(chars.size());
  }
  // `all` views the old buffer and `ids`: swap only once it is copied.
  chars_.swap(chars);
  ends_.swap(ends);
  erased_.clear();
}

void IdSet::Add(std::string_view id) {
  // Erased and added back: unmasked.
  if (auto e = erased_.find(id); e != erased_.end()) {
    erased_.erase(e);
    return;
  }
  if (!ends_.empty() && id <= At(ends_.size() - 1)) {
    if (id != At(ends_.size() - 1)) Insert({std::string(id)});
    return;
  }
  chars_.append(id);
  ends_.push_back(chars_.size());
}

bool IdSet::Erase(std::string_view id) {
  if (!Contains(id)) return false;
  erased_.emplace(id);
  return true;
}

bool IdSet::operator==(const IdSet& o) const {
  if (size() != o.size()) return false;
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    std::string_view id = At(i);
    if (erased_.find(id) == erased_.end() && !o.Contains(id)) return false;
  }
  return true;
}

}  // namespace okr
