#include "adapters/http/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "engine/sha256.h"
#include "events/utf8.h"

namespace okr::http {

namespace {

std::string Octal(mode_t mode) {
  char out[8];
  std::snprintf(out, sizeof out, "%04o", static_cast<unsigned>(mode & 07777));
  return out;
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& what,
                                   const std::string& path) {
  // O_NOFOLLOW: a symbolic link is refused, not followed. O_NONBLOCK: a
  // FIFO put there does not hang the open (it is refused below).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return Status::InvalidArgument(
          what + " " + path +
          " is a symbolic link: it must be a regular file, not a symlink");
    }
    if (err == ENOENT)
      return Status::NotFound("cannot read " + what + " " + path);
    return Status::IOError("cannot open " + what + " " + path + ": " +
                           std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // Checked on the open descriptor, so the file read is the file checked.
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return Status::IOError("cannot stat " + what + " " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(what + " " + path +
                                   " is not a regular file: it must be one");
  }
  const uid_t self = ::geteuid();
  if (st.st_uid != self && st.st_uid != 0) {
    return Status::InvalidArgument(
        what + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
        ": it must be owned by the server's user (uid " + std::to_string(self) +
        ") or root");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(
        what + " " + path + " has mode " + Octal(st.st_mode) +
        ": group and others must have no access to it (mode 0600); run "
        "chmod 600 " +
        path);
  }
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  if (n < 0) return Status::IOError("cannot read " + what + " " + path);
  return text;
}

Result<Tokens> Tokens::Load(const std::string& path) {
  Result<std::string> text = ReadSecretFile("tokens file", path);
  if (!text.ok()) return text.status();
  return Parse(path, text.value());
}

Result<Tokens> Tokens::Parse(const std::string& path, const std::string& text) {
  std::istringstream in(text);
  Tokens t;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!IsValidUtf8(line)) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) +
                                     ": not valid UTF-8 (the tokens file "
                                     "must be UTF-8 text)");
    }
    std::istringstream fields(line);
    std::string token, actor, role, grants, extra;
    if (!(fields >> token) || token[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    if (!(fields >> actor >> role) ||
        (role != "admin" && role != "member" && role != "bot") ||
        token.size() < 8) {
      return Status::InvalidArgument(
          where +
          "expected TOKEN ACTOR ROLE (role admin, member or bot, token of 8 "
          "characters or more)");
    }
    // The server's own actors: no token may write as them.
    if (actor.find(':') != std::string::npos || actor.rfind("okr-", 0) == 0) {
      return Status::InvalidArgument(
          where + "actor \"" + actor +
          "\" is reserved: names with ':' (kpi:<id>, the KPI feed) and "
          "names starting okr- are the server's own");
    }
    Caller caller{actor, role == "admin"    ? Role::kAdmin
                         : role == "member" ? Role::kMember
                                            : Role::kBot};
    fields >> grants;
    if (fields >> extra || (caller.bot() == grants.empty())) {
      return Status::InvalidArgument(
          where + (caller.bot() ? "a bot's line is TOKEN ACTOR bot "
                                  "GRANT,GRANT... (kr/<id> or kpi/<id>)"
                                : "expected TOKEN ACTOR ROLE, nothing after"));
    }
    std::istringstream list(grants);
    for (std::string g; std::getline(list, g, ',');) {
      const std::size_t slash = g.find('/');
      const std::string kind = g.substr(0, slash);
      if (slash == std::string::npos || (kind != "kr" && kind != "kpi") ||
          !ValidId(g.substr(slash + 1))) {
        return Status::InvalidArgument(
            where + "grant \"" + g +
            "\" is not kr/<id> or kpi/<id> (a bot may only check in on key "
            "results and measure KPIs)");
      }
      caller.grants.insert(g);
    }
    t.entries_.push_back(Entry{Sha256Of(token), std::move(caller)});
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
  std::error_code ec;
  // A symbolic link there (even a dangling one) is not replaced: Load()
  // refuses it.
  if (!std::filesystem::exists(std::filesystem::symlink_status(*path, ec))) {
    unsigned char raw[24];
    if (RAND_bytes(raw, sizeof raw) != 1) {
      return Status::IOError("no randomness for a token");
    }
    Hash h{};
    std::copy(raw, raw + sizeof raw, h.begin());
    std::string token = HashToHex(h).substr(0, 2 * sizeof raw);
    // The data folder, if this creates it, is the owner's only (0700).
    const std::filesystem::path dir(data_dir);
    if (dir.has_parent_path()) {
      std::filesystem::create_directories(dir.parent_path(), ec);
    }
    if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create " + data_dir + ": " +
                             std::strerror(errno));
    }
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

std::vector<std::string> Tokens::Admins() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    if (e.caller.admin() &&
        std::find(out.begin(), out.end(), e.caller.actor) == out.end()) {
      out.push_back(e.caller.actor);
    }
  }
  return out;
}

}  // namespace okr::http
