#include "engine/snapshot_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "engine/sha256.h"
#include "events/bounded_input_archive.h"

namespace okr {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'O', 'K', 'R', 'S', 'N', 'A', 'P', '\n'};
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 8 + 32 + 32;
constexpr std::size_t kChainHashAt = 8 + 4 + 8 + 8 + 32;

void PutFixed(std::string* out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out->push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t GetFixed(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]))
         << (8 * i);
  }
  return v;
}

Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0)
    return Status::IOError("open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return Status::IOError("fsync " + path + ": " + std::strerror(errno));
  return Status::OK();
}

// Reads a whole file with one read() per chunk into a buffer of its size.
Status ReadWhole(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status::NotFound("no snapshot " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError("stat " + path);
  }
  out->resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out->size()) {
    ssize_t n = ::read(fd, out->data() + done, out->size() - done);
    if (n <= 0) {
      ::close(fd);
      return Status::IOError("read " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return Status::OK();
}

// The checks of a file's header (its first kHeaderSize bytes, or fewer if
// the file is shorter) against the file's size: magic, format version,
// position, body size. Gives the body's digest and the chain hash.
Status CheckHeader(std::string_view header, std::uint64_t file_size,
                   std::uint64_t position, const std::string& path,
                   Hash* digest, Hash* chain_hash) {
  if (header.size() < kHeaderSize || file_size < kHeaderSize ||
      std::memcmp(header.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corruption(path + ": not a snapshot file");
  }
  std::uint32_t version = static_cast<std::uint32_t>(GetFixed(&header[8], 4));
  if (version != SnapshotStore::kFormatVersion) {
    return Status::Corruption(path + ": snapshot format " +
                              std::to_string(version) + ", this build reads " +
                              std::to_string(SnapshotStore::kFormatVersion));
  }
  std::uint64_t at = GetFixed(&header[12], 8);
  std::uint64_t size = GetFixed(&header[20], 8);
  if (at != position || size != file_size - kHeaderSize) {
    return Status::Corruption(path + ": header does not match the file");
  }
  std::memcpy(digest->data(), &header[28], digest->size());
  if (chain_hash != nullptr) {
    std::memcpy(chain_hash->data(), &header[kChainHashAt], chain_hash->size());
  }
  return Status::OK();
}

// Where a state's parse ends: the position check of Parse() and Load().
Status CheckParsedPosition(const OkrState& state, std::uint64_t position) {
  if (state.last_position() != position) {
    return Status::Corruption("snapshot at " + std::to_string(position) +
                              ": body is at another position");
  }
  return Status::OK();
}

}  // namespace

SnapshotStore::SnapshotStore(std::string dir) : dir_(std::move(dir)) {
  // The data folder and its snapshots hold the whole ledger: private to the
  // server's user (mkdir leaves an existing folder's mode alone).
  fs::path p(dir_);
  if (p.has_parent_path()) {
    std::error_code ec;
    if (p.parent_path().has_parent_path()) {
      fs::create_directories(p.parent_path().parent_path(), ec);
    }
    ::mkdir(p.parent_path().c_str(), 0700);
  }
  ::mkdir(dir_.c_str(), 0700);
}

std::string SnapshotStore::PathOf(std::uint64_t position) const {
  char name[64];
  std::snprintf(name, sizeof name, "state-%020llu.snap",
                static_cast<unsigned long long>(position));
  return dir_ + "/" + name;
}

Status SnapshotStore::Write(const OkrState& state,
                            const Hash& chain_hash) const {
  std::ostringstream body_stream;
  {
    cereal::PortableBinaryOutputArchive ar(body_stream);
    ar(state);
  }
  std::string body = std::move(body_stream).str();
  std::string header(kMagic, sizeof kMagic);
  PutFixed(&header, kFormatVersion, 4);
  PutFixed(&header, state.last_position(), 8);
  PutFixed(&header, body.size(), 8);
  Hash digest = Sha256Of(body);
  header.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  header.append(reinterpret_cast<const char*>(chain_hash.data()),
                chain_hash.size());

  std::string path = PathOf(state.last_position());
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  if (Status s = SyncPath(tmp, O_RDONLY); !s.ok()) return s;
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("rename " + tmp + ": " + ec.message());
  return SyncPath(dir_, O_RDONLY | O_DIRECTORY);
}

std::vector<std::uint64_t> SnapshotStore::List() const {
  std::vector<std::uint64_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 31 || name.rfind("state-", 0) != 0 ||
        name.substr(26) != ".snap") {
      continue;
    }
    std::string digits = name.substr(6, 20);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    out.push_back(std::stoull(digits));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status SnapshotStore::Load(std::uint64_t position, OkrState* state,
                           Hash* chain_hash) const {
  const std::string path = PathOf(position);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("no snapshot " + path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::IOError("stat " + path);
  bool read_failed = false;
  // Reads up to `size` bytes; 0 at the end of the file or on an error
  // (then read_failed).
  auto read_some = [&](char* buffer, std::size_t size) -> std::size_t {
    for (;;) {
      ssize_t n = ::read(fd, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) {
        read_failed = true;
        return 0;
      }
    }
  };
  auto read_error = [&] {
    return Status::IOError("read " + path + ": " + std::strerror(errno));
  };
  std::string chunk(kHeaderSize, '\0');
  std::size_t got = 0;
  while (got < chunk.size()) {
    std::size_t n = read_some(chunk.data() + got, chunk.size() - got);
    if (n == 0) break;
    got += n;
  }
  if (read_failed) return read_error();
  chunk.resize(got);
  Hash digest{};
  const std::uint64_t file_size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t body_size = file_size - kHeaderSize;
  if (Status s =
          CheckHeader(chunk, file_size, position, path, &digest, chain_hash);
      !s.ok()) {
    return s;
  }
  // Two passes over the file, never holding it. First the digest: no byte
  // of a damaged file may reach the parser, since the bound on a size
  // prefix is the bytes left, and a flipped bit in a count of strings
  // could still make it allocate several times the file's size.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  chunk.resize(kChunk);
  Sha256 hasher;
  for (std::uint64_t left = body_size; left > 0;) {
    std::size_t n = read_some(
        chunk.data(),
        static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, left)));
    if (n == 0) {
      return read_failed ? read_error()
                         : Status::IOError(path + ": shorter than its size");
    }
    hasher.Update(std::string_view(chunk.data(), n));
    left -= n;
  }
  if (hasher.Finish() != digest) {
    return Status::Corruption(path + ": digest mismatch");
  }
  // Then the body, checked, streams into the parser a chunk at a time.
  if (::lseek(fd, static_cast<off_t>(kHeaderSize), SEEK_SET) < 0) {
    return Status::IOError("seek " + path + ": " + std::strerror(errno));
  }
  chunk = {};
  try {
    BoundedInputArchive ar(read_some, body_size, kChunk);
    ar(*state);
  } catch (const std::exception& e) {
    if (read_failed) return read_error();
    return Status::Corruption("snapshot at " + std::to_string(position) + ": " +
                              e.what());
  }
  return CheckParsedPosition(*state, position);
}

Status SnapshotStore::ReadBody(std::uint64_t position, std::string* body,
                               Hash* chain_hash) const {
  std::string path = PathOf(position);
  std::string bytes;
  if (Status s = ReadWhole(path, &bytes); !s.ok()) return s;
  return CheckFile(std::move(bytes), position, path, body, chain_hash);
}

Status SnapshotStore::CheckFile(std::string bytes, std::uint64_t position,
                                const std::string& path, std::string* body,
                                Hash* chain_hash) {
  Hash digest{};
  if (Status s =
          CheckHeader(bytes, bytes.size(), position, path, &digest, chain_hash);
      !s.ok()) {
    return s;
  }
  if (Sha256Of(std::string_view(bytes).substr(kHeaderSize)) != digest) {
    return Status::Corruption(path + ": digest mismatch");
  }
  bytes.erase(0, kHeaderSize);
  *body = std::move(bytes);
  return Status::OK();
}

Status SnapshotStore::Parse(std::string_view body, std::uint64_t position,
                            OkrState* state) {
  try {
    // Bounded: a size prefix over the bytes left is refused before any
    // allocation (a corrupt body cannot make us allocate gigabytes).
    BoundedInputArchive ar(body);
    ar(*state);
  } catch (const std::exception& e) {
    return Status::Corruption("snapshot at " + std::to_string(position) + ": " +
                              e.what());
  }
  return CheckParsedPosition(*state, position);
}

std::size_t SnapshotStore::Prune(std::uint64_t keep_every,
                                 std::size_t keep_latest) const {
  std::vector<std::uint64_t> all = List();
  if (all.size() <= keep_latest) return 0;
  std::size_t removed = 0;
  std::uint64_t last_span = UINT64_MAX;
  for (std::size_t i = 0; i + keep_latest < all.size(); ++i) {
    std::uint64_t span = keep_every == 0 ? UINT64_MAX : all[i] / keep_every;
    if (keep_every != 0 && span != last_span) {
      last_span = span;  // the first of its span: kept
      continue;
    }
    if (Remove(all[i]).ok()) ++removed;
  }
  return removed;
}

Status SnapshotStore::CheckBinding(const std::string& name,
                                   std::uint64_t position,
                                   const Hash& chain_hash,
                                   const std::optional<Hash>& log_hash) {
  if (!log_hash) {
    return Status::Corruption(
        name + ": past the end of the log (position " +
        std::to_string(position) +
        "; a crash in async mode lost the events it holds)");
  }
  if (*log_hash != chain_hash) {
    return Status::Corruption(
        name + ": taken from another log (its chain hash at position " +
        std::to_string(position) + " is " + HashToHex(chain_hash) +
        ", the log's is " + HashToHex(*log_hash) + ")");
  }
  return Status::OK();
}

Status SnapshotStore::Remove(std::uint64_t position) const {
  std::error_code ec;
  fs::remove(PathOf(position), ec);
  if (ec) return Status::IOError(ec.message());
  return Status::OK();
}

}  // namespace okr
