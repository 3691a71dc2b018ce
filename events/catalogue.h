// The event catalogue: one type per domain event (events/CATALOGUE.md).
//
// Thread safety: plain values.
//
// Each type names itself (kType), its current schema version, the kind of
// stream it is appended to and the field that holds the stream's id, and
// lists its fields once, in Visit(). The binary form (cereal portable binary,
// fields in Visit() order) and the JSON form (one member per field, same
// names) are both derived from Visit(), in event_codec.cc. Field meanings
// and version history: events/CATALOGUE.md. A field appended to Visit()
// needs a schema version bump and an upcaster for the old form.
#ifndef OKR_EVENTS_CATALOGUE_H_
#define OKR_EVENTS_CATALOGUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "events/date.h"

namespace okr::events {

using OptString = std::optional<std::string>;
using OptDouble = std::optional<double>;
using OptInt = std::optional<std::int32_t>;

// ---- cycles: stream cycle/<cycle_id> ----

struct CycleCreated {
  static constexpr char kType[] = "CycleCreated";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "cycle";
  std::string cycle_id, name;
  Date starts_on, ends_on;
  const std::string& stream_id() const { return cycle_id; }
  template <class V>
  void Visit(V&& v) {
    v("cycle_id", cycle_id), v("name", name), v("starts_on", starts_on),
        v("ends_on", ends_on);
  }
};

// A state change of a cycle: only its id.
#define OKR_CYCLE_TRANSITION(Name)                            \
  struct Name {                                               \
    static constexpr char kType[] = #Name;                    \
    static constexpr std::uint32_t kSchemaVersion = 1;        \
    static constexpr char kStreamKind[] = "cycle";            \
    std::string cycle_id;                                     \
    const std::string& stream_id() const { return cycle_id; } \
    template <class V>                                        \
    void Visit(V&& v) {                                       \
      v("cycle_id", cycle_id);                                \
    }                                                         \
  }
OKR_CYCLE_TRANSITION(CycleStarted);
OKR_CYCLE_TRANSITION(CycleClosed);
#undef OKR_CYCLE_TRANSITION

struct RetrospectiveNoteAdded {
  static constexpr char kType[] = "RetrospectiveNoteAdded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "cycle";
  std::string cycle_id;
  OptString objective_id;
  std::string text;
  const std::string& stream_id() const { return cycle_id; }
  template <class V>
  void Visit(V&& v) {
    v("cycle_id", cycle_id), v("objective_id", objective_id), v("text", text);
  }
};

// ---- objectives: stream objective/<objective_id> ----

struct ObjectiveCreated {
  static constexpr char kType[] = "ObjectiveCreated";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "objective";
  std::string objective_id, cycle_id, title, description, level, owner, team;
  OptString parent_id;
  const std::string& stream_id() const { return objective_id; }
  template <class V>
  void Visit(V&& v) {
    v("objective_id", objective_id), v("cycle_id", cycle_id), v("title", title),
        v("description", description), v("level", level), v("owner", owner),
        v("team", team), v("parent_id", parent_id);
  }
};

// A change of one text field of an objective: before and after.
#define OKR_OBJECTIVE_TEXT_CHANGE(Name)                                        \
  struct Name {                                                                \
    static constexpr char kType[] = #Name;                                     \
    static constexpr std::uint32_t kSchemaVersion = 1;                         \
    static constexpr char kStreamKind[] = "objective";                         \
    std::string objective_id, before, after;                                   \
    const std::string& stream_id() const { return objective_id; }              \
    template <class V>                                                         \
    void Visit(V&& v) {                                                        \
      v("objective_id", objective_id), v("before", before), v("after", after); \
    }                                                                          \
  }
OKR_OBJECTIVE_TEXT_CHANGE(ObjectiveRetitled);
OKR_OBJECTIVE_TEXT_CHANGE(ObjectiveDescribed);
OKR_OBJECTIVE_TEXT_CHANGE(ObjectiveOwnerChanged);
OKR_OBJECTIVE_TEXT_CHANGE(ObjectiveTeamChanged);
#undef OKR_OBJECTIVE_TEXT_CHANGE

struct ObjectiveAligned {
  static constexpr char kType[] = "ObjectiveAligned";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "objective";
  std::string objective_id, parent_id;
  OptString previous_parent_id;
  const std::string& stream_id() const { return objective_id; }
  template <class V>
  void Visit(V&& v) {
    v("objective_id", objective_id), v("parent_id", parent_id),
        v("previous_parent_id", previous_parent_id);
  }
};

struct ObjectiveUnaligned {
  static constexpr char kType[] = "ObjectiveUnaligned";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "objective";
  std::string objective_id, previous_parent_id;
  const std::string& stream_id() const { return objective_id; }
  template <class V>
  void Visit(V&& v) {
    v("objective_id", objective_id),
        v("previous_parent_id", previous_parent_id);
  }
};

// A state transition of an objective, with an optional reason.
#define OKR_OBJECTIVE_TRANSITION(Name)                            \
  struct Name {                                                   \
    static constexpr char kType[] = #Name;                        \
    static constexpr std::uint32_t kSchemaVersion = 1;            \
    static constexpr char kStreamKind[] = "objective";            \
    std::string objective_id;                                     \
    OptString reason;                                             \
    const std::string& stream_id() const { return objective_id; } \
    template <class V>                                            \
    void Visit(V&& v) {                                           \
      v("objective_id", objective_id), v("reason", reason);       \
    }                                                             \
  }
OKR_OBJECTIVE_TRANSITION(ObjectiveActivated);
OKR_OBJECTIVE_TRANSITION(ObjectiveAchieved);
OKR_OBJECTIVE_TRANSITION(ObjectiveAbandoned);
#undef OKR_OBJECTIVE_TRANSITION

// Written when the cycle closes: the weighted mean of the key-result scores.
struct ObjectiveGraded {
  static constexpr char kType[] = "ObjectiveGraded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "objective";
  std::string objective_id;
  double score = 0;
  const std::string& stream_id() const { return objective_id; }
  template <class V>
  void Visit(V&& v) {
    v("objective_id", objective_id), v("score", score);
  }
};

// ---- key results: stream kr/<kr_id> ----

struct KeyResultAdded {
  static constexpr char kType[] = "KeyResultAdded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id, objective_id, title, kind, unit;
  double start = 0, target = 0, weight = 1;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("objective_id", objective_id), v("title", title),
        v("kind", kind), v("unit", unit), v("start", start),
        v("target", target), v("weight", weight);
  }
};

