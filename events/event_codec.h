// EventCodec: the binary and JSON forms of the catalogue's events, and the
// upcasters of old schema versions.
//
// Thread safety: stateless functions, safe from any thread.
//
// Binary form (the envelope's `data`): cereal's portable binary archive of
// the fields in Visit() order. JSON form: an object with one member per
// field; optional fields are null when absent, dates are "YYYY-MM-DD".
#ifndef OKR_EVENTS_EVENT_CODEC_H_
#define OKR_EVENTS_EVENT_CODEC_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "events/catalogue.h"
#include "events/envelope.h"

namespace okr::events {

const char* TypeOf(const Event& e);
std::uint32_t SchemaVersionOf(const Event& e);
// The stream the event belongs to: "<kind>/<id>".
std::string StreamOf(const Event& e);

// The binary payload of the event at its current schema version.
std::string EncodeData(const Event& e);
// The event ready to append: stream, type, schema version, payload.
NewEvent ToNewEvent(const Event& e);

// Decodes a stored payload of `type` at `schema_version`, upcasting old
// versions to the current type. Returns false, with *error set, on an
// unknown type or version, or malformed bytes (truncated or trailing).
bool Decode(const std::string& type, std::uint32_t schema_version,
            const std::string& data, Event* out, std::string* error);
bool Decode(const RecordedEvent& recorded, Event* out, std::string* error);

// The JSON form of the event (current schema version).
nlohmann::json ToJson(const Event& e);

// The JSON form of a stored payload exactly as stored, at its own schema
// version (not upcast): what export and the events API show, so that import
// can rebuild the same bytes.
bool StoredDataToJson(const std::string& type, std::uint32_t schema_version,
                      const std::string& data, nlohmann::json* out,
                      std::string* error);
// The inverse: the binary payload of `type` at `schema_version` from its
// JSON form. Strict: unknown members, missing required members and wrong
// types are errors.
bool StoredDataFromJson(const std::string& type, std::uint32_t schema_version,
                        const nlohmann::json& json, std::string* data,
                        std::string* error);

// Every (type, schema version) the codec reads, current and old.
struct KnownVersion {
  std::string type;
  std::uint32_t schema_version;
  bool current;
};
std::vector<KnownVersion> KnownVersions();

}  // namespace okr::events

#endif  // OKR_EVENTS_EVENT_CODEC_H_
