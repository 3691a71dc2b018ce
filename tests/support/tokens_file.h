// WriteTokensFile: a tokens file for `okr serve --tokens`, mode 0600 (the
// server refuses one that group or others may access).
//
// Thread safety: a free function; one writer per path.
#ifndef OKR_TESTS_SUPPORT_TOKENS_FILE_H_
#define OKR_TESTS_SUPPORT_TOKENS_FILE_H_

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace okr::testing {

inline void WriteTokensFile(
    const std::string& path, const std::string& text,
    std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                  std::filesystem::perms::owner_write) {
  std::filesystem::remove(path);  // a read-only one is replaced too
  std::ofstream(path) << text;
  std::filesystem::permissions(path, mode,
                               std::filesystem::perm_options::replace);
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("cannot write " + path);
  }
}

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_TOKENS_FILE_H_
