#include "engine/event_store.h"

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cassert>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <future>
#include <limits>
#include <shared_mutex>

#include "engine/subscription.h"

namespace okr {
namespace {

constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxDataBytes = 4u << 20;
// Reads of at least this many events are scans: they read ahead.
constexpr std::size_t kLongScan = 1024;
constexpr std::size_t kIndexWriteBuffer = 16u << 20;
constexpr std::size_t kIndexBuckets = 200'000;

rocksdb::Slice AsSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string::npos; }

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
    std::lock_guard<std::mutex> lock(mu_);
    std::fputs(stamp, file_);
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace

struct EventStore::Pending {
  AppendRequest request;
  AppendCallback done;
  Result<AppendResult> outcome = Status::IOError("not decided");
  // True when the outcome depends on this group's batch being written.
  bool needs_write = false;
};

struct EventStore::GroupState {
  rocksdb::WriteBatch batch;
  std::uint64_t next_position = 0;
  Hash prev_hash{};
  std::int64_t last_recorded_at = 0;
  bool wrote = false;
  // Tentative versions of the streams this group touches.
  std::unordered_map<std::string, std::uint64_t> versions;
  // Idempotency keys applied by this group (key: PairKey(actor, key)).
  std::unordered_map<std::string, format::IdempotencyRecord> idem;
};

EventStore::EventStore(const std::string& path, const StoreOptions& options)
    : path_(path),
      options_(options),
      clock_(options.clock != nullptr ? options.clock
                                      : SystemClock::Default()) {}

Result<std::unique_ptr<EventStore>> EventStore::Open(
    const std::string& path, const StoreOptions& options) {
  std::unique_ptr<EventStore> store(new EventStore(path, options));
  Status s = store->OpenDb();
  if (!s.ok()) return s;
  store->writer_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  return store;
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
  std::string value;
  rs = db_->Get(rocksdb::ReadOptions(), meta_cf_, format::kFormatKey, &value);
  if (rs.IsNotFound()) {
    std::string v;
    format::PutU32(&v, format::kFormatVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rs = db_->Put(wo, meta_cf_, format::kFormatKey, v);
    if (!rs.ok()) return FromRocks(rs, "write format version");
  } else if (!rs.ok()) {
    return FromRocks(rs, "read format version");
  } else {
    std::uint32_t version = 0;
    format::Reader r(value);
    if (!r.GetU32(&version) || version != format::kFormatVersion) {
      return Status::Corruption("unsupported store format version " +
                                std::to_string(version) + " in " + path_);
    }
  }

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

EventStore::~EventStore() { Close(); }

void EventStore::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  closing_.store(true);
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stop_writer_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  { std::lock_guard<std::mutex> lock(durable_mu_); }
  durable_cv_.notify_all();
  // Wait for reads in progress; later ones see db_ == nullptr and answer
  // Closed.
  std::unique_lock<std::shared_mutex> no_readers(db_mu_);
  if (db_ == nullptr) return;  // a recovery left it closed
  // A clean close flushes the memtables, so the next open need not replay
  // the write-ahead log (after a crash it still does). Best effort: what
  // is durable is already in the WAL.
  if (healthy_) {
    rocksdb::FlushOptions flush;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  CloseDb();
}

std::string EventStore::HealthError() const {
  std::lock_guard<std::mutex> lock(health_mu_);
  return health_error_;
}

void EventStore::MarkUnhealthy(const Status& failure) {
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    health_error_ = failure.message();
  }
  if (healthy_.exchange(false)) {
    next_recovery_ = std::chrono::steady_clock::now() + kRecoveryInterval;
  }
}

bool EventStore::Recover() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_recovery_) return false;
  // 250 ms, doubling after each failed try up to 4 s: a long outage does
  // not reopen the store four times a second.
  next_recovery_ = now + recovery_backoff_;
  recovery_backoff_ =
      std::min(recovery_backoff_ * 2, std::chrono::milliseconds(4000));
  std::unique_lock<std::shared_mutex> no_readers(db_mu_);
  CloseDb();
  Status s = OpenDb();
  if (!s.ok()) {
    CloseDb();
    // Reads go on from a read-only instance while the disk refuses writes.
    if (!OpenDb(/*read_only=*/true).ok()) CloseDb();
    std::lock_guard<std::mutex> lock(health_mu_);
    health_error_ = s.message();
    return false;
  }
  // The head as found on disk: a batch whose fsync failed may be there.
  recovery_backoff_ = kRecoveryInterval;
  stream_versions_.clear();
  healthy_.store(true);
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    health_error_.clear();
  }
  stat_recoveries_.fetch_add(1);
  no_readers.unlock();
  { std::lock_guard<std::mutex> lock(durable_mu_); }
  durable_cv_.notify_all();
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (auto& listener : listeners_) listener(head_.position);
  return true;
}

