#include "adapters/cli/keygen_cmd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "adapters/cli/cli_app.h"
#include "engine/chain_signer.h"

namespace okr {
namespace {

// Writes `text` to a new file `path` with `mode` (O_EXCL: never over an
// existing one) and fsyncs it. An error message, or empty.
std::string WriteNew(const std::string& path, const std::string& text,
                     mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  // The mode asked for, whatever the umask left of it.
  bool ok = done == text.size() && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return path + ": write failed";
  }
  return "";
}

}  // namespace

int RunKeygen(const std::string& out_dir) {
  namespace fs = std::filesystem;
  const fs::path dir(out_dir);
  const std::string priv = (dir / "signing.pem").string();
  const std::string pub = (dir / "signing.pub.pem").string();
  std::error_code ec;
  if (fs::exists(fs::symlink_status(priv, ec)) ||
      fs::exists(fs::symlink_status(pub, ec))) {
    std::cerr << "okr keygen: " << out_dir
              << " already holds a signing key; nothing written (a key is "
                 "never overwritten: checkpoints signed with it could no "
                 "longer be checked)\n";
    return kExitFailure;
  }
  if (!fs::exists(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0) {
      std::cerr << "okr keygen: " << out_dir << ": " << std::strerror(errno)
                << "\n";
      return kExitFailure;
    }
  }
  Result<KeyPairPem> pair = GenerateSigningKey();
  if (!pair.ok()) {
    std::cerr << "okr keygen: " << pair.status().ToString() << "\n";
    return kExitFailure;
  }
  std::string error = WriteNew(priv, pair->private_pem, 0600);
  if (error.empty()) {
    error = WriteNew(pub, pair->public_pem, 0644);
    if (!error.empty()) ::unlink(priv.c_str());
  }
  if (!error.empty()) {
    std::cerr << "okr keygen: " << error << "; nothing written\n";
    return kExitFailure;
  }
  auto signer = ChainSigner::FromPem(pair->private_pem);
  std::cout << "private key " << priv << " (mode 0600: okr serve "
            << "--signing-key)\npublic key  " << pub
            << " (tools/verify_export.py --public-key)\nkey id      "
            << (signer.ok() ? signer.value()->key_id() : "?") << "\n";
  return kExitOk;
}

}  // namespace okr
