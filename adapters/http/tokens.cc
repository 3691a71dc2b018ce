#include "adapters/http/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/sha256.h"

namespace okr::http {

Result<Tokens> Tokens::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read tokens file " + path);
  Tokens t;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream fields(line);
    std::string token, actor, role, extra;
    if (!(fields >> token) || token[0] == '#') continue;
    if (!(fields >> actor >> role) || (fields >> extra) ||
        (role != "admin" && role != "member") || token.size() < 8) {
      return Status::InvalidArgument(
          path + ":" + std::to_string(n) +
          ": expected TOKEN ACTOR ROLE (role admin or member, token of 8 "
          "characters or more)");
    }
    t.entries_.push_back(
        Entry{Sha256Of(token),
              Caller{actor, role == "admin" ? Role::kAdmin : Role::kMember}});
  }
  if (t.entries_.empty()) {
    return Status::InvalidArgument(path + ": no tokens");
  }
  return t;
}

Result<Tokens> Tokens::LoadOrCreateDefault(const std::string& data_dir,
                                           std::string* path, bool* created) {
  *path = data_dir + "/tokens";
  *created = false;
  if (!std::filesystem::exists(*path)) {
    unsigned char raw[24];
    if (RAND_bytes(raw, sizeof raw) != 1) {
      return Status::IOError("no randomness for a token");
    }
    Hash h{};
    std::copy(raw, raw + sizeof raw, h.begin());
    std::string token = HashToHex(h).substr(0, 2 * sizeof raw);
    std::filesystem::create_directories(data_dir);
    int fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Status::IOError("cannot create " + *path);
    std::string line =
        "# OKR Ledger tokens: TOKEN ACTOR ROLE\n" + token + " admin admin\n";
    bool ok = ::write(fd, line.data(), line.size()) ==
              static_cast<ssize_t>(line.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok) return Status::IOError("cannot write " + *path);
    *created = true;
  }
  return Load(*path);
}

std::optional<Caller> Tokens::Find(const std::string& token) const {
  Hash d = Sha256Of(token);
  std::optional<Caller> found;
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(d.data(), e.digest.data(), d.size()) == 0) {
      found = e.caller;
    }
  }
  return found;
}

}  // namespace okr::http
