// Fuzz target: the binary (cereal portable binary) payload of an event, as
// stored in the log, through events::Decode.
//
// Input: byte 0 picks a (type, schema version) from KnownVersions(); the
// rest is the payload. Invariants when the payload decodes:
//   - the event re-encodes, and its encoding decodes again to an event
//     that encodes to the same bytes (binary round trip);
//   - StoredDataToJson agrees that the payload is well-formed;
//   - the JSON form renders (ToJson) without crashing.
// A payload that does not decode must be refused with an error message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "events/event_codec.h"

namespace {

const std::vector<okr::events::KnownVersion>& Versions() {
  static const auto* versions =
      new std::vector<okr::events::KnownVersion>(okr::events::KnownVersions());
  return *versions;
}

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace okr::events;
  if (size < 1) return 0;
  const KnownVersion& v = Versions()[data[0] % Versions().size()];
  std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);

  Event event;
  std::string error;
  bool ok = Decode(v.type, v.schema_version, payload, &event, &error);
  nlohmann::json as_json;
  std::string json_error;
  bool json_ok = StoredDataToJson(v.type, v.schema_version, payload, &as_json,
                                  &json_error);
  Check(ok == json_ok);
  if (!ok) {
    Check(!error.empty());
    return 0;
  }
  // Upcasting keeps the type name; the version becomes the current one.
  Check(TypeOf(event) == v.type);
  std::string bytes = EncodeData(event);
  Event again;
  Check(Decode(TypeOf(event), SchemaVersionOf(event), bytes, &again, &error));
  Check(EncodeData(again) == bytes);
  Check(ToJson(event).is_object());
  return 0;
}
