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

// The bytes of a file holding secrets (the tokens file, the webhook
// secret file), checked on the open descriptor as ssh checks private keys:
// a regular file, not a symbolic link (opened with O_NOFOLLOW); owned by
// the server's user (the effective uid) or root; no permission for group
// or others (mode & 077 == 0). Each refusal is an InvalidArgument naming
// `what`, the path and the rule; NotFound if there is no such file.
Result<std::string> ReadSecretFile(const std::string& what,
                                   const std::string& path);

class Tokens {
 public:
  // Reads the file with ReadSecretFile() (its refusals, "tokens file" in
  // them) and parses it: InvalidArgument naming the line on a bad one,
  // also on a line that is not valid UTF-8. NotFound if there is no file.
  static Result<Tokens> Load(const std::string& path);
  // Without a tokens file: `<data>/tokens` (created on first start with one
  // admin token, mode 0600; the data folder too, mode 0700, if it does not
  // exist). *created says whether it was just written.
  static Result<Tokens> LoadOrCreateDefault(const std::string& data_dir,
                                            std::string* path, bool* created);

  std::optional<Caller> Find(const std::string& token) const;
  std::size_t size() const { return entries_.size(); }
  // The actors with the admin role, in the file's order, each once.
  std::vector<std::string> Admins() const;

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