struct KeyResultRetitled {
  static constexpr char kType[] = "KeyResultRetitled";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id, before, after;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("before", before), v("after", after);
  }
};

struct KeyResultTargetChanged {
  static constexpr char kType[] = "KeyResultTargetChanged";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  double before = 0, after = 0;
  OptString reason;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("before", before), v("after", after),
        v("reason", reason);
  }
};

struct KeyResultWeightChanged {
  static constexpr char kType[] = "KeyResultWeightChanged";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  double before = 0, after = 0;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("before", before), v("after", after);
  }
};

struct KeyResultRemoved {
  static constexpr char kType[] = "KeyResultRemoved";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  OptString reason;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("reason", reason);
  }
};

// The KPI that feeds a key result: each measurement of `after` becomes a
// check-in on it (actor "kpi:<kpi_id>"). before/after: the link before and
// after the change (null: none).
struct KeyResultKpiLinked {
  static constexpr char kType[] = "KeyResultKpiLinked";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  OptString before, after;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("before", before), v("after", after);
  }
};

// A score: by hand (manual, an admin or the owner) or at close (progress).
struct KeyResultGraded {
  static constexpr char kType[] = "KeyResultGraded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  double score = 0;
  OptString note;
  bool manual = false;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("score", score), v("note", note), v("manual", manual);
  }
};

