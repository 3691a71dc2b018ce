// EventStore open, recovery and close: the states of event_store.h
// (kOpening -> kWritable -> kFailed -> kReadOnly / kDetached -> kWritable,
// any -> kClosed) and the RocksDB options the store opens with.
#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "engine/event_store.h"
#include "engine/event_store_internal.h"

namespace okr {
namespace {

using store_internal::FromRocks;

constexpr std::size_t kIndexWriteBuffer = 16u << 20;
constexpr std::size_t kIndexBuckets = 200'000;

// The prefix of a stream index key: the stream name and its 0x00. Lets the
// index keep a hash of small per-stream skiplists in memory, so an append's
// index insert does not walk one big skiplist of random keys.
class StreamPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "okr.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    std::size_t len = nul == nullptr
                          ? key.size()
                          : static_cast<const char*>(nul) - key.data() + 1;
    return rocksdb::Slice(key.data(), len);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// RocksDB's info log (<store>/LOG) written with stdio, errors ignored.
// RocksDB's own log writer must not be used on a disk that fills up: after
// one failed write it asserts on the next (Debian builds it with asserts),
// which would kill the server instead of letting it refuse writes.
class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(const std::string& path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
    std::error_code ec;
    // One generation kept: LOG.old.
    if (std::filesystem::file_size(path, ec) > (16u << 20) && !ec) {
      std::filesystem::rename(path, path + ".old", ec);
    }
    file_ = std::fopen(path.c_str(), "a");
  }
  ~InfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (file_ == nullptr) return;
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    MutexLock lock(&mu_);
    std::fputs(stamp, file_);
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);
  }

 private:
  // Keeps the writes of one line together; file_ itself is constant after
  // construction.
  Mutex mu_;
  std::FILE* file_ = nullptr;
};

// The families in format::kFamilies order, the stream index tuned.
std::vector<rocksdb::ColumnFamilyDescriptor> Families() {
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 64u << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 * 1024;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : format::kFamilies) {
    families.emplace_back(name, cf_options);
  }
  // Stream index keys are random across streams: a small hash memtable of
  // per-stream skiplists keeps inserts cheap (most of an append's cost
  // otherwise).
  rocksdb::ColumnFamilyOptions& index = families[2].options;
  index.write_buffer_size = kIndexWriteBuffer;
  index.prefix_extractor = std::make_shared<StreamPrefix>();
  index.memtable_factory.reset(
      rocksdb::NewHashSkipListRepFactory(kIndexBuckets));
  return families;
}

