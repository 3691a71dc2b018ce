#include "engine/backup.h"

#include <filesystem>
#include <system_error>

#include "engine/snapshot_store.h"

namespace okr {

namespace fs = std::filesystem;

Result<BackupReport> BackupDataDir(EventStore& store,
                                   const std::string& data_dir,
                                   const std::string& out) {
  std::error_code ec;
  if (out.empty()) return Status::InvalidArgument("no backup folder given");
  if (fs::exists(out, ec)) {
    return Status::InvalidArgument(out +
                                   " exists; a backup goes into a new "
                                   "folder");
  }
  Result<std::uint64_t> position = store.Backup(out);
  if (!position.ok()) return position.status();
  BackupReport report;
  report.position = position.value();

  // The newest snapshot the copy's log covers. Snapshot files never change
  // once written (a new one is renamed into place), so a hard link is a
  // copy; one pruned meanwhile is simply not taken.
  SnapshotStore from(data_dir + "/snapshots");
  SnapshotStore to(out + "/snapshots");
  std::vector<std::uint64_t> snaps = from.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    if (*it > report.position) continue;
    fs::create_directories(to.dir(), ec);
    if (ec) break;
    fs::create_hard_link(from.PathOf(*it), to.PathOf(*it), ec);
    if (ec) {
      ec.clear();
      fs::copy_file(from.PathOf(*it), to.PathOf(*it), ec);
    }
    if (!ec) {
      report.snapshot = *it;
      break;
    }
    fs::remove(to.PathOf(*it), ec);
  }
  return report;
}

}  // namespace okr
