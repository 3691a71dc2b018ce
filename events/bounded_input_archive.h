// BoundedInputArchive: reads cereal's portable binary format (what
// cereal::PortableBinaryOutputArchive writes) from bytes in memory, and
// refuses a size prefix larger than the bytes left.
//
// Thread safety: one archive per thread; the bytes must stay live and
// unchanged while it reads them.
//
// Why not cereal::PortableBinaryInputArchive: cereal resizes a string or a
// vector to the size its prefix claims before reading the elements, so a
// payload of a dozen bytes claiming 2^40 characters makes it allocate (and
// zero) that much before the read fails. Here every size prefix (cereal's
// SizeTag: strings, vectors, maps) is checked against the bytes left first.
// That bound is exact for what we serialize: every element of every
// container takes at least one byte.
//
// Stricter than cereal's archive in two more ways: the byte order flag is
// 0 or 1 (cereal reads anything but 1 as big-endian), and a bool is the
// byte 0 or 1 (cereal copies any byte into the bool, whose value is then
// undefined).
//
// Errors: a short read, a size over the bytes left or a bad bool throws
// cereal::Exception, as cereal's own archives do.
//
// Two sources: bytes in memory, or a stream of known size read a chunk at
// a time through a callable (a snapshot parsed from its file without
// holding the file in memory); the bound is the same.
//
// Format (cereal/archives/portable_binary.hpp): one byte, 1 if the writer
// was little-endian, then every value in its writer's byte order; values
// are byte-swapped on load when that order is not this machine's.
#ifndef OKR_EVENTS_BOUNDED_INPUT_ARCHIVE_H_
#define OKR_EVENTS_BOUNDED_INPUT_ARCHIVE_H_

#include <algorithm>
#include <cereal/cereal.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace okr {