// Checks the format version of an opened store, writing it into a new one.
Status CheckFormatVersion(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                          const std::string& path) {
  std::string value;
  rocksdb::Status rs =
      db->Get(rocksdb::ReadOptions(), meta, format::kFormatKey, &value);
  if (rs.IsNotFound()) {
    std::string v;
    format::PutU32(&v, format::kFormatVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rs = db->Put(wo, meta, format::kFormatKey, v);
    if (!rs.ok()) return FromRocks(rs, "write format version");
  } else if (!rs.ok()) {
    return FromRocks(rs, "read format version");
  } else {
    std::uint32_t version = 0;
    format::Reader r(value);
    if (!r.GetU32(&version) || version != format::kFormatVersion) {
      return Status::Corruption("unsupported store format version " +
                                std::to_string(version) + " in " + path);
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<EventStore>> EventStore::Open(
    const std::string& path, const StoreOptions& options) {
  std::unique_ptr<EventStore> store(new EventStore(path, options));
  Status s = store->OpenAtStart();
  if (!s.ok()) return s;
  MutexLock lock(&store->close_mu_);
  store->writer_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  return store;
}

Status EventStore::OpenAtStart() {
  MutexLock commit(&commit_mu_);
  WriterLock no_readers(&db_mu_);
  Status s = OpenDb();
  if (s.ok()) SetState(OpenState::kWritable);
  return s;
}

Status EventStore::OpenDb(bool read_only) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_total_wal_size = 256u << 20;
  // One writer thread; the hash memtable of the index needs this off.
  db_options.allow_concurrent_memtable_write = false;
  if (!read_only) {
    // Parents as the umask says; the data folder itself private (0700): it
    // holds the whole ledger. An existing folder keeps its mode.
    std::error_code ec;
    std::filesystem::path p(path_);
    if (p.has_parent_path())
      std::filesystem::create_directories(p.parent_path(), ec);
    ::mkdir(path_.c_str(), 0700);
  }
  db_options.info_log = std::make_shared<InfoLog>(path_ + "/LOG");
  if (options_.TEST_env != nullptr) db_options.env = options_.TEST_env;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = Families();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs =
      read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path_, families, &handles_,
                                         &raw)
          : rocksdb::DB::Open(db_options, path_, families, &handles_, &raw);
  if (!rs.ok()) {
    for (auto* h : handles_) delete h;
    handles_.clear();
    delete raw;
    return FromRocks(rs, "open " + path_);
  }
  db_.reset(raw);
  meta_cf_ = handles_[0];
  log_cf_ = handles_[1];
  streams_cf_ = handles_[2];
  idem_cf_ = handles_[3];
  checkpoints_cf_ = handles_[4];
  substate_cf_ = handles_[5];

  if (read_only) return Status::OK();
  Status s = CheckFormatVersion(db_.get(), meta_cf_, path_);
  if (!s.ok()) return s;

  std::string value;
  rs = db_->Get(rocksdb::ReadOptions(), meta_cf_, format::kHeadKey, &value);
  if (rs.ok()) {
    if (!format::DecodeHead(value, &head_)) {
      return Status::Corruption("malformed head record");
    }
  } else if (!rs.IsNotFound()) {
    return FromRocks(rs, "read head");
  }

  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  it->SeekToLast();
  std::uint64_t last = 0;
  if (it->Valid()) {
    if (it->key().size() != 8) return Status::Corruption("malformed log key");
    last = format::DecodePositionKey(
        std::string_view(it->key().data(), it->key().size()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan log");
  if (last != head_.position) {
    return Status::Corruption(
        "head record says position " + std::to_string(head_.position) +
        " but the last event is at " + std::to_string(last));
  }
  durable_position_.store(head_.position);
  return Status::OK();
}

void EventStore::CloseDb() {
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
}

void EventStore::SetState(OpenState next) {
  state_ = next;
  switch (next) {
    case OpenState::kWritable:
      healthy_.store(true);
      break;
    case OpenState::kFailed:
    case OpenState::kReadOnly:
    case OpenState::kDetached:
      healthy_.store(false);
      break;
    case OpenState::kOpening:
    case OpenState::kClosed:
      break;  // healthy() keeps its value
  }
}

EventStore::~EventStore() { Close(); }

void EventStore::Close() {
  MutexLock close_lock(&close_mu_);
  if (closed_) return;
  closed_ = true;
  closing_.store(true);
  {
    MutexLock lock(&queue_mu_);
    stop_writer_ = true;
  }
  queue_cv_.SignalAll();
  if (writer_.joinable()) writer_.join();
  WakeDurableWaiters();
  MutexLock commit(&commit_mu_);
  // Wait for reads in progress; later ones see db_ == nullptr and answer
  // Closed.
  WriterLock no_readers(&db_mu_);
  const bool flush = healthy_.load();
  SetState(OpenState::kClosed);
  if (db_ == nullptr) return;  // a recovery left it closed
  // A clean close flushes the memtables, so the next open need not replay
  // the write-ahead log (after a crash it still does). Best effort: what
  // is durable is already in the WAL.
  if (flush) {
    rocksdb::FlushOptions flush_options;
    db_->Flush(flush_options, handles_).PermitUncheckedError();
  }
  CloseDb();
}

void EventStore::MarkUnhealthy(const Status& failure) {
  {
    MutexLock lock(&health_mu_);
    health_error_ = failure.message();
  }
  if (state_ == OpenState::kWritable) {
    next_recovery_ = std::chrono::steady_clock::now() + kRecoveryInterval;
  }
  SetState(OpenState::kFailed);
}

bool EventStore::Recover() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_recovery_) return false;
  // 250 ms, doubling after each failed try up to 4 s: a long outage does
  // not reopen the store four times a second.
  next_recovery_ = now + recovery_backoff_;
  recovery_backoff_ =
      std::min(recovery_backoff_ * 2, std::chrono::milliseconds(4000));
  WriterLock no_readers(&db_mu_);
  CloseDb();
  Status s = OpenDb();
  if (!s.ok()) {
    CloseDb();
    // Reads go on from a read-only instance while the disk refuses writes.
    if (OpenDb(/*read_only=*/true).ok()) {
      SetState(OpenState::kReadOnly);
    } else {
      CloseDb();
      SetState(OpenState::kDetached);
    }
    MutexLock lock(&health_mu_);
    health_error_ = s.message();
    return false;
  }
  // The head as found on disk: a batch whose fsync failed may be there.
  recovery_backoff_ = kRecoveryInterval;
  stream_versions_.clear();
  SetState(OpenState::kWritable);
  {
    MutexLock lock(&health_mu_);
    health_error_.clear();
  }
  stat_recoveries_.fetch_add(1);
  no_readers.Unlock();
  WakeDurableWaiters();
  CallDurableListeners(head_.position);
  return true;
}

}  // namespace okr
