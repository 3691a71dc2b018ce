// ReportAnchor: what ties a printed report (the retrospective in every
// format, the window diff) to the log: the position it was computed at and
// the latest signed checkpoint (ChainHeadSigned) at or before it, so that
// the report can be checked against the log years later
// (docs/on-disk-format.md, "Signed checkpoints").
//
// Thread safety: plain values and pure functions.
#ifndef OKR_PROJECTIONS_REPORT_ANCHOR_H_
#define OKR_PROJECTIONS_REPORT_ANCHOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "events/catalogue.h"
#include "projections/json_writer.h"

namespace okr {

struct ReportAnchor {
  std::uint64_t position = 0;  // the last event the report counts
  // The checkpoint; nullopt when none was signed at or before `position`.
  std::optional<events::ChainHeadSigned> checkpoint;
};

// Members "position" and "checkpoint" ({key_id, position, hash,
// recorded_at, signature} or null) of the object being written.
void WriteAnchor(JsonWriter& w, const ReportAnchor& anchor);

// One line of plain text for people: "Computed at position N; signed
// checkpoint: position P, hash H, recorded_at T, key K, signature S" (or
// "no signed checkpoint").
std::string AnchorText(const ReportAnchor& anchor);

}  // namespace okr

#endif  // OKR_PROJECTIONS_REPORT_ANCHOR_H_
