// Fuzz target: one line of an `okr export` file through the import decoder
// (DecodeExportLine, adapters/cli/export_import.h).
//
// Invariants when the line decodes into a RecordedEvent:
//   - its data are bytes the codec decodes (events::Decode), since import
//     rebuilt them from the JSON form;
//   - export then import is the identity: ExportJson() of the event, dumped
//     as export dumps it (U+FFFD for text that is not UTF-8, which data_b64
//     may carry) and decoded again, gives the same RecordedEvent (every
//     envelope field and the data bytes);
//   - the integer members are what the event holds (nothing silently
//     truncated).
// A line that does not decode must be refused with a reason.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/cli/export_import.h"
#include "events/event_codec.h"
#include "events/export_format.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  okr::RecordedEvent e;
  std::string why;
  if (!okr::DecodeExportLine(line, &e, &why)) {
    Check(!why.empty());
    return 0;
  }
  okr::events::Event event;
  std::string error;
  Check(okr::events::Decode(e, &event, &error));

  nlohmann::json original = nlohmann::json::parse(line);
  Check(original["position"].get<std::uint64_t>() == e.position);
  Check(original["version"].get<std::uint64_t>() == e.version);
  Check(original["schema_version"].get<std::uint64_t>() == e.schema_version);

  std::string exported = okr::events::ExportJson(e).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  okr::RecordedEvent again;
  Check(okr::DecodeExportLine(exported, &again, &why));
  Check(again == e);
  return 0;
}