Result<std::uint64_t> EventStore::Backup(const std::string& dir) {
  std::lock_guard<std::mutex> between_groups(commit_mu_);
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr || closing_) {
    return Status::Closed("the event store is closed");
  }
  if (!healthy_) {
    return Status::IOError("the store is unhealthy: " + HealthError());
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status rs = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!rs.ok()) return FromRocks(rs, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  rs = checkpoint->CreateCheckpoint(dir);
  if (!rs.ok()) return FromRocks(rs, "checkpoint into " + dir);
  return head_.position;
}

Status EventStore::ValidateRequest(const AppendRequest& r) const {
  if (r.events.empty()) {
    return Status::InvalidArgument("a command must append at least one event");
  }
  const CommandMeta& m = r.meta;
  if (m.actor.empty() || m.actor.size() > kMaxNameBytes || HasNul(m.actor)) {
    return Status::InvalidArgument("actor must be 1-256 bytes without NUL");
  }
  if (m.command_id.size() > kMaxNameBytes ||
      m.idempotency_key.size() > kMaxNameBytes || HasNul(m.idempotency_key)) {
    return Status::InvalidArgument(
        "command_id and idempotency key must be at most 256 bytes without "
        "NUL");
  }
  for (const NewEvent& e : r.events) {
    if (!ValidStreamName(e.stream)) {
      return Status::InvalidArgument("invalid stream name '" + e.stream + "'");
    }
    if (e.type.empty() || e.type.size() > kMaxNameBytes) {
      return Status::InvalidArgument("event type must be 1-256 bytes");
    }
    if (e.data.size() > kMaxDataBytes) {
      return Status::InvalidArgument("event data over 4 MiB");
    }
  }
  for (const StreamCondition& c : r.conditions) {
    if (!ValidStreamName(c.stream)) {
      return Status::InvalidArgument("invalid stream name '" + c.stream + "'");
    }
  }
  if (r.checkpoint && (r.checkpoint->subscriber.empty() ||
                       r.checkpoint->subscriber.size() > kMaxNameBytes ||
                       HasNul(r.checkpoint->subscriber))) {
    return Status::InvalidArgument("subscriber name must be 1-256 bytes");
  }
  return Status::OK();
}

Result<AppendResult> EventStore::Append(AppendRequest request) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  auto future = promise->get_future();
  AppendAsync(std::move(request), [promise](Result<AppendResult> r) {
    promise->set_value(std::move(r));
  });
  return future.get();
}

Result<AppendResult> EventStore::Append(
    const std::string& stream, std::optional<std::uint64_t> expected_version,
    std::vector<NewEvent> events, CommandMeta meta) {
  AppendRequest request;
  for (NewEvent& e : events) {
    if (e.stream.empty()) e.stream = stream;
  }
  request.events = std::move(events);
  if (expected_version)
    request.conditions.push_back({stream, *expected_version});
  request.meta = std::move(meta);
  return Append(std::move(request));
}

void EventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  Status valid = ValidateRequest(request);
  if (!valid.ok()) {
    done(valid);
    return;
  }
  auto pending = std::make_unique<Pending>();
  pending->request = std::move(request);
  pending->done = std::move(done);
  {
    std::unique_lock<std::mutex> lock(queue_mu_);
    if (stop_writer_) {
      lock.unlock();
      pending->done(Status::Closed("the event store is closed"));
      return;
    }
    queue_.push_back(std::move(pending));
  }
  queue_cv_.notify_one();
}

