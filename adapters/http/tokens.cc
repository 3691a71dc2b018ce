#include "adapters/http/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "engine/sha256.h"

namespace okr::http {

Result<Tokens> Tokens::Load(const std::string& path) {
  // Checked on the open descriptor, so the file read is the file checked.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("cannot read tokens file " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError("cannot stat tokens file " + path);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(
        "tokens file " + path + " has mode " + mode +
        ": group and others must have no access to the tokens; run chmod "
        "600 " +
        path);
  }
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, n);
  ::close(fd);
  if (n < 0) return Status::IOError("cannot read tokens file " + path);
  return Parse(path, text);
}

Result<Tokens> Tokens::Parse(const std::string& path, const std::string& text) {
  std::istringstream in(text);
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
