// Backup: a consistent copy of a data folder, taken while it is in use.
//
// The copy holds the store as of one instant between two commit groups
// (EventStore::Backup: a RocksDB checkpoint; tables are hard-linked when the
// copy is on the same filesystem, so it costs little room until compaction
// rewrites them) and the newest snapshot at or before that position (a
// speed-up only: a start without it replays the log). Restoring is starting
// on the copy. Secrets such as the tokens file are the caller's business.
//
// Thread safety: BackupDataDir may run while the store takes commands;
// writes wait for the checkpoint (a memtable flush and the links).
#ifndef OKR_ENGINE_BACKUP_H_
#define OKR_ENGINE_BACKUP_H_

#include <cstdint>
#include <string>

#include "engine/event_store.h"
#include "engine/status.h"

namespace okr {

struct BackupReport {
  std::uint64_t position = 0;  // the copy holds events 1..position
  std::uint64_t snapshot = 0;  // the snapshot copied with it (0: none)
};

// Copies the store open as `store` on `data_dir` into `out`, which must not
// exist, not even as a dangling symbolic link (InvalidArgument naming it
// otherwise; nothing is written then), and whose parent folder must exist.
//
// `out` appears whole or not at all, mode 0700 (owner only: the copy holds
// every event): the copy is taken in a fresh 0700 staging folder beside it
// (`<parent>/.okr-backup-XXXXXX`, removed afterwards, also on failure) and
// renamed into place without replacing anything, so an `out` created
// meanwhile by someone else is refused too. A crash midway may leave a
// staging folder behind, never a partial `out`.
Result<BackupReport> BackupDataDir(EventStore& store,
                                   const std::string& data_dir,
                                   const std::string& out);

}  // namespace okr

#endif  // OKR_ENGINE_BACKUP_H_