class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive,
                                  cereal::AllowEmptyClassElision> {
 public:
  // Reads the byte order flag at once (throws if `bytes` is empty).
  explicit BoundedInputArchive(std::string_view bytes)
      : cereal::InputArchive<BoundedInputArchive,
                             cereal::AllowEmptyClassElision>(this),
        bytes_(bytes),
        total_(bytes.size()) {
    ReadByteOrder();
  }

  // Fills `buffer` with up to `size` next bytes of the stream; returns how
  // many (0: the stream ended or failed).
  using Source = std::function<std::size_t(char* buffer, std::size_t size)>;
  // Reads a stream of `size` bytes from `source`, `chunk` bytes at a time.
  // REQUIRES: chunk > 0.
  BoundedInputArchive(Source source, std::uint64_t size,
                      std::size_t chunk = kDefaultChunk)
      : cereal::InputArchive<BoundedInputArchive,
                             cereal::AllowEmptyClassElision>(this),
        source_(std::move(source)),
        chunk_size_(chunk),
        total_(size) {
    ReadByteOrder();
  }
  static constexpr std::size_t kDefaultChunk = std::size_t{1} << 20;

  // Bytes not read yet.
  std::uint64_t remaining() const { return total_ - before_ - at_; }

  // Copies `size` bytes into `data`, swapping each DataSize-byte value if
  // the writer's byte order was not ours.
  template <std::size_t DataSize>
  void LoadBinary(void* data, std::size_t size) {
    if (size > remaining()) {
      throw cereal::Exception("Failed to read " + std::to_string(size) +
                              " bytes: " + std::to_string(remaining()) +
                              " left");
    }
    if (size == 0) return;  // (data may be null)
    if (size <= bytes_.size() - at_) {
      std::memcpy(data, bytes_.data() + at_, size);
      at_ += size;
    } else {
      CopyAcrossChunks(static_cast<char*>(data), size);
    }
    if (swap_ && DataSize > 1) {
      auto* p = static_cast<std::uint8_t*>(data);
      for (std::size_t i = 0; i + DataSize <= size; i += DataSize) {
        for (std::size_t k = 0; k < DataSize / 2; ++k) {
          std::swap(p[i + k], p[i + DataSize - 1 - k]);
        }
      }
    }
  }

  // REQUIRES: called with a size just read. Throws if more elements are
  // claimed than there are bytes left (each takes at least one).
  void CheckSize(std::uint64_t size) const {
    if (size > remaining()) {
      throw cereal::Exception("size " + std::to_string(size) + " exceeds the " +
                              std::to_string(remaining()) + " bytes left");
    }
  }

 private:
  void ReadByteOrder() {
    std::uint8_t little = 0;
    LoadBinary<1>(&little, 1);
    if (little > 1) {
      throw cereal::Exception("the byte order flag is 0 or 1, not " +
                              std::to_string(little));
    }
    swap_ = (little == 1) != IsLittleEndian();
  }
  // REQUIRES: size <= remaining().
  void CopyAcrossChunks(char* data, std::size_t size) {
    while (size > 0) {
      if (at_ == bytes_.size()) Refill();
      const std::size_t n = std::min(size, bytes_.size() - at_);
      std::memcpy(data, bytes_.data() + at_, n);
      at_ += n;
      data += n;
      size -= n;
    }
  }
  // REQUIRES: the chunk is read whole and remaining() > 0.
  void Refill() {
    before_ += bytes_.size();
    at_ = 0;
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(chunk_size_, remaining()));
    chunk_.resize(want);
    std::size_t got = 0;
    while (source_ && got < want) {
      std::size_t n = source_(chunk_.data() + got, want - got);
      if (n == 0) break;
      got += n;
    }
    if (got < want) {
      throw cereal::Exception("the stream ended " +
                              std::to_string(remaining() - got) +
                              " bytes early");
    }
    bytes_ = std::string_view(chunk_);
  }

  static bool IsLittleEndian() {
    const std::uint16_t one = 1;
    std::uint8_t first;
    std::memcpy(&first, &one, 1);
    return first == 1;
  }

  Source source_;               // null: the bytes are all in bytes_
  std::size_t chunk_size_ = 0;  // a stream's bytes per chunk
  std::string chunk_;           // a stream's current chunk
  std::string_view bytes_;      // the bytes in memory, or the current chunk
  std::uint64_t total_ = 0;     // bytes in all
  std::uint64_t before_ = 0;    // bytes of the chunks before the current one
  std::size_t at_ = 0;          // read of bytes_
  bool swap_ = false;
};

// Arithmetic values.
template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(
    BoundedInputArchive& ar, T& t) {
  static_assert(
      !std::is_floating_point_v<T> || std::numeric_limits<T>::is_iec559,
      "portable binary only holds IEEE 754 floating point");
  ar.template LoadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
}

// Bools: 0 or 1, nothing else.
inline void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, bool& t) {
  std::uint8_t byte = 0;
  ar.LoadBinary<1>(&byte, 1);
  if (byte > 1) {
    throw cereal::Exception("a bool is 0 or 1, not " + std::to_string(byte));
  }
  t = byte == 1;
}

// Names are not stored in a binary archive.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedInputArchive& ar,
                                    cereal::NameValuePair<T>& t) {
  ar(t.value);
}

// Sizes of containers: checked against the bytes left before any resize.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedInputArchive& ar,
                                    cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.CheckSize(static_cast<std::uint64_t>(t.size));
}

// Blocks of bytes (strings, arrays of arithmetic values).
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar,
                               cereal::BinaryData<T>& bd) {
  using Element = std::remove_pointer_t<T>;
  constexpr std::size_t kSize =
      std::is_void_v<Element>
          ? 1
          : sizeof(std::conditional_t<std::is_void_v<Element>, char, Element>);
  ar.template LoadBinary<kSize>(bd.data, static_cast<std::size_t>(bd.size));
}

}  // namespace okr

#endif  // OKR_EVENTS_BOUNDED_INPUT_ARCHIVE_H_
