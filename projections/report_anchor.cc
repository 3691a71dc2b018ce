#include "projections/report_anchor.h"

namespace okr {

void WriteAnchor(JsonWriter& w, const ReportAnchor& anchor) {
  w.Key("position").Int(static_cast<std::int64_t>(anchor.position));
  w.Key("checkpoint");
  if (!anchor.checkpoint) {
    w.Null();
    return;
  }
  const events::ChainHeadSigned& c = *anchor.checkpoint;
  w.BeginObject()
      .Field("key_id", c.key_id)
      .Key("position")
      .Int(static_cast<std::int64_t>(c.position));
  w.Field("hash", c.hash)
      .Field("recorded_at", c.recorded_at)
      .Field("signature", c.signature)
      .EndObject();
}

std::string AnchorText(const ReportAnchor& anchor) {
  std::string text =
      "Computed at log position " + std::to_string(anchor.position) + "; ";
  if (!anchor.checkpoint) return text + "no signed checkpoint.";
  const events::ChainHeadSigned& c = *anchor.checkpoint;
  return text + "signed checkpoint: position " + std::to_string(c.position) +
         ", hash " + c.hash + ", recorded_at " + c.recorded_at + ", key " +
         c.key_id + ", signature " + c.signature + ".";
}

}  // namespace okr
