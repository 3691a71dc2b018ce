// `okr backup --data DIR --out DIR2`: a consistent copy of a store folder,
// also while a server runs on it (then the server takes the copy, asked on
// its control socket, adapters/cli/control_socket.h). The copy holds the
// store, the newest snapshot it covers and the tokens file of DIR (mode
// 0600) if there is one. DIR2 must not exist; it is created mode 0700 and
// appears whole (engine/backup.h). Restore: `okr serve --data DIR2`.
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_BACKUP_CMD_H_
#define OKR_ADAPTERS_CLI_BACKUP_CMD_H_

#include <string>

namespace okr {

// Exit status: 0 done, 1 the copy failed, 2 bad arguments (DIR2 exists).
int RunBackup(const std::string& data_dir, const std::string& out);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_BACKUP_CMD_H_
