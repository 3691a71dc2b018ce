// RawRocks: opens a store's RocksDB folder directly, bypassing EventStore, so
// that tests can read and tamper with the bytes on disk.
//
// Thread safety: one thread at a time.
#ifndef OKR_TESTS_SUPPORT_RAW_ROCKS_H_
#define OKR_TESTS_SUPPORT_RAW_ROCKS_H_

#include <rocksdb/db.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/storage_format.h"

namespace okr::testing {

class RawRocks {
 public:
  enum Family { kMeta, kLog, kStreams, kIdem, kCheckpoints, kState };

  explicit RawRocks(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : format::kFamilies) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::Options options;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s =
        rocksdb::DB::Open(options, path, families, &handles_, &raw);
    if (!s.ok()) throw std::runtime_error(s.ToString());
    db_.reset(raw);
  }
  ~RawRocks() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }

  std::string Get(Family f, const std::string& key) {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), handles_[f], key, &value);
    if (!s.ok()) throw std::runtime_error("raw get: " + s.ToString());
    return value;
  }
  void Put(Family f, const std::string& key, const std::string& value) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Put(wo, handles_[f], key, value);
    if (!s.ok()) throw std::runtime_error("raw put: " + s.ToString());
  }
  void Delete(Family f, const std::string& key) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Delete(wo, handles_[f], key);
    if (!s.ok()) throw std::runtime_error("raw delete: " + s.ToString());
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_RAW_ROCKS_H_
