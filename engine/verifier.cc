#include "engine/verifier.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/sha256.h"
#include "engine/snapshot_store.h"
#include "engine/storage_format.h"

namespace okr {
namespace {

using rocksdb::ColumnFamilyHandle;

std::string_view View(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// An order-independent digest of a multiset of (key, value) pairs: the sum
// modulo 2^256 of SHA-256(len(key) key value) over its members.
class MultisetDigest {
 public:
  void Add(std::string_view key, std::string_view value) {
    std::string item;
    format::PutStr(&item, key);
    item.append(value);
    Hash h = Sha256Of(item);
    unsigned carry = 0;
    for (int i = 31; i >= 0; --i) {
      unsigned sum = unsigned(sum_[i]) + h[i] + carry;
      sum_[i] = static_cast<std::uint8_t>(sum);
      carry = sum >> 8;
    }
    ++count_;
  }
  bool operator==(const MultisetDigest&) const = default;

 private:
  Hash sum_{};
  std::uint64_t count_ = 0;
};

class StoreChecker {
 public:
  StoreChecker(rocksdb::DB* db, std::vector<ColumnFamilyHandle*> cf)
      : db_(db), cf_(std::move(cf)) {}

  VerifyReport Run() {
    if (CheckLog() && CheckHead() && CheckStreamIndex() && CheckIdempotency()) {
      report_.ok = true;
    }
    report_.streams = versions_.size();
    return report_;
  }

 private:
  ColumnFamilyHandle* meta() { return cf_[0]; }
  ColumnFamilyHandle* log() { return cf_[1]; }
  ColumnFamilyHandle* streams() { return cf_[2]; }
  ColumnFamilyHandle* idem() { return cf_[3]; }

  bool Fail(std::uint64_t position, std::string problem) {
    report_.first_bad_position = position;
    report_.problem = std::move(problem);
    return false;
  }

  bool CheckLog() {
    rocksdb::ReadOptions ro;
    ro.readahead_size = 2u << 20;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log()));
    Hash prev{};
    std::int64_t prev_time = 0;
    std::uint64_t expected = 1;
    RecordedEvent e;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      const std::string p = std::to_string(expected);
      if (it->key().size() != 8) return Fail(expected, "malformed log key");
      std::uint64_t key = format::DecodePositionKey(View(it->key()));
      if (key != expected) {
        return Fail(expected, "position " + p + " is missing (next is " +
                                  std::to_string(key) + ")");
      }
      if (!format::DecodeLogValue(View(it->value()), &e)) {
        return Fail(expected, "position " + p + " is unreadable");
      }
      if (e.position != expected) {
        return Fail(expected, "position " + p + " holds the event of " +
                                  "position " + std::to_string(e.position) +
                                  " (reordered)");
      }
      if (e.prev_hash != prev) {
        return Fail(expected, "position " + p +
                                  ": prev_hash does not match the hash of "
                                  "the event before it");
      }
      if (format::ComputeHash(e) != e.hash) {
        return Fail(expected, "position " + p +
                                  ": hash does not match its content "
                                  "(edited)");
      }
      if (e.recorded_at_us < prev_time) {
        return Fail(expected, "position " + p + ": recorded_at goes back");
      }
      std::uint64_t& version = versions_[e.stream];
      if (e.version != version + 1) {
        return Fail(expected, "position " + p + ": stream " + e.stream +
                                  " jumps to version " +
                                  std::to_string(e.version) + " from " +
                                  std::to_string(version));
      }
      version = e.version;
      log_digest_.Add(format::StreamIndexKey(e.stream, e.version),
                      format::PositionKey(expected));
      prev = e.hash;
      prev_time = e.recorded_at_us;
      ++report_.events;
    }
    if (!it->status().ok()) {
      return Fail(expected, "cannot read the log: " + it->status().ToString());
    }
    report_.head_hash = prev;
    return true;
  }

  bool CheckHead() {
    std::string value;
    rocksdb::Status rs =
        db_->Get(rocksdb::ReadOptions(), meta(), format::kHeadKey, &value);
    format::Head head;
    if (rs.IsNotFound()) {
      if (report_.events == 0) return true;
      return Fail(0, "the chain head record is missing");
    }
    if (!rs.ok() || !format::DecodeHead(value, &head)) {
      return Fail(0, "the chain head record is unreadable");
    }
    if (head.position > report_.events) {
      return Fail(report_.events + 1, "position " +
                                          std::to_string(report_.events + 1) +
                                          " is missing (the head is at " +
                                          std::to_string(head.position) + ")");
    }
    if (head.position < report_.events) {
      return Fail(head.position + 1, "position " +
                                         std::to_string(head.position + 1) +
                                         " is past the recorded head");
    }
    if (head.hash != report_.head_hash) {
      return Fail(head.position,
                  "the chain head hash differs from the hash of position " +
                      std::to_string(head.position));
    }
    return true;
  }