void EventStore::WriterLoop() {
  // RocksDB's per-thread perf counters cost a TLS lookup per key comparison
  // in the memtable; the writer has no use for them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::vector<std::unique_ptr<Pending>> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto ready = [this] { return stop_writer_ || !queue_.empty(); };
      if (healthy_) {
        queue_cv_.wait(lock, ready);
      } else if (!queue_cv_.wait_for(lock, kRecoveryInterval, ready)) {
        // Nothing to write: try to heal anyway, so writes resume before
        // the next command arrives.
        lock.unlock();
        std::lock_guard<std::mutex> commit(commit_mu_);
        Recover();
        continue;
      }
      if (queue_.empty()) return;  // stop_writer_ and drained
      std::size_t n = std::min(queue_.size(), options_.max_group_commands);
      for (std::size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    {
      std::lock_guard<std::mutex> commit(commit_mu_);
      CommitGroup(group);
    }
    group.clear();
  }
}

Result<std::uint64_t> EventStore::CurrentVersion(const std::string& stream,
                                                 GroupState& g) {
  if (auto it = g.versions.find(stream); it != g.versions.end()) {
    return it->second;
  }
  if (auto it = stream_versions_.find(stream); it != stream_versions_.end()) {
    return it->second;
  }
  // Called by the writer only: everything in RocksDB is written, so the
  // newest indexed version is current.
  Result<std::uint64_t> version =
      LastIndexedVersion(stream, std::numeric_limits<std::uint64_t>::max());
  if (version.ok()) stream_versions_.emplace(stream, version.value());
  return version;
}

Result<AppendResult> EventStore::Decide(Pending& p, GroupState& g) {
  const AppendRequest& req = p.request;
  const CommandMeta& meta = req.meta;
  std::string idem_key;
  if (!meta.idempotency_key.empty()) {
    idem_key = format::PairKey(meta.actor, meta.idempotency_key);
    std::optional<format::IdempotencyRecord> seen;
    if (auto it = g.idem.find(idem_key); it != g.idem.end()) {
      seen = it->second;
      p.needs_write = true;
    } else {
      std::string value;
      rocksdb::Status rs =
          db_->Get(rocksdb::ReadOptions(), idem_cf_, idem_key, &value);
      if (rs.ok()) {
        format::IdempotencyRecord rec;
        if (!format::DecodeIdempotency(value, &rec)) {
          return Status::Corruption("malformed idempotency record");
        }
        seen = std::move(rec);
      } else if (!rs.IsNotFound()) {
        return FromRocks(rs, "read idempotency key");
      }
    }
    if (seen) {
      if (seen->fingerprint != meta.fingerprint) {
        return Status::IdempotencyMismatch(
            "idempotency key '" + meta.idempotency_key +
            "' was already used by " + meta.actor + " for another request");
      }
      stat_replays_.fetch_add(1);
      AppendResult r;
      r.first_position = seen->first_position;
      r.last_position = seen->last_position;
      r.recorded_at_us = seen->recorded_at_us;
      r.command_id = seen->command_id;
      r.replayed = true;
      r.response = seen->response;
      return r;
    }
  }

  // Resolve every stream's current version before touching the batch, so a
  // refused or failed command leaves nothing behind.
  for (const StreamCondition& c : req.conditions) {
    Result<std::uint64_t> current = CurrentVersion(c.stream, g);
    if (!current.ok()) return current.status();
    if (current.value() != c.expected_version) {
      stat_conflicts_.fetch_add(1);
      return Status::VersionConflict("stream " + c.stream + " is at version " +
                                     std::to_string(current.value()) +
                                     ", expected " +
                                     std::to_string(c.expected_version));
    }
  }
  for (const NewEvent& e : req.events) {
    Result<std::uint64_t> current = CurrentVersion(e.stream, g);
    if (!current.ok()) return current.status();
  }

  AppendResult result;
  std::int64_t now = std::max(clock_->NowMicros(), g.last_recorded_at);
  g.last_recorded_at = now;
  result.recorded_at_us = now;
  result.first_position = g.next_position;
  result.command_id = meta.command_id.empty()
                          ? "cmd-" + std::to_string(g.next_position)
                          : meta.command_id;
  RecordedEvent ev;
  for (const NewEvent& e : req.events) {
    std::uint64_t version = CurrentVersion(e.stream, g).value() + 1;
    g.versions[e.stream] = version;
    ev.position = g.next_position++;
    ev.stream = e.stream;
    ev.version = version;
    ev.type = e.type;
    ev.schema_version = e.schema_version;
    ev.recorded_at_us = now;
    ev.actor = meta.actor;
    ev.command_id = result.command_id;
    ev.data = e.data;
    ev.prev_hash = g.prev_hash;
    std::string envelope = format::EncodeEnvelope(ev);
    // hash = SHA-256(prev_hash || envelope); see storage_format.h.
    ev.hash = format::HashEnvelope(ev.prev_hash, envelope);
    envelope.append(reinterpret_cast<const char*>(ev.hash.data()),
                    ev.hash.size());
    std::string pos_key = format::PositionKey(ev.position);
    g.batch.Put(log_cf_, pos_key, envelope);
    g.batch.Put(streams_cf_, format::StreamIndexKey(e.stream, version),
                pos_key);
    g.prev_hash = ev.hash;
    result.versions.push_back(version);
  }
  result.last_position = g.next_position - 1;
  if (!idem_key.empty()) {
    format::IdempotencyRecord rec{meta.fingerprint,     result.first_position,
                                  result.last_position, now,
                                  result.command_id,    meta.response};
    g.batch.Put(idem_cf_, idem_key, format::EncodeIdempotency(rec));
    g.idem.emplace(idem_key, std::move(rec));
  }
  if (req.checkpoint) {
    g.batch.Put(checkpoints_cf_, req.checkpoint->subscriber,
                format::PositionKey(req.checkpoint->position));
  }
  g.wrote = true;
  p.needs_write = true;
  return result;
}

