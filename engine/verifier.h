// Verifier: recomputes the hash chain and every index of a store from its
// files, without trusting any of them. This is what `okr verify` runs.
//
// Thread safety: VerifyStore may run in any thread, also while a server
// writes to the same folder (it reads a read-only view of the moment it
// opens).
#ifndef OKR_ENGINE_VERIFIER_H_
#define OKR_ENGINE_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"
#include "events/envelope.h"

namespace okr {

struct VerifyReport {
  bool ok = false;
  std::uint64_t events = 0;   // events whose envelope and hash were checked
  std::uint64_t streams = 0;  // distinct streams seen
  Hash head_hash{};           // hash of the last event (zeros if empty)
  // When !ok: the first position found bad (0 if the fault is not tied to a
  // position, such as a malformed head record) and what is wrong with it.
  std::uint64_t first_bad_position = 0;
  std::string problem;
  // The snapshots in <path>/snapshots, oldest first, when the log verified:
  // whether the engine would use each one, and if not, why (it does not
  // check out, does not parse, or is not bound to this log). Snapshots are
  // a cache: one that would be ignored does not make the store bad.
  struct Snapshot {
    std::uint64_t position = 0;
    std::string file;
    bool usable = false;
    std::string why_ignored;  // empty when usable
  };
  std::vector<Snapshot> snapshots;
};

// What verify proves: positions 1..N are all present and gapless; each event
// is stored under its own position; every hash equals SHA-256(prev_hash ||
// envelope) and every prev_hash the hash before it; recorded_at never
// decreases; stream versions are gapless from 1; the stream index, the chain
// head and the idempotency records agree with the log. Then it reads every
// snapshot and reports which the engine would ignore (VerifyReport).
// Returns a report (ok or not) when the store could be read at all; an
// error Status when it cannot be opened.
Result<VerifyReport> VerifyStore(const std::string& path);

}  // namespace okr

#endif  // OKR_ENGINE_VERIFIER_H_
