#include "engine/backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "engine/snapshot_store.h"

namespace okr {
namespace {

namespace fs = std::filesystem;

// rename(2) replaces an empty folder at `to`; RENAME_NOREPLACE does not.
int RenameNoReplace(const std::string& from, const std::string& to) {
#ifndef RENAME_NOREPLACE
  constexpr unsigned RENAME_NOREPLACE = 1;
#endif
  return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, from.c_str(),
                                    AT_FDCWD, to.c_str(), RENAME_NOREPLACE));
}

// The newest snapshot the copy's log covers, into `to_dir`/snapshots (mode
// 0700). Snapshot files never change once written (a new one is renamed
// into place), so a hard link is a copy; one pruned meanwhile is simply not
// taken. Returns its position, 0 for none.
std::uint64_t CopySnapshot(const std::string& data_dir,
                           const std::string& to_dir, std::uint64_t position) {
  std::error_code ec;
  // Before SnapshotStore, which would create it with the umask's mode.
  const std::string to_snapshots = to_dir + "/snapshots";
  if (::mkdir(to_snapshots.c_str(), 0700) != 0 && errno != EEXIST) return 0;
  SnapshotStore from(data_dir + "/snapshots");
  SnapshotStore to(to_snapshots);
  std::vector<std::uint64_t> snaps = from.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    if (*it > position) continue;
    fs::create_hard_link(from.PathOf(*it), to.PathOf(*it), ec);
    if (ec) {
      ec.clear();
      fs::copy_file(from.PathOf(*it), to.PathOf(*it), ec);
    }
    if (!ec) return *it;
    fs::remove(to.PathOf(*it), ec);
  }
  return 0;
}

}  // namespace

Result<BackupReport> BackupDataDir(EventStore& store,
                                   const std::string& data_dir,
                                   const std::string& out) {
  std::error_code ec;
  if (out.empty()) return Status::InvalidArgument("no backup folder given");
  // A dangling symbolic link exists too.
  if (fs::exists(fs::symlink_status(out, ec))) {
    return Status::InvalidArgument("the backup folder " + out +
                                   " exists; a backup goes into a new "
                                   "folder");
  }
  fs::path parent = fs::path(out).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) {
    return Status::InvalidArgument("the backup folder's parent " +
                                   parent.string() + " is not a folder");
  }
  std::string staging = (parent / ".okr-backup-XXXXXX").string();
  if (::mkdtemp(staging.data()) == nullptr) {  // mode 0700
    return Status::IOError("cannot create a staging folder in " +
                           parent.string() + ": " + std::strerror(errno));
  }
  auto cleanup = [&] { fs::remove_all(staging, ec); };
  const std::string copy = staging + "/copy";

  Result<std::uint64_t> position = store.Backup(copy);
  if (!position.ok()) {
    cleanup();
    return position.status();
  }
  BackupReport report;
  report.position = position.value();
  report.snapshot = CopySnapshot(data_dir, copy, report.position);

  if (::chmod(copy.c_str(), 0700) != 0) {
    Status s = Status::IOError("cannot make " + copy +
                               " mode 0700: " + std::strerror(errno));
    cleanup();
    return s;
  }
  if (RenameNoReplace(copy, out) != 0) {
    const int err = errno;
    cleanup();
    if (err == EEXIST || err == ENOTEMPTY) {
      return Status::InvalidArgument("the backup folder " + out +
                                     " was created meanwhile; nothing was "
                                     "written there");
    }
    return Status::IOError("cannot rename the copy into " + out + ": " +
                           std::strerror(err));
  }
  cleanup();
  return report;
}

}  // namespace okr
