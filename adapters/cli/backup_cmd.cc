#include "adapters/cli/backup_cmd.h"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "adapters/cli/cli_app.h"
#include "adapters/cli/control_socket.h"
#include "engine/backup.h"
#include "engine/event_store.h"

namespace okr {
namespace {

namespace fs = std::filesystem;

// The tokens file goes with the copy, still readable by its owner only.
bool CopyTokens(const std::string& data_dir, const std::string& out) {
  std::error_code ec;
  const std::string from = data_dir + "/tokens";
  if (!fs::exists(from, ec)) return true;
  const std::string to = out + "/tokens";
  fs::copy_file(from, to, ec);
  if (!ec) {
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
  }
  if (ec) {
    std::cerr << "okr backup: could not copy the tokens file: " << ec.message()
              << "\n";
    return false;
  }
  return true;
}

int Done(const std::string& data_dir, const std::string& out,
         const BackupReport& r, const char* how) {
  if (!CopyTokens(data_dir, out)) return kExitFailure;
  std::cout << "okr backup: " << out << " holds events 1.." << r.position
            << " (" << how << ")";
  if (r.snapshot != 0) std::cout << " and the snapshot at " << r.snapshot;
  std::cout << "\nokr backup: check it with `okr verify --data " << out
            << "`; restore by starting `okr serve --data " << out << "`\n";
  return kExitOk;
}

}  // namespace

int RunBackup(const std::string& data_dir, const std::string& out) {
  std::error_code ec;
  // A dangling symbolic link exists too.
  if (fs::exists(fs::symlink_status(out, ec))) {
    std::cerr << "okr backup: the backup folder " << out
              << " exists; a backup goes into a new folder (nothing was "
                 "written)\n";
    return kExitUsage;
  }
  ec.clear();
  if (!fs::exists(data_dir + "/CURRENT", ec)) {
    std::cerr << "okr backup: " << data_dir << " holds no store\n";
    return kExitUsage;
  }
  const std::string target = fs::absolute(out, ec).lexically_normal().string();

  // A running server holds the store: it takes the copy itself.
  Result<std::string> answer = AskServer(data_dir, "backup " + target);
  if (answer.ok()) {
    std::istringstream in(answer.value());
    std::string word;
    BackupReport r;
    in >> word;
    if (word == "ok" && (in >> r.position >> r.snapshot)) {
      return Done(data_dir, out, r, "taken by the running server");
    }
    std::cerr << "okr backup: the server refused: " << answer.value() << "\n";
    return kExitFailure;
  }

  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr backup: " << store.status().ToString()
              << " (and no server answers on "
              << ControlSocket::PathFor(data_dir) << ")\n";
    return kExitFailure;
  }
  auto report = BackupDataDir(*store.value(), data_dir, target);
  store.value()->Close();
  if (!report.ok()) {
    std::cerr << "okr backup: " << report.status().ToString() << "\n";
    return kExitFailure;
  }
  return Done(data_dir, out, report.value(), "no server was running");
}

}  // namespace okr
