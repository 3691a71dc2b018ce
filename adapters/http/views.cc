#include "adapters/http/views.h"

#include <openssl/evp.h>

#include <climits>
#include <functional>
#include <map>

#include "adapters/http/json_body.h"
#include "adapters/http/json_text.h"
#include "events/event_codec.h"
#include "events/instant.h"
#include "events/utf8.h"
#include "projections/formulas.h"

namespace okr::http {
namespace {

json OrNull(const std::string& s) { return s.empty() ? json() : json(s); }

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

// The stored payload as export shows it: its JSON form at its own schema
// version, or {"undecodable": why} when the codec refuses the bytes.
json StoredDataJson(const RecordedEvent& e) {
  json data;
  std::string error;
  if (!events::StoredDataToJson(e.type, e.schema_version, e.data, &data,
                                &error)) {
    data = json{{"undecodable", error}};
  }
  return data;
}

// What people read: text that is not UTF-8 shows U+FFFD. Comparing two
// renderings this way compares what a reader of the export sees.
std::string Shown(const json& j) { return JsonText(j); }

}  // namespace

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

json CycleView(const OkrState& s, const Cycle& c, Date today) {
  int objectives = 0;
  for (const std::string& id : c.objectives) {
    if (s.FindObjective(id) != nullptr) ++objectives;
  }
  return json{{"id", c.id},
              {"name", c.name},
              {"starts_on", c.starts_on.ToString()},
              {"ends_on", c.ends_on.ToString()},
              {"state", ToString(c.state)},
              {"expected", s.ExpectedAt(c, today)},
              {"objectives", objectives},
              {"version", c.version}};
}

json KeyResultJson(const OkrState& s, const KeyResult& k, Date at) {
  KeyResultView v = s.ViewKeyResult(k, at);
  json grade;
  if (k.grade) {
    grade = json{{"score", k.grade->score},
                 {"manual", k.grade->manual},
                 {"note", OrNull(k.grade->note)}};
  }
  std::size_t check_ins = 0;
  for (const CheckIn& c : k.check_ins) check_ins += c.date <= at ? 1 : 0;
  return json{
      {"id", k.id},
      {"objective_id", k.objective_id},
      {"title", k.title},
      {"kind", k.kind},
      {"start", k.start},
      {"target", k.target},
      {"original_target", k.original_target},
      {"unit", k.unit},
      {"weight", k.weight},
      {"current", v.current},
      {"attainment", v.attainment},
      {"progress", v.progress},
      {"status", k.removed ? json() : json(formulas::StatusName(v.status))},
      {"confidence",
       v.confidence ? json(static_cast<int>(*v.confidence)) : json()},
      {"check_ins", check_ins},
      {"state", ToString(KeyResultStateOf(k.removed))},
      {"grade", grade},
      {"version", k.version}};
}

json ObjectiveJson(const OkrState& s, const Objective& o, Date at) {
  ObjectiveView v = s.ViewObjective(o, at);
  json krs = json::array();
  for (const std::string& id : o.key_results) {
    if (const KeyResult* k = s.FindKeyResult(id)) {
      krs.push_back(KeyResultJson(s, *k, at));
    }
  }
  return json{{"id", o.id},
              {"cycle_id", o.cycle_id},
              {"title", o.title},
              {"description", o.description},
              {"level", o.level},
              {"owner", o.owner},
              {"team", OrNull(o.team)},
              {"parent_id", OrNull(o.parent_id)},
              {"state", ToString(o.state)},
              {"progress", v.progress},
              {"status", formulas::StatusName(v.status)},
              {"score", OrNull(o.score)},
              {"version", o.version},
              {"key_results", std::move(krs)}};
}

json TreeJson(const OkrState& s, const Cycle& c, Date at) {
  // Children by parent, each list ordered by id (the map orders parents,
  // the cycle's objectives are sorted below).
  std::map<std::string, std::vector<const Objective*>> children;
  std::vector<const Objective*> roots;
  std::vector<const Objective*> all;
  for (const std::string& id : c.objectives) {
    if (const Objective* o = s.FindObjective(id)) all.push_back(o);
  }
  std::sort(all.begin(), all.end(), [](const Objective* a, const Objective* b) {
    return a->id < b->id;
  });
  for (const Objective* o : all) {
    if (o->parent_id && s.FindObjective(*o->parent_id) != nullptr) {
      children[*o->parent_id].push_back(o);
    } else {
      roots.push_back(o);
    }
  }
  std::function<json(const Objective*, int)> node = [&](const Objective* o,
                                                        int depth) {
    json j = ObjectiveJson(s, *o, at);
    json kids = json::array();
    if (depth < 64) {
      for (const Objective* k : children[o->id])
        kids.push_back(node(k, depth + 1));
    }
    j["children"] = std::move(kids);
    return j;
  };
  json objectives = json::array();
  for (const Objective* o : roots) objectives.push_back(node(o, 0));
  return json{{"cycle", CycleView(s, c, at)},
              {"at", at.ToString()},
              {"expected", s.ExpectedAt(c, at)},
              {"objectives", std::move(objectives)}};
}

json KpiJson(const Kpi& k) {
  const Measurement* m = k.latest();
  json latest;
  std::string health = "unknown";
  if (m != nullptr) {
    latest = json{{"value", m->value}, {"date", m->date.ToString()}};
    health = formulas::KpiHealthy(m->value, k.healthy_min, k.healthy_max)
                 ? "healthy"
                 : "unhealthy";
  }
  return json{{"id", k.id},
              {"name", k.name},
              {"unit", k.unit},
              {"owner", k.owner},
              {"healthy_min", OrNull(k.healthy_min)},
              {"healthy_max", OrNull(k.healthy_max)},
              {"cadence_days", k.cadence_days},
              {"latest", latest},
              {"health", health},
              {"version", k.version}};
}

json CheckInJson(const OkrState& s, const events::CheckInRecorded& c,
                 const KeyResult& k, std::uint64_t position, Date at) {
  return json{{"kr_id", c.kr_id},
              {"position", position},
              {"value", c.value},
              {"confidence", OrNull(c.confidence)},
              {"note", OrNull(c.note)},
              {"date", c.date.ToString()},
              {"key_result", KeyResultJson(s, k, at)}};
}

namespace {

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

json EventJson(const RecordedEvent& e) {
  json j = EnvelopeJson(e);
  for (const EnvelopeText& t : kEnvelopeTexts) {
    const std::string& v = e.*t.field;
    if (!IsValidUtf8(v)) j[std::string(t.name) + "_b64"] = Base64Encode(v);
  }
  return j;
}

bool EventFromJson(const json& j, RecordedEvent* e, std::string* error) {
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
    if (!at) {
      *error = "recorded_at is not an RFC 3339 instant";
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
      if (!events::StoredDataToJson(e->type, e->schema_version, e->data, &shown,
                                    &data_error)) {
        *error = "data_b64: " + data_error;
        return false;
      }
      if (Shown(shown) != Shown(j["data"])) {
        *error = "data does not match the bytes of data_b64";
        return false;
      }
    } else if (!events::StoredDataFromJson(e->type, e->schema_version,
                                           j["data"], &e->data, &data_error)) {
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

json ReminderJson(const DueReminder& r, const IssuedReminder* issued) {
  json deliveries = json::array();
  if (issued != nullptr) {
    for (const auto& [url, o] : issued->outcomes) {
      deliveries.push_back({{"webhook", url},
                            {"delivered", o.delivered},
                            {"attempts", o.attempts},
                            {"error", o.delivered ? json() : json(o.error)}});
    }
  }
  return json{{"kind", r.kind},
              {"subject", r.subject},
              {"recipient", r.recipient},
              {"key", r.key},
              {"issued", issued != nullptr},
              {"message", issued != nullptr ? issued->message : r.message},
              {"id", issued != nullptr ? json(issued->id) : json()},
              {"deliveries", deliveries}};
}

}  // namespace okr::http
