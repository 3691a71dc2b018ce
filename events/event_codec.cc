#include "events/event_codec.h"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "events/bounded_input_archive.h"

namespace okr::events {
namespace {

using nlohmann::json;

// ---- field-level JSON ----

void FieldToJson(json& j, const char* name, const std::string& v) {
  j[name] = v;
}
void FieldToJson(json& j, const char* name, double v) { j[name] = v; }
void FieldToJson(json& j, const char* name, bool v) { j[name] = v; }
void FieldToJson(json& j, const char* name, std::int32_t v) { j[name] = v; }
void FieldToJson(json& j, const char* name, std::uint64_t v) { j[name] = v; }
void FieldToJson(json& j, const char* name, const Date& v) {
  j[name] = v.ToString();
}
void FieldToJson(json& j, const char* name, const std::vector<std::string>& v) {
  j[name] = v;
}
template <class T>
void FieldToJson(json& j, const char* name, const std::optional<T>& v) {
  if (v) {
    FieldToJson(j, name, *v);
  } else {
    j[name] = nullptr;
  }
}

bool FieldFromJson(const json& j, std::string* v) {
  if (!j.is_string()) return false;
  *v = j.get<std::string>();
  return true;
}
bool FieldFromJson(const json& j, std::vector<std::string>* v) {
  if (!j.is_array()) return false;
  v->clear();
  for (const json& x : j) {
    if (!x.is_string()) return false;
    v->push_back(x.get<std::string>());
  }
  return true;
}
bool FieldFromJson(const json& j, double* v) {
  if (!j.is_number()) return false;
  *v = j.get<double>();
  return std::isfinite(*v);
}
bool FieldFromJson(const json& j, bool* v) {
  if (!j.is_boolean()) return false;
  *v = j.get<bool>();
  return true;
}
bool FieldFromJson(const json& j, std::int32_t* v) {
  if (!j.is_number_integer()) return false;
  auto n = j.get<std::int64_t>();
  if (n < INT32_MIN || n > INT32_MAX) return false;
  *v = static_cast<std::int32_t>(n);
  return true;
}
bool FieldFromJson(const json& j, std::uint64_t* v) {
  if (!j.is_number_unsigned()) return false;
  *v = j.get<std::uint64_t>();
  return true;
}
bool FieldFromJson(const json& j, Date* v) {
  if (!j.is_string()) return false;
  auto d = Date::Parse(j.get<std::string>());
  if (!d) return false;
  *v = *d;
  return true;
}
template <class T>
bool FieldFromJson(const json& j, std::optional<T>* v) {
  if (j.is_null()) {
    v->reset();
    return true;
  }
  T inner{};
  if (!FieldFromJson(j, &inner)) return false;
  *v = std::move(inner);
  return true;
}
template <class T>
constexpr bool kIsOptional = false;
template <class T>
constexpr bool kIsOptional<std::optional<T>> = true;

// ---- whole events ----

template <class T>
std::string EncodeStruct(T value) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    value.Visit([&](const char*, auto& field) { ar(field); });
  }
  return out.str();
}

bool InJsonRange(Date d) {
  static const Date first = *Date::Parse("0000-01-01");
  static const Date last = *Date::Parse("9999-12-31");
  return first <= d && d <= last;
}

// Through BoundedInputArchive: a size prefix is checked against the bytes
// left before anything is allocated for it.
template <class T>
bool DecodeStruct(const std::string& data, T* out, std::string* error) {
  T value;
  std::size_t left = 0;
  try {
    BoundedInputArchive ar(data);
    value.Visit([&](const char*, auto& field) { ar(field); });
    left = ar.remaining();
  } catch (const std::exception& e) {
    *error = std::string(T::kType) + " payload is malformed: " + e.what();
    return false;
  }
  if (left != 0) {
    *error = std::string(T::kType) + " payload has trailing bytes";
    return false;
  }
  // Dates are what the JSON form writes and reads: years 0000 to 9999.
  // (Beyond them the calendar arithmetic overflows; found by
  // tests/fuzz/fuzz_event_cereal.)
  bool dates_ok = true;
  value.Visit([&](const char* name, auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, Date>) {
      if (dates_ok && !InJsonRange(field)) {
        dates_ok = false;
        *error = std::string(T::kType) + " payload has '" + name +
                 "' outside the years 0000-9999";
      }
    }
  });
  if (!dates_ok) return false;
  *out = std::move(value);
  return true;
}

template <class T>
json StructToJson(T value) {
  json j = json::object();
  value.Visit(
      [&](const char* name, auto& field) { FieldToJson(j, name, field); });
  return j;
}