  // The index must hold exactly one entry per event. A multiset digest of
  // (key, value) pairs over the log and over the index decides it in two
  // sequential scans; only on a mismatch do point reads find the position.
  bool CheckStreamIndex() {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), streams()));
    MultisetDigest index_digest;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      index_digest.Add(View(it->key()), View(it->value()));
    }
    if (!it->status().ok()) {
      return Fail(0,
                  "cannot read the stream index: " + it->status().ToString());
    }
    if (index_digest == log_digest_) return true;
    return LocateIndexFault();
  }

  bool LocateIndexFault() {
    RecordedEvent e;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), log()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!format::DecodeLogValue(View(it->value()), &e)) break;
      std::string indexed;
      rocksdb::Status rs =
          db_->Get(rocksdb::ReadOptions(), streams(),
                   format::StreamIndexKey(e.stream, e.version), &indexed);
      if (!rs.ok() || indexed != format::PositionKey(e.position)) {
        return Fail(e.position, "position " + std::to_string(e.position) +
                                    ": stream index entry missing or wrong");
      }
    }
    // Every event has its entry, so some entry belongs to no event.
    std::unique_ptr<rocksdb::Iterator> idx(
        db_->NewIterator(rocksdb::ReadOptions(), streams()));
    for (idx->SeekToFirst(); idx->Valid(); idx->Next()) {
      std::uint64_t pos = idx->value().size() == 8
                              ? format::DecodePositionKey(View(idx->value()))
                              : 0;
      std::string value;
      bool matches =
          pos != 0 &&
          db_->Get(rocksdb::ReadOptions(), log(), format::PositionKey(pos),
                   &value)
              .ok() &&
          format::DecodeLogValue(value, &e) &&
          format::StreamIndexKey(e.stream, e.version) == View(idx->key());
      if (!matches) {
        return Fail(pos,
                    "the stream index has an entry for no event "
                    "(position " +
                        std::to_string(pos) + ")");
      }
    }
    return Fail(0, "the stream index disagrees with the log");
  }

  bool CheckIdempotency() {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), idem()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      format::IdempotencyRecord rec;
      std::string_view key = View(it->key());
      std::string actor(key.substr(0, key.find('\0')));
      if (!format::DecodeIdempotency(View(it->value()), &rec) ||
          rec.first_position == 0 || rec.first_position > rec.last_position ||
          rec.last_position > report_.events) {
        return Fail(rec.first_position, "an idempotency record of " + actor +
                                            " points outside the log");
      }
      std::string value;
      RecordedEvent e;
      rocksdb::Status rs =
          db_->Get(rocksdb::ReadOptions(), log(),
                   format::PositionKey(rec.first_position), &value);
      if (!rs.ok() || !format::DecodeLogValue(value, &e) || e.actor != actor ||
          e.command_id != rec.command_id) {
        return Fail(rec.first_position,
                    "position " + std::to_string(rec.first_position) +
                        " does not match the idempotency record that "
                        "points at it");
      }
    }
    return true;
  }

  rocksdb::DB* db_;
  std::vector<ColumnFamilyHandle*> cf_;
  VerifyReport report_;
  MultisetDigest log_digest_;
  std::unordered_map<std::string, std::uint64_t> versions_;
};

// Reads every snapshot and says whether the engine would use it: it checks
// out, parses, and is bound to this log (the log's hash at its position).
void CheckSnapshots(const std::string& path, rocksdb::DB* db,
                    ColumnFamilyHandle* log, VerifyReport* report) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path + "/snapshots", ec)) return;
  SnapshotStore snapshots(path + "/snapshots");
  for (std::uint64_t at : snapshots.List()) {
    VerifyReport::Snapshot out;
    out.position = at;
    out.file = snapshots.PathOf(at);
    OkrState state;
    Hash bound{};
    Status s = snapshots.Load(at, &state, &bound);
    if (s.ok()) {
      std::optional<Hash> log_hash;
      if (at == 0) {
        log_hash = Hash{};
      } else if (at <= report->events) {
        std::string value;
        RecordedEvent e;
        if (db->Get(rocksdb::ReadOptions(), log, format::PositionKey(at),
                    &value)
                .ok() &&
            format::DecodeLogValue(value, &e)) {
          log_hash = e.hash;
        }
      }
      s = SnapshotStore::CheckBinding(out.file, at, bound, log_hash);
    }
    out.usable = s.ok();
    if (!s.ok()) out.why_ignored = s.message();
    report->snapshots.push_back(std::move(out));
  }
}

}  // namespace

Result<VerifyReport> VerifyStore(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name :
       {format::kMetaFamily, format::kLogFamily, format::kStreamsFamily,
        format::kIdempotencyFamily}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  rocksdb::Options options;
  options.create_if_missing = false;
  std::vector<ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs =
      rocksdb::DB::OpenForReadOnly(options, path, families, &handles, &raw);
  if (!rs.ok()) {
    return Status::IOError("cannot open store " + path + ": " + rs.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  VerifyReport report;
  {
    std::string format_value;
    rs = db->Get(rocksdb::ReadOptions(), handles[0], format::kFormatKey,
                 &format_value);
    std::uint32_t version = 0;
    if (!rs.ok() || !format::Reader(format_value).GetU32(&version) ||
        version != format::kFormatVersion) {
      report.problem = "missing or unsupported format version";
    } else {
      report = StoreChecker(db.get(), handles).Run();
      if (report.ok) CheckSnapshots(path, db.get(), handles[1], &report);
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return report;
}

}  // namespace okr
