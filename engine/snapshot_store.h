// SnapshotStore: files holding the current state at a log position, so that
// start-up and time travel replay only the tail of the log.
//
// Thread safety: Write() from one thread at a time; List() and Load() from
// any thread, concurrently with Write() (a snapshot appears by an atomic
// rename, whole or not at all).
//
// File format: one file per snapshot, named state-<position, 20 digits>.snap
// in the snapshot folder; the grammar (magic, le32 format_version, le64
// position and body_size, body_sha256, chain_hash, the cereal body) is
// written down once, in docs/on-disk-format.md ("Snapshots").
//
// A file whose magic, version, size, digest or body does not check out is
// not used: Load() says why and the caller falls back to an older snapshot
// or to the log. The snapshot is bound to the log it was taken from: a
// reader uses it only if the log's hash at `position` equals chain_hash (a
// snapshot past the end of a log shortened by a crash in async mode, or
// from another store, is ignored). Bump kFormatVersion whenever OkrState's
// serialized fields change; old files are then ignored (and replaced by the
// next snapshot), never misread.
#ifndef OKR_ENGINE_SNAPSHOT_STORE_H_
#define OKR_ENGINE_SNAPSHOT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "events/envelope.h"
#include "projections/okr_state.h"

namespace okr {

class SnapshotStore {
 public:
  // 5: each entity's lineage (creation and revisions, for time travel);
  // 4 lacked it, 3 the digests, 2 the chain hash, 1 the change records.
  static constexpr std::uint32_t kFormatVersion = 6;

  // Creates `dir` (and its parent) mode 0700 if they do not exist.
  explicit SnapshotStore(std::string dir);

  // Writes `state` as the snapshot at state.last_position(), bound to the
  // log whose event there has hash `chain_hash`: to a temporary file,
  // fsynced, renamed into place, the folder fsynced.
  Status Write(const OkrState& state, const Hash& chain_hash) const;

  // Positions of the snapshot files present, ascending (not yet checked).
  std::vector<std::uint64_t> List() const;

  // Loads the snapshot at `position` into *state (replacing it), and
  // *chain_hash (if not null) the hash it is bound to. Corruption with the
  // reason when the file does not check out; *state is then unspecified.
  // The checks and the result of ReadBody() then Parse(), but the file is
  // read twice a chunk at a time, through the digest and then, once it
  // checks out, through the parser: the body is never held in memory
  // beside the state, and no byte of a damaged file is parsed. IOError if
  // the file cannot be read.
  Status Load(std::uint64_t position, OkrState* state,
              Hash* chain_hash = nullptr) const;

  // The checked body of the snapshot at `position`: the file read once,
  // its header and digest verified; *chain_hash (if not null) the hash it
  // is bound to. NotFound if there is none.
  Status ReadBody(std::uint64_t position, std::string* body,
                  Hash* chain_hash = nullptr) const;
  // The checks of ReadBody() on the bytes of a whole file (`name` is used in
  // messages): magic, format version, position, size and digest. On success
  // *body holds the body and *chain_hash (if not null) the chain hash;
  // Corruption otherwise.
  static Status CheckFile(std::string bytes, std::uint64_t position,
                          const std::string& name, std::string* body,
                          Hash* chain_hash = nullptr);
  // Deserializes a body from ReadBody() into *state (whose History mode it
  // keeps). Safe to call from several threads on the same body.
  static Status Parse(std::string_view body, std::uint64_t position,
                      OkrState* state);

  // Whether a snapshot at `position` bound to `chain_hash` belongs to a log
  // whose hash there is *log_hash (nullopt: the log ends before
  // `position`). OK, or Corruption naming `name` and saying why it must be
  // ignored.
  static Status CheckBinding(const std::string& name, std::uint64_t position,
                             const Hash& chain_hash,
                             const std::optional<Hash>& log_hash);

  // Removes the snapshot at `position` (for tests and pruning).
  Status Remove(std::uint64_t position) const;

  // Retention: keeps the newest `keep_latest` snapshots and, of the older
  // ones, the first in each span of `keep_every` positions (0: none of
  // them); removes the rest. Returns how many it removed.
  std::size_t Prune(std::uint64_t keep_every, std::size_t keep_latest) const;

  std::string PathOf(std::uint64_t position) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace okr

#endif  // OKR_ENGINE_SNAPSHOT_STORE_H_
