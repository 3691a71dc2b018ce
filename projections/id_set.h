// IdSet: a sorted set of ids packed in one buffer, for the many ids a
// compact state must remember without holding their entities (the
// archived objectives and key results of closed cycles, okr_state.h):
// about 25 bytes an id instead of about 100 in a std::set<std::string>.
//
// Thread safety: a const IdSet may be read from several threads; a
// mutation needs exclusive access.
//
// Insert rebuilds the buffer (O(n log n)): it is meant for a few large
// batches (one per closed cycle); Add appends ids that come in order.
// Erase is cheap: erased ids are masked until the next Insert drops them.
#ifndef OKR_PROJECTIONS_ID_SET_H_
#define OKR_PROJECTIONS_ID_SET_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace okr {

class IdSet {
 public:
  bool Contains(std::string_view id) const;
  std::size_t size() const { return ends_.size() - erased_.size(); }
  bool empty() const { return size() == 0; }

  // Adds `ids` (duplicates, of each other or of members, are kept once).
  void Insert(std::vector<std::string> ids);
  // Adds one id: at once if it sorts after every id packed (as ids read
  // from a sorted map do), else as Insert({id}) does.
  void Add(std::string_view id);
  // Removes `id`; false if it was not a member.
  bool Erase(std::string_view id);

  bool operator==(const IdSet& o) const;

 private:
  std::string_view At(std::size_t i) const {
    std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }
  bool Packed(std::string_view id) const;

  std::string chars_;                          // the ids, sorted, end to end
  std::vector<std::uint64_t> ends_;            // where each id ends in chars_
  std::set<std::string, std::less<>> erased_;  // packed, but no member
};

}  // namespace okr

#endif  // OKR_PROJECTIONS_ID_SET_H_