void EventStore::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  if (!healthy_) {
    const std::uint64_t before = head_.position;
    Status refused;
    if (!Recover()) {
      refused = Status::IOError(
          "the store is refusing writes after a failed "
          "write (" +
          HealthError() + "); writes resume once the disk is healthy");
    } else if (head_.position != before) {
      // The batch whose fsync failed reached the disk after all: these
      // commands were decided without it.
      refused = Status::IOError(
          "the store recovered from a failed write and found a batch whose "
          "outcome was unknown; retry");
    }
    if (!refused.ok()) {
      for (auto& p : group) p->done(refused);
      return;
    }
  }
  GroupState g;
  g.next_position = head_.position + 1;
  g.prev_hash = head_.hash;
  g.last_recorded_at = head_.recorded_at_us;
  for (auto& p : group) p->outcome = Decide(*p, g);

  if (g.wrote) {
    format::Head new_head{g.next_position - 1, g.prev_hash, g.last_recorded_at};
    g.batch.Put(meta_cf_, format::kHeadKey, format::EncodeHead(new_head));
    rocksdb::WriteOptions wo;
    wo.sync = options_.durability == Durability::kSync;
    rocksdb::Status rs = db_->Write(wo, &g.batch);
    if (rs.ok()) {
      head_ = new_head;
      for (auto& [stream, version] : g.versions) {
        stream_versions_[stream] = version;
      }
      std::uint64_t commands = 0;
      for (auto& p : group) {
        if (p->outcome.ok() && !p->outcome->replayed) ++commands;
      }
      stat_commands_.fetch_add(commands);
      int bucket = 0;
      while (bucket < StoreStats::kGroupBuckets - 1 &&
             (std::uint64_t{1} << bucket) < commands) {
        ++bucket;
      }
      stat_group_sizes_[bucket].fetch_add(1);
      stat_events_.fetch_add(new_head.position - durable_position_.load());
      stat_groups_.fetch_add(1);
      {
        std::lock_guard<std::mutex> lock(durable_mu_);
        durable_position_.store(new_head.position, std::memory_order_release);
      }
      durable_cv_.notify_all();
      std::lock_guard<std::mutex> lock(listeners_mu_);
      for (auto& listener : listeners_) listener(new_head.position);
    } else {
      Status failed = FromRocks(rs, "write batch");
      stat_write_failures_.fetch_add(1);
      MarkUnhealthy(failed);
      for (auto& p : group) {
        if (p->needs_write) p->outcome = failed;
      }
    }
  }
  for (auto& p : group) p->done(std::move(p->outcome));
}