template <class T>
bool StructFromJson(const json& j, T* out, std::string* error) {
  if (!j.is_object()) {
    *error = std::string(T::kType) + " data must be a JSON object";
    return false;
  }
  T value;
  std::set<std::string> known;
  bool ok = true;
  value.Visit([&](const char* name, auto& field) {
    known.insert(name);
    if (!ok) return;
    auto it = j.find(name);
    if (it == j.end()) {
      if (!kIsOptional<std::decay_t<decltype(field)>>) {
        ok = false;
        *error = std::string(T::kType) + " data lacks '" + name + "'";
      }
      return;
    }
    if (!FieldFromJson(*it, &field)) {
      ok = false;
      *error = std::string(T::kType) + " data has a bad '" + name + "'";
    }
  });
  if (!ok) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known.count(it.key())) {
      *error = std::string(T::kType) + " data has an unknown member '" +
               it.key() + "'";
      return false;
    }
  }
  *out = std::move(value);
  return true;
}

// ---- upcasters: old schema versions to the current type ----

Event Upcast(CheckInRecordedV1 v1) {
  CheckInRecorded v2;
  v2.kr_id = std::move(v1.kr_id);
  v2.value = v1.value;
  v2.confidence = v1.confidence;
  v2.note = std::move(v1.note);
  v2.date = v1.date;
  v2.source = "api";
  return v2;
}
template <class T>
Event Upcast(T current) {
  return Event(std::move(current));
}

// ---- the registry of (type, version) ----

struct Codec {
  std::function<bool(const std::string&, Event*, std::string*)> decode;
  std::function<bool(const std::string&, json*, std::string*)> to_json;
  std::function<bool(const json&, std::string*, std::string*)> from_json;
  bool current;
};

template <class T>
Codec MakeCodec(bool current) {
  Codec c;
  c.decode = [](const std::string& data, Event* out, std::string* error) {
    T value;
    if (!DecodeStruct(data, &value, error)) return false;
    *out = Upcast(std::move(value));
    return true;
  };
  c.to_json = [](const std::string& data, json* out, std::string* error) {
    T value;
    if (!DecodeStruct(data, &value, error)) return false;
    *out = StructToJson(std::move(value));
    return true;
  };
  c.from_json = [](const json& j, std::string* data, std::string* error) {
    T value;
    if (!StructFromJson(j, &value, error)) return false;
    *data = EncodeStruct(std::move(value));
    return true;
  };
  c.current = current;
  return c;
}

using Registry = std::map<std::pair<std::string, std::uint32_t>, Codec>;

template <class... Ts>
void RegisterCurrent(Registry& r, std::variant<Ts...>*) {
  (r.emplace(std::make_pair(std::string(Ts::kType), Ts::kSchemaVersion),
             MakeCodec<Ts>(true)),
   ...);
}

const Registry& TheRegistry() {
  static const Registry* registry = [] {
    auto* r = new Registry();
    RegisterCurrent(*r, static_cast<Event*>(nullptr));
    r->emplace(std::make_pair(std::string(CheckInRecordedV1::kType),
                              CheckInRecordedV1::kSchemaVersion),
               MakeCodec<CheckInRecordedV1>(false));
    return r;
  }();
  return *registry;
}

const Codec* Find(const std::string& type, std::uint32_t version,
                  std::string* error) {
  const Registry& r = TheRegistry();
  auto it = r.find({type, version});
  if (it == r.end()) {
    *error =
        "unknown event type " + type + " version " + std::to_string(version);
    return nullptr;
  }
  return &it->second;
}

}  // namespace

const char* TypeOf(const Event& e) {
  return std::visit([](const auto& v) { return +v.kType; }, e);
}

std::uint32_t SchemaVersionOf(const Event& e) {
  return std::visit([](const auto& v) { return v.kSchemaVersion; }, e);
}

std::string StreamOf(const Event& e) {
  return std::visit(
      [](const auto& v) {
        return std::string(v.kStreamKind) + "/" + v.stream_id();
      },
      e);
}

std::string EncodeData(const Event& e) {
  return std::visit([](const auto& v) { return EncodeStruct(v); }, e);
}

NewEvent ToNewEvent(const Event& e) {
  return NewEvent{StreamOf(e), TypeOf(e), SchemaVersionOf(e), EncodeData(e)};
}

bool Decode(const std::string& type, std::uint32_t schema_version,
            const std::string& data, Event* out, std::string* error) {
  const Codec* c = Find(type, schema_version, error);
  return c != nullptr && c->decode(data, out, error);
}

bool Decode(const RecordedEvent& recorded, Event* out, std::string* error) {
  return Decode(recorded.type, recorded.schema_version, recorded.data, out,
                error);
}

json ToJson(const Event& e) {
  return std::visit([](const auto& v) { return StructToJson(v); }, e);
}

bool StoredDataToJson(const std::string& type, std::uint32_t schema_version,
                      const std::string& data, json* out, std::string* error) {
  const Codec* c = Find(type, schema_version, error);
  return c != nullptr && c->to_json(data, out, error);
}

bool StoredDataFromJson(const std::string& type, std::uint32_t schema_version,
                        const json& j, std::string* data, std::string* error) {
  const Codec* c = Find(type, schema_version, error);
  return c != nullptr && c->from_json(j, data, error);
}

std::vector<KnownVersion> KnownVersions() {
  std::vector<KnownVersion> out;
  for (const auto& [key, codec] : TheRegistry()) {
    out.push_back({key.first, key.second, codec.current});
  }
  return out;
}

}  // namespace okr::events
