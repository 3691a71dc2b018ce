// Tokens: who a bearer token belongs to, from the tokens file
// (`TOKEN ACTOR ROLE` per line, role admin or member; blank lines and lines
// starting with '#' are ignored).
//
// Thread safety: immutable after Load(); Find() from any thread.
//
// Tokens are kept as SHA-256 digests and compared in constant time, every
// entry each time, so neither timing nor length tells a guess apart.
#ifndef OKR_ADAPTERS_HTTP_TOKENS_H_
#define OKR_ADAPTERS_HTTP_TOKENS_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/commands.h"
#include "engine/status.h"
#include "events/envelope.h"

namespace okr::http {

class Tokens {
 public:
  // Parses a tokens file; InvalidArgument naming the line on a bad one, and
  // naming the file and its mode when group or others have any permission
  // on it (mode & 077), as ssh does for private keys: tokens are secrets.
  static Result<Tokens> Load(const std::string& path);
  // Without a tokens file: `<data>/tokens` (created on first start with one
  // admin token, mode 0600). *created says whether it was just written.
  static Result<Tokens> LoadOrCreateDefault(const std::string& data_dir,
                                            std::string* path, bool* created);

  std::optional<Caller> Find(const std::string& token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  // The text of a tokens file read from `path` (named in errors).
  static Result<Tokens> Parse(const std::string& path, const std::string& text);

  struct Entry {
    Hash digest;
    Caller caller;
  };
  std::vector<Entry> entries_;
};

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_TOKENS_H_