Status EventStore::ImportBatch(const std::vector<RecordedEvent>& events) {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::lock_guard<std::mutex> queue(queue_mu_);  // no group starts meanwhile
  rocksdb::WriteBatch batch;
  format::Head head = head_;
  std::unordered_map<std::string, std::uint64_t> versions;
  for (const RecordedEvent& e : events) {
    auto bad = [&](const std::string& why) {
      return Status::Corruption("position " + std::to_string(e.position) +
                                ": " + why);
    };
    if (e.position != head.position + 1) {
      return bad("expected position " + std::to_string(head.position + 1));
    }
    if (e.prev_hash != head.hash) {
      return bad("prev_hash does not chain from the event before");
    }
    if (!ValidStreamName(e.stream)) return bad("invalid stream name");
    if (e.recorded_at_us < head.recorded_at_us) {
      return bad("recorded_at goes back in time");
    }
    if (format::ComputeHash(e) != e.hash) {
      return bad("hash does not match the event (edited?)");
    }
    auto v = versions.find(e.stream);
    std::uint64_t current = 0;
    if (v != versions.end()) {
      current = v->second;
    } else if (auto c = stream_versions_.find(e.stream);
               c != stream_versions_.end()) {
      current = c->second;
    } else {
      Result<std::uint64_t> indexed = LastIndexedVersion(
          e.stream, std::numeric_limits<std::uint64_t>::max());
      if (!indexed.ok()) return indexed.status();
      current = indexed.value();
    }
    if (e.version != current + 1) {
      return bad("stream " + e.stream + " version " +
                 std::to_string(e.version) + " after " +
                 std::to_string(current));
    }
    versions[e.stream] = e.version;
    std::string pos_key = format::PositionKey(e.position);
    batch.Put(log_cf_, pos_key, format::EncodeLogValue(e));
    batch.Put(streams_cf_, format::StreamIndexKey(e.stream, e.version),
              pos_key);
    head = format::Head{e.position, e.hash, e.recorded_at_us};
  }
  if (events.empty()) return Status::OK();
  batch.Put(meta_cf_, format::kHeadKey, format::EncodeHead(head));
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  rocksdb::Status rs = db_->Write(wo, &batch);
  if (!rs.ok()) return FromRocks(rs, "import batch");
  head_ = head;
  for (auto& [stream, version] : versions) stream_versions_[stream] = version;
  stat_events_.fetch_add(events.size());
  {
    std::lock_guard<std::mutex> lock(durable_mu_);
    durable_position_.store(head.position, std::memory_order_release);
  }
  durable_cv_.notify_all();
  return Status::OK();
}

Status EventStore::ForEachIdempotency(
    const std::function<bool(const IdempotencyEntry&)>& fn) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), idem_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::size_t nul = key.find('\0');
    IdempotencyEntry entry;
    if (nul == std::string_view::npos ||
        !format::DecodeIdempotency(
            std::string_view(it->value().data(), it->value().size()),
            &entry.record)) {
      return Status::Corruption("malformed idempotency record");
    }
    if (entry.record.last_position > LastPosition()) continue;
    entry.actor = std::string(key.substr(0, nul));
    entry.key = std::string(key.substr(nul + 1));
    if (!fn(entry)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan idempotency");
  return Status::OK();
}

Status EventStore::ImportIdempotency(
    const std::vector<IdempotencyEntry>& entries) {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::lock_guard<std::mutex> queue(queue_mu_);  // no group starts meanwhile
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, bool> seen;
  auto event_at = [&](std::uint64_t position, RecordedEvent* e) {
    std::string value;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_cf_,
                                  format::PositionKey(position), &value);
    return rs.ok() && format::DecodeLogValue(value, e);
  };
  for (const IdempotencyEntry& entry : entries) {
    const format::IdempotencyRecord& rec = entry.record;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("idempotency key '" + entry.key + "' of " +
                                     entry.actor + ": " + why);
    };
    if (entry.actor.empty() || HasNul(entry.actor) || HasNul(entry.key) ||
        entry.key.empty() || entry.key.size() > kMaxNameBytes) {
      return bad("malformed actor or key");
    }
    std::string pair = format::PairKey(entry.actor, entry.key);
    if (!seen.emplace(pair, true).second) return bad("listed twice");
    std::string existing;
    rocksdb::Status rs =
        db_->Get(rocksdb::ReadOptions(), idem_cf_, pair, &existing);
    if (rs.ok()) return bad("already recorded");
    if (!rs.IsNotFound()) return FromRocks(rs, "read idempotency key");
    if (rec.first_position == 0 || rec.first_position > rec.last_position ||
        rec.last_position > head_.position) {
      return bad("points outside the log");
    }
    RecordedEvent first, last;
    if (!event_at(rec.first_position, &first) ||
        !event_at(rec.last_position, &last) || first.actor != entry.actor ||
        first.command_id != rec.command_id ||
        last.command_id != rec.command_id) {
      return bad("positions " + std::to_string(rec.first_position) + ".." +
                 std::to_string(rec.last_position) +
                 " are not the command it names");
    }
    batch.Put(idem_cf_, pair, format::EncodeIdempotency(rec));
  }
  if (entries.empty()) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  rocksdb::Status rs = db_->Write(wo, &batch);
  if (!rs.ok()) return FromRocks(rs, "import idempotency records");
  return Status::OK();
}