// Version 1 had no `source`; version 2 records where the check-in came from
// ("api", "import", "demo"). Version 1 upcasts to source "api".
struct CheckInRecordedV1 {
  static constexpr char kType[] = "CheckInRecorded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  double value = 0;
  OptInt confidence;
  OptString note;
  Date date;
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("value", value), v("confidence", confidence),
        v("note", note), v("date", date);
  }
};

struct CheckInRecorded {
  static constexpr char kType[] = "CheckInRecorded";
  static constexpr std::uint32_t kSchemaVersion = 2;
  static constexpr char kStreamKind[] = "kr";
  std::string kr_id;
  double value = 0;
  OptInt confidence;
  OptString note;
  Date date;
  std::string source = "api";
  const std::string& stream_id() const { return kr_id; }
  template <class V>
  void Visit(V&& v) {
    v("kr_id", kr_id), v("value", value), v("confidence", confidence),
        v("note", note), v("date", date), v("source", source);
  }
};

// ---- KPIs: stream kpi/<kpi_id> ----

struct KpiDefined {
  static constexpr char kType[] = "KpiDefined";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kpi";
  std::string kpi_id, name, unit, owner;
  OptDouble healthy_min, healthy_max;
  std::int32_t cadence_days = 7;
  const std::string& stream_id() const { return kpi_id; }
  template <class V>
  void Visit(V&& v) {
    v("kpi_id", kpi_id), v("name", name), v("unit", unit), v("owner", owner),
        v("healthy_min", healthy_min), v("healthy_max", healthy_max),
        v("cadence_days", cadence_days);
  }
};

struct KpiThresholdsChanged {
  static constexpr char kType[] = "KpiThresholdsChanged";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kpi";
  std::string kpi_id;
  OptDouble healthy_min, healthy_max;
  std::int32_t cadence_days = 7;
  const std::string& stream_id() const { return kpi_id; }
  template <class V>
  void Visit(V&& v) {
    v("kpi_id", kpi_id), v("healthy_min", healthy_min),
        v("healthy_max", healthy_max), v("cadence_days", cadence_days);
  }
};

struct KpiMeasured {
  static constexpr char kType[] = "KpiMeasured";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "kpi";
  std::string kpi_id;
  double value = 0;
  Date date;
  const std::string& stream_id() const { return kpi_id; }
  template <class V>
  void Visit(V&& v) {
    v("kpi_id", kpi_id), v("value", value), v("date", date);
  }
};

// ---- reminders: stream reminder/<reminder_id> ----

struct ReminderIssued {
  static constexpr char kType[] = "ReminderIssued";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "reminder";
  std::string reminder_id, kind, subject, recipient, key, message;
  Date at;
  const std::string& stream_id() const { return reminder_id; }
  template <class V>
  void Visit(V&& v) {
    v("reminder_id", reminder_id), v("kind", kind), v("subject", subject),
        v("recipient", recipient), v("key", key), v("message", message),
        v("at", at);
  }
};

// The outcome of delivering a reminder to one webhook (by the delivery
// worker, after its retries): delivered, or given up with the last error.
struct ReminderDelivered {
  static constexpr char kType[] = "ReminderDelivered";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "reminder";
  std::string reminder_id, webhook;
  std::int32_t attempts = 0;
  const std::string& stream_id() const { return reminder_id; }
  template <class V>
  void Visit(V&& v) {
    v("reminder_id", reminder_id), v("webhook", webhook),
        v("attempts", attempts);
  }
};

struct ReminderDeliveryFailed {
  static constexpr char kType[] = "ReminderDeliveryFailed";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "reminder";
  std::string reminder_id, webhook;
  std::int32_t attempts = 0;
  std::string error;  // of the last attempt
  const std::string& stream_id() const { return reminder_id; }
  template <class V>
  void Visit(V&& v) {
    v("reminder_id", reminder_id), v("webhook", webhook),
        v("attempts", attempts), v("error", error);
  }
};

