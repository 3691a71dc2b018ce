// FaultyFs: a RocksDB FileSystem over the real one (files really land on
// disk, in the test's temporary folder) that fails writes, syncs or reads on
// demand, for the storage-fault tests.
//
// Switch a fault on with the atomics; every operation it fails counts in
// injected(). Faults can be limited to files whose name contains `only`
// (".log" for the WAL, ".sst" for tables); empty means every file.
//
// Thread safety: the switches may be flipped from any thread while RocksDB
// runs; `only` must be set before use.
#ifndef OKR_TESTS_SUPPORT_FAULTY_FS_H_
#define OKR_TESTS_SUPPORT_FAULTY_FS_H_

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace okr::testing {

class FaultyFs : public rocksdb::FileSystemWrapper {
 public:
  FaultyFs() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  std::atomic<bool> fail_writes{false};  // Append, PositionedAppend
  std::atomic<bool> fail_syncs{false};   // Sync, Fsync, RangeSync
  std::atomic<bool> fail_reads{false};   // reads of table and log files
  std::string only;

  std::uint64_t injected() const { return injected_.load(); }

  // An Env for StoreOptions::TEST_env; the FaultyFs must outlive it.
  static std::pair<std::shared_ptr<FaultyFs>, std::unique_ptr<rocksdb::Env>>
  Make() {
    auto fs = std::make_shared<FaultyFs>();
    auto env = rocksdb::NewCompositeEnv(fs);
    return {fs, std::move(env)};
  }

  const char* Name() const override { return "FaultyFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) r->reset(new Writable(std::move(*r), this, Applies(f)));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok()) r->reset(new Writable(std::move(*r), this, Applies(f)));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& f, const std::string& old,
      const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReuseWritableFile(f, old, o, r, dbg);
    if (s.ok()) r->reset(new Writable(std::move(*r), this, Applies(f)));
    return s;
  }
  rocksdb::IOStatus NewRandomAccessFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSRandomAccessFile>* r,
      rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewRandomAccessFile(f, o, r, dbg);
    if (s.ok()) r->reset(new RandomAccess(std::move(*r), this, Applies(f)));
    return s;
  }
  rocksdb::IOStatus NewSequentialFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSSequentialFile>* r,
      rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewSequentialFile(f, o, r, dbg);
    if (s.ok()) r->reset(new Sequential(std::move(*r), this, Applies(f)));
    return s;
  }

 private:
  bool Applies(const std::string& f) const {
    return only.empty() || f.find(only) != std::string::npos;
  }
  rocksdb::IOStatus Fail(const char* what) {
    ++injected_;
    return rocksdb::IOStatus::IOError(std::string("injected ") + what +
                                      " fault");
  }

  class Writable : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    Writable(std::unique_ptr<rocksdb::FSWritableFile> t, FaultyFs* fs,
             bool applies)
        : FSWritableFileOwnerWrapper(std::move(t)), fs_(fs), on_(applies) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& d,
                             const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_writes) return fs_->Fail("write");
      return FSWritableFileOwnerWrapper::Append(d, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& d,
                             const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_writes) return fs_->Fail("write");
      return FSWritableFileOwnerWrapper::Append(d, o, v, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d,
                                       std::uint64_t off,
                                       const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_writes) return fs_->Fail("write");
      return FSWritableFileOwnerWrapper::PositionedAppend(d, off, o, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_syncs) return fs_->Fail("sync");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_syncs) return fs_->Fail("sync");
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }
    rocksdb::IOStatus RangeSync(std::uint64_t off, std::uint64_t n,
                                const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_syncs) return fs_->Fail("sync");
      return FSWritableFileOwnerWrapper::RangeSync(off, n, o, dbg);
    }

   private:
    FaultyFs* fs_;
    bool on_;
  };

  class RandomAccess : public rocksdb::FSRandomAccessFileOwnerWrapper {
   public:
    RandomAccess(std::unique_ptr<rocksdb::FSRandomAccessFile> t, FaultyFs* fs,
                 bool applies)
        : FSRandomAccessFileOwnerWrapper(std::move(t)), fs_(fs), on_(applies) {}
    rocksdb::IOStatus Read(std::uint64_t off, std::size_t n,
                           const rocksdb::IOOptions& o, rocksdb::Slice* result,
                           char* scratch,
                           rocksdb::IODebugContext* dbg) const override {
      if (on_ && fs_->fail_reads) return fs_->Fail("read");
      return FSRandomAccessFileOwnerWrapper::Read(off, n, o, result, scratch,
                                                  dbg);
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, std::size_t n,
                                const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_reads) return fs_->Fail("read");
      return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, n, o, dbg);
    }

   private:
    FaultyFs* fs_;
    bool on_;
  };

  class Sequential : public rocksdb::FSSequentialFileOwnerWrapper {
   public:
    Sequential(std::unique_ptr<rocksdb::FSSequentialFile> t, FaultyFs* fs,
               bool applies)
        : FSSequentialFileOwnerWrapper(std::move(t)), fs_(fs), on_(applies) {}
    rocksdb::IOStatus Read(std::size_t n, const rocksdb::IOOptions& o,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) override {
      if (on_ && fs_->fail_reads) return fs_->Fail("read");
      return FSSequentialFileOwnerWrapper::Read(n, o, result, scratch, dbg);
    }

   private:
    FaultyFs* fs_;
    bool on_;
  };

  std::atomic<std::uint64_t> injected_{0};
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_FAULTY_FS_H_