Result<std::vector<RecordedEvent>> EventStore::ReadAll(
    std::uint64_t from_position, std::size_t max_count) const {
  std::vector<RecordedEvent> out;
  if (max_count == 0) return out;
  Status s =
      Scan(from_position, max_count >= kLongScan, [&](const RecordedEvent& e) {
        out.push_back(e);
        return out.size() < max_count;
      });
  if (!s.ok()) return s;
  return out;
}

Status EventStore::ForEach(
    std::uint64_t from_position,
    const std::function<bool(const RecordedEvent&)>& fn) const {
  return Scan(from_position, /*long_scan=*/true, fn);
}

Status EventStore::Scan(
    std::uint64_t from_position, bool long_scan,
    const std::function<bool(const RecordedEvent&)>& fn) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::uint64_t last = LastPosition();
  if (from_position == 0) from_position = 1;
  if (from_position > last) return Status::OK();
  std::string upper = format::PositionKey(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  if (long_scan) {
    // A replay: read ahead, and keep the block cache for point reads.
    ro.readahead_size = 2u << 20;
    ro.fill_cache = false;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log_cf_));
  RecordedEvent e;
  std::uint64_t expected = from_position;
  for (it->Seek(format::PositionKey(from_position)); it->Valid(); it->Next()) {
    rocksdb::Slice v = it->value();
    if (!format::DecodeLogValue(std::string_view(v.data(), v.size()), &e) ||
        e.position != expected) {
      return Status::Corruption("log entry at position " +
                                std::to_string(expected) + " is unreadable");
    }
    ++expected;
    if (!fn(e)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan log");
  if (expected != last + 1) {
    return Status::Corruption("log ends at " + std::to_string(expected - 1) +
                              ", expected " + std::to_string(last));
  }
  return Status::OK();
}

Result<std::vector<RecordedEvent>> EventStore::ReadStream(
    const std::string& stream, std::uint64_t from_version,
    std::size_t max_count) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::vector<RecordedEvent> out;
  if (!ValidStreamName(stream)) return out;
  std::uint64_t last = LastPosition();
  std::string prefix = format::StreamIndexPrefix(stream);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_cf_));
  std::vector<std::string> keys;
  for (it->Seek(format::StreamIndexKey(
           stream, std::max<std::uint64_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix) && keys.size() < max_count;
       it->Next()) {
    rocksdb::Slice v = it->value();
    if (v.size() != 8) return Status::Corruption("malformed stream index");
    if (format::DecodePositionKey(std::string_view(v.data(), 8)) > last) break;
    keys.emplace_back(v.data(), v.size());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan stream index");
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), log_cf_);
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  out.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok() || !format::DecodeLogValue(values[i], &out[i]) ||
        out[i].stream != stream) {
      return Status::Corruption(
          "stream " + stream + " points at an " +
          "unreadable event at position " +
          std::to_string(format::DecodePositionKey(keys[i])));
    }
  }
  return out;
}

Result<std::uint64_t> EventStore::PositionAsOf(std::int64_t as_of_us) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  // Invariant: recorded_at(lo) <= as_of (lo = 0 stands for "before the
  // log"), and every position above hi is later than as_of.
  std::uint64_t lo = 0, hi = LastPosition();
  std::string value;
  RecordedEvent e;
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo + 1) / 2;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_cf_,
                                  format::PositionKey(mid), &value);
    if (!rs.ok()) return FromRocks(rs, "read log");
    if (!format::DecodeLogValue(value, &e)) {
      return Status::Corruption("log entry at position " + std::to_string(mid) +
                                " is unreadable");
    }
    if (e.recorded_at_us <= as_of_us) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

Result<std::uint64_t> EventStore::StreamVersion(
    const std::string& stream) const {
  return DurableStreamVersion(stream);
}

