// SHA-256 over byte strings, through OpenSSL's libcrypto.
//
// Thread safety: a Sha256 object is used from one thread at a time; the free
// function is safe from any thread.
#ifndef OKR_ENGINE_SHA256_H_
#define OKR_ENGINE_SHA256_H_

#include <memory>
#include <string_view>

#include "events/envelope.h"

namespace okr {

// Incremental hashing. Reusable: Finish() resets it for the next message.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  Hash Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Hash Sha256Of(std::string_view bytes);

}  // namespace okr

#endif  // OKR_ENGINE_SHA256_H_
