#include "engine/storage_format.h"

#include <cassert>
#include <cstring>

#include "engine/sha256.h"

namespace okr::format {

void PutU32(std::string* out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutU64(std::string* out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutStr(std::string* out, std::string_view s) {
  PutU32(out, static_cast<std::uint32_t>(s.size()));
  out->append(s);
}

bool Reader::GetU32(std::uint32_t* v) {
  if (in_.size() < 4) return false;
  std::uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r = r << 8 | static_cast<std::uint8_t>(in_[i]);
  in_.remove_prefix(4);
  *v = r;
  return true;
}

bool Reader::GetU64(std::uint64_t* v) {
  if (in_.size() < 8) return false;
  std::uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = r << 8 | static_cast<std::uint8_t>(in_[i]);
  in_.remove_prefix(8);
  *v = r;
  return true;
}

bool Reader::GetI64(std::int64_t* v) {
  std::uint64_t u;
  if (!GetU64(&u)) return false;
  *v = static_cast<std::int64_t>(u);
  return true;
}

bool Reader::GetStr(std::string* s) {
  std::string_view save = in_;
  std::uint32_t len;
  if (!GetU32(&len) || in_.size() < len) {
    in_ = save;
    return false;
  }
  s->assign(in_.data(), len);
  in_.remove_prefix(len);
  return true;
}

bool Reader::GetHash(Hash* h) {
  if (in_.size() < h->size()) return false;
  std::memcpy(h->data(), in_.data(), h->size());
  in_.remove_prefix(h->size());
  return true;
}

std::string PositionKey(std::uint64_t position) {
  std::string key;
  key.reserve(8);
  PutU64(&key, position);
  return key;
}

std::uint64_t DecodePositionKey(std::string_view key) {
  assert(key.size() == 8);
  std::uint64_t v = 0;
  Reader(key).GetU64(&v);
  return v;
}

std::string StreamIndexPrefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

std::string StreamIndexKey(std::string_view stream, std::uint64_t version) {
  std::string key = StreamIndexPrefix(stream);
  PutU64(&key, version);
  return key;
}

std::string PairKey(std::string_view owner, std::string_view key) {
  std::string out(owner);
  out.push_back('\0');
  out.append(key);
  return out;
}

std::string EncodeEnvelope(const RecordedEvent& e) {
  std::string out;
  out.reserve(96 + e.stream.size() + e.type.size() + e.actor.size() +
              e.command_id.size() + e.data.size());
  PutU64(&out, e.position);
  PutStr(&out, e.stream);
  PutU64(&out, e.version);
  PutStr(&out, e.type);
  PutU32(&out, e.schema_version);
  PutU64(&out, static_cast<std::uint64_t>(e.recorded_at_us));
  PutStr(&out, e.actor);
  PutStr(&out, e.command_id);
  PutStr(&out, e.data);
  out.append(reinterpret_cast<const char*>(e.prev_hash.data()),
             e.prev_hash.size());
  return out;
}

Hash HashEnvelope(const Hash& prev, std::string_view envelope) {
  thread_local Sha256 hasher;
  hasher.Update(std::string_view(reinterpret_cast<const char*>(prev.data()),
                                 prev.size()));
  hasher.Update(envelope);
  return hasher.Finish();
}

Hash ComputeHash(const RecordedEvent& e) {
  return HashEnvelope(e.prev_hash, EncodeEnvelope(e));
}

std::string EncodeLogValue(const RecordedEvent& e) {
  std::string out = EncodeEnvelope(e);
  out.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
  return out;
}

bool DecodeLogValue(std::string_view value, RecordedEvent* e) {
  Reader r(value);
  RecordedEvent d;
  std::uint64_t recorded_at;
  if (!r.GetU64(&d.position) || !r.GetStr(&d.stream) || !r.GetU64(&d.version) ||
      !r.GetStr(&d.type) || !r.GetU32(&d.schema_version) ||
      !r.GetU64(&recorded_at) || !r.GetStr(&d.actor) ||
      !r.GetStr(&d.command_id) || !r.GetStr(&d.data) ||
      !r.GetHash(&d.prev_hash) || !r.GetHash(&d.hash) || !r.done()) {
    return false;
  }
  d.recorded_at_us = static_cast<std::int64_t>(recorded_at);
  *e = std::move(d);
  return true;
}

std::string EncodeHead(const Head& head) {
  std::string out;
  PutU64(&out, head.position);
  out.append(reinterpret_cast<const char*>(head.hash.data()), head.hash.size());
  PutU64(&out, static_cast<std::uint64_t>(head.recorded_at_us));
  return out;
}

bool DecodeHead(std::string_view value, Head* head) {
  Reader r(value);
  Head h;
  return r.GetU64(&h.position) && r.GetHash(&h.hash) &&
         r.GetI64(&h.recorded_at_us) && r.done() && (*head = h, true);
}

std::string EncodeIdempotency(const IdempotencyRecord& rec) {
  std::string out;
  PutStr(&out, rec.fingerprint);
  PutU64(&out, rec.first_position);
  PutU64(&out, rec.last_position);
  PutU64(&out, static_cast<std::uint64_t>(rec.recorded_at_us));
  PutStr(&out, rec.command_id);
  PutStr(&out, rec.response);
  return out;
}

bool DecodeIdempotency(std::string_view value, IdempotencyRecord* rec) {
  Reader r(value);
  IdempotencyRecord d;
  if (!r.GetStr(&d.fingerprint) || !r.GetU64(&d.first_position) ||
      !r.GetU64(&d.last_position) || !r.GetI64(&d.recorded_at_us) ||
      !r.GetStr(&d.command_id) || !r.GetStr(&d.response) || !r.done()) {
    return false;
  }
  *rec = std::move(d);
  return true;
}

}  // namespace okr::format