Result<std::uint64_t> EventStore::DurableStreamVersion(
    const std::string& stream) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  if (!ValidStreamName(stream)) return std::uint64_t{0};
  return LastIndexedVersion(stream, LastPosition());
}

Result<std::uint64_t> EventStore::LastIndexedVersion(
    const std::string& stream, std::uint64_t max_position) const {
  // A forward walk of the stream's index entries: streams are short (a key
  // result gets a check-in a week), and the writer caches the answer.
  std::string prefix = format::StreamIndexPrefix(stream);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_cf_));
  std::uint64_t version = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (v.size() != 8 || k.size() != prefix.size() + 8) {
      return Status::Corruption("malformed stream index entry of " + stream);
    }
    if (format::DecodePositionKey(std::string_view(v.data(), 8)) >
        max_position) {
      break;
    }
    version = format::DecodePositionKey(
        std::string_view(k.data() + prefix.size(), 8));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan stream index");
  return version;
}

Result<std::optional<format::IdempotencyRecord>> EventStore::LookupIdempotency(
    const std::string& actor, const std::string& key) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), idem_cf_,
                                format::PairKey(actor, key), &value);
  std::optional<format::IdempotencyRecord> none;
  if (rs.IsNotFound()) return none;
  if (!rs.ok()) return FromRocks(rs, "read idempotency key");
  format::IdempotencyRecord rec;
  if (!format::DecodeIdempotency(value, &rec)) {
    return Status::Corruption("malformed idempotency record");
  }
  if (rec.last_position > LastPosition()) return none;
  return std::optional<format::IdempotencyRecord>(std::move(rec));
}

Result<std::uint64_t> EventStore::LoadCheckpoint(
    const std::string& subscriber) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), checkpoints_cf_,
                                AsSlice(subscriber), &value);
  if (rs.IsNotFound()) return std::uint64_t{0};
  if (!rs.ok()) return FromRocks(rs, "read checkpoint");
  if (value.size() != 8) return Status::Corruption("malformed checkpoint");
  return format::DecodePositionKey(value);
}

Status EventStore::SaveCheckpoint(
    const std::string& subscriber, std::uint64_t position,
    const std::vector<std::pair<std::string, std::string>>& own_writes) {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  if (subscriber.empty() || subscriber.size() > kMaxNameBytes ||
      HasNul(subscriber)) {
    return Status::InvalidArgument("subscriber name must be 1-256 bytes");
  }
  rocksdb::WriteBatch batch;
  batch.Put(checkpoints_cf_, subscriber, format::PositionKey(position));
  for (const auto& [key, value] : own_writes) {
    batch.Put(substate_cf_, format::PairKey(subscriber, key), value);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kSync;
  return FromRocks(db_->Write(wo, &batch), "write checkpoint");
}

Result<std::string> EventStore::LoadSubscriberState(
    const std::string& subscriber, const std::string& key) const {
  std::shared_lock<std::shared_mutex> reading(db_mu_);
  if (db_ == nullptr) return Status::Closed("the event store is closed");
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), substate_cf_,
                                format::PairKey(subscriber, key), &value);
  if (!rs.ok()) return FromRocks(rs, "read subscriber state");
  return value;
}

bool EventStore::WaitForPosition(std::uint64_t after,
                                 std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(durable_mu_);
  ++waiting_;
  durable_cv_.wait_for(
      lock, timeout, [&] { return LastPosition() > after || closing_.load(); });
  --waiting_;
  return LastPosition() > after;
}

int EventStore::TEST_Waiting() const {
  std::lock_guard<std::mutex> lock(durable_mu_);
  return waiting_;
}

std::unique_ptr<Subscription> EventStore::Subscribe(std::uint64_t after) const {
  return std::unique_ptr<Subscription>(new Subscription(this, after));
}

void EventStore::AddDurableListener(DurableListener listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

StoreStats EventStore::Stats() const {
  StoreStats s;
  s.commands = stat_commands_.load();
  s.events = stat_events_.load();
  s.commit_groups = stat_groups_.load();
  s.conflicts = stat_conflicts_.load();
  s.replays = stat_replays_.load();
  s.write_failures = stat_write_failures_.load();
  s.recoveries = stat_recoveries_.load();
  for (int i = 0; i < StoreStats::kGroupBuckets; ++i) {
    s.group_sizes[i] = stat_group_sizes_[i].load();
  }
  return s;
}

}  // namespace okr
