#include "events/export_format.h"

#include <openssl/evp.h>

#include <climits>
#include <iterator>
#include <optional>

#include "events/event_codec.h"
#include "events/instant.h"
#include "events/utf8.h"

namespace okr::events {
namespace {

using nlohmann::json;

// The stored payload as export shows it: its JSON form at its own schema
// version, or {"undecodable": why} when the codec refuses the bytes.
json StoredDataJson(const RecordedEvent& e) {
  json data;
  std::string error;
  if (!StoredDataToJson(e.type, e.schema_version, e.data, &data, &error)) {
    data = json{{"undecodable", error}};
  }
  return data;
}

// What people read: text that is not UTF-8 shows U+FFFD. Comparing two
// renderings this way compares what a reader of the export sees.
std::string Shown(const json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false,
                json::error_handler_t::replace);
}

// The envelope's text members. One that is not UTF-8 (an actor from a tokens
// file of an older release) also travels as "<name>_b64", its exact bytes,
// so that an export still restores what the hash covers.
struct EnvelopeText {
  const char* name;
  std::string RecordedEvent::*field;
};
constexpr EnvelopeText kEnvelopeTexts[] = {
    {"stream", &RecordedEvent::stream},
    {"type", &RecordedEvent::type},
    {"actor", &RecordedEvent::actor},
    {"command_id", &RecordedEvent::command_id}};

json EnvelopeJson(const RecordedEvent& e) {
  return json{{"position", e.position},
              {"stream", e.stream},
              {"version", e.version},
              {"type", e.type},
              {"schema_version", e.schema_version},
              {"recorded_at", FormatInstant(e.recorded_at_us)},
              {"actor", e.actor},
              {"command_id", e.command_id},
              {"data", StoredDataJson(e)},
              {"data_b64", Base64Encode(e.data)},
              {"prev_hash", HashToHex(e.prev_hash)},
              {"hash", HashToHex(e.hash)}};
}

}  // namespace

json ExportJson(const RecordedEvent& e) {
  json j = EnvelopeJson(e);
  for (const EnvelopeText& t : kEnvelopeTexts) {
    const std::string& v = e.*t.field;
    if (!IsValidUtf8(v)) j[std::string(t.name) + "_b64"] = Base64Encode(v);
  }
  return j;
}

std::string ExportLine(const RecordedEvent& e) {
  return ExportJson(e).dump(-1, ' ', /*ensure_ascii=*/false,
                            nlohmann::json::error_handler_t::replace);
}

bool FromExportJson(const json& j, RecordedEvent* e, std::string* error) {
  static const char* kMembers[] = {
      "position",       "stream",      "version", "type",
      "schema_version", "recorded_at", "actor",   "command_id",
      "data",           "prev_hash",   "hash"};
  if (!j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  for (const char* m : kMembers) {
    if (!j.contains(m)) {
      *error = std::string("missing ") + m;
      return false;
    }
  }
  const bool has_bytes = j.contains("data_b64");
  std::size_t optional = has_bytes ? 1 : 0;
  for (const EnvelopeText& t : kEnvelopeTexts) {
    optional += j.contains(std::string(t.name) + "_b64") ? 1 : 0;
  }
  if (j.size() != std::size(kMembers) + optional) {
    *error = "unknown members";
    return false;
  }
  try {
    if (!j["position"].is_number_unsigned() ||
        !j["version"].is_number_unsigned() ||
        !j["schema_version"].is_number_unsigned()) {
      *error = "position, version and schema_version must be integers";
      return false;
    }
    e->position = j["position"].get<std::uint64_t>();
    e->stream = j["stream"].get<std::string>();
    e->version = j["version"].get<std::uint64_t>();
    e->type = j["type"].get<std::string>();
    e->schema_version = j["schema_version"].get<std::uint32_t>();
    std::optional<std::int64_t> at =
        ParseInstant(j["recorded_at"].get<std::string>());
    if (!at || FormatInstant(*at) != j["recorded_at"].get<std::string>()) {
      *error = "recorded_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ";
      return false;
    }
    e->recorded_at_us = *at;
    e->actor = j["actor"].get<std::string>();
    e->command_id = j["command_id"].get<std::string>();
    for (const EnvelopeText& t : kEnvelopeTexts) {
      auto bytes = j.find(std::string(t.name) + "_b64");
      if (bytes == j.end()) continue;
      // The exact bytes; the text member must show them (U+FFFD for what
      // is not UTF-8), so that an edit of either is refused.
      std::string& field = e->*t.field;
      if (!Base64Decode(bytes->get<std::string>(), &field) ||
          ToValidUtf8(field) != ToValidUtf8(j[t.name].get<std::string>())) {
        *error =
            std::string(t.name) + "_b64 does not hold the bytes of " + t.name;
        return false;
      }
    }
    if (!HashFromHex(j["prev_hash"].get<std::string>(), &e->prev_hash) ||
        !HashFromHex(j["hash"].get<std::string>(), &e->hash)) {
      *error = "prev_hash and hash must be 64 hex digits";
      return false;
    }
    std::string data_error;
    if (has_bytes) {
      // The stored bytes themselves: they restore an event exactly, also one
      // whose text is not UTF-8 (which `data` shows as U+FFFD). `data` must
      // still say what the bytes hold, so that an edit of either is refused.
      if (!Base64Decode(j["data_b64"].get<std::string>(), &e->data)) {
        *error = "data_b64 is not canonical base64";
        return false;
      }
      json shown;
      if (!StoredDataToJson(e->type, e->schema_version, e->data, &shown,
                            &data_error)) {
        *error = "data_b64: " + data_error;
        return false;
      }
      if (Shown(shown) != Shown(j["data"])) {
        *error = "data does not match the bytes of data_b64";
        return false;
      }
    } else if (!StoredDataFromJson(e->type, e->schema_version, j["data"],
                                   &e->data, &data_error)) {
      // An export from before data_b64: the bytes rebuilt from the JSON form.
      *error = "data: " + data_error;
      return false;
    }
  } catch (const json::exception& x) {
    *error = std::string("wrong type: ") + x.what();
    return false;
  }
  return true;
}

std::string Base64Encode(std::string_view bytes) {
  // Payloads are bounded far below INT_MAX (the store caps an event's size).
  if (bytes.size() > static_cast<std::size_t>(INT_MAX / 4 * 3)) return {};
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0 || text.size() > static_cast<std::size_t>(INT_MAX)) {
    return false;
  }
  std::string bytes(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  if (static_cast<std::size_t>(n) < pad) return false;
  bytes.resize(static_cast<std::size_t>(n) - pad);
  // Canonical form only (EVP_DecodeBlock skips blanks and ignores the unused
  // bits): the bytes must encode back to the same text.
  if (Base64Encode(bytes) != text) return false;
  *out = std::move(bytes);
  return true;
}

}  // namespace okr::events