// ---- digests: stream digest/<digest_id> ----
// What reached whom on a people channel (slack, teams, email): one digest
// per person per run, carrying the reminder_ids of the ReminderIssued
// events it lists. No address or name: those live in the people file only.

struct DigestDelivered {
  static constexpr char kType[] = "DigestDelivered";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "digest";
  std::string digest_id, channel, recipient;
  std::vector<std::string> reminder_ids;
  std::string message_id;
  std::int32_t attempts = 0;
  const std::string& stream_id() const { return digest_id; }
  template <class V>
  void Visit(V&& v) {
    v("digest_id", digest_id), v("channel", channel), v("recipient", recipient),
        v("reminder_ids", reminder_ids), v("message_id", message_id),
        v("attempts", attempts);
  }
};

struct DigestDeliveryFailed {
  static constexpr char kType[] = "DigestDeliveryFailed";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "digest";
  std::string digest_id, channel, recipient;
  std::vector<std::string> reminder_ids;
  std::string message_id;
  std::int32_t attempts = 0;
  std::string error;  // of the last attempt
  const std::string& stream_id() const { return digest_id; }
  template <class V>
  void Visit(V&& v) {
    v("digest_id", digest_id), v("channel", channel), v("recipient", recipient),
        v("reminder_ids", reminder_ids), v("message_id", message_id),
        v("attempts", attempts), v("error", error);
  }
};

// ---- signed checkpoints: stream chain/head ----
// The chain head signed by the server's Ed25519 key (okr serve
// --signing-key): `position`, `hash` (lowercase hex) and `recorded_at`
// (YYYY-MM-DDTHH:MM:SS.ffffffZ) of the event just before this one, and the
// signature over the UTF-8 text "<position>:<hash>:<recorded_at>" (base64).
// `key_id`: the first 16 hex digits of the SHA-256 of the raw public key.
// One stream for every key, so that the latest checkpoint at a position is
// found by the stream's index alone.
struct ChainHeadSigned {
  static constexpr char kType[] = "ChainHeadSigned";
  static constexpr std::uint32_t kSchemaVersion = 1;
  static constexpr char kStreamKind[] = "chain";
  static const std::string& Head() {
    static const std::string head = "head";
    return head;
  }
  std::string key_id;
  std::uint64_t position = 0;
  std::string hash, recorded_at, signature;
  const std::string& stream_id() const { return Head(); }
  template <class V>
  void Visit(V&& v) {
    v("key_id", key_id), v("position", position), v("hash", hash),
        v("recorded_at", recorded_at), v("signature", signature);
  }
};

// Every current event type. Old schema versions (CheckInRecordedV1) are not
// here: the codec upcasts them on decode.
using Event = std::variant<
    CycleCreated, CycleStarted, CycleClosed, RetrospectiveNoteAdded,
    ObjectiveCreated, ObjectiveRetitled, ObjectiveDescribed,
    ObjectiveOwnerChanged, ObjectiveTeamChanged, ObjectiveAligned,
    ObjectiveUnaligned, ObjectiveActivated, ObjectiveAchieved,
    ObjectiveAbandoned, ObjectiveGraded, KeyResultAdded, KeyResultRetitled,
    KeyResultTargetChanged, KeyResultWeightChanged, KeyResultRemoved,
    KeyResultGraded, CheckInRecorded, KpiDefined, KpiThresholdsChanged,
    KpiMeasured, ReminderIssued, ReminderDelivered, ReminderDeliveryFailed,
    DigestDelivered, DigestDeliveryFailed, ChainHeadSigned, KeyResultKpiLinked>;

}  // namespace okr::events

#endif  // OKR_EVENTS_CATALOGUE_H_
