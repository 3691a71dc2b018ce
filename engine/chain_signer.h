// ChainSigner: signs the head of the hash chain with an Ed25519 key
// (OpenSSL), for GET /v1/chain/head and the ChainHeadSigned checkpoints
// the server appends (docs/on-disk-format.md, "Signed checkpoints").
//
// What is signed: the UTF-8 text "<position>:<hash hex>:<recorded_at>",
// recorded_at written YYYY-MM-DDTHH:MM:SS.ffffffZ. The key id is the first
// 16 hex digits of the SHA-256 of the raw 32-byte public key, so anyone
// with the public key can tell which key signed.
//
// Thread safety: a loaded signer is immutable; Sign() may be called from
// any thread.
#ifndef OKR_ENGINE_CHAIN_SIGNER_H_
#define OKR_ENGINE_CHAIN_SIGNER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"
#include "events/catalogue.h"

namespace okr {

// The chain's head: the last durable event's position, hash and time.
// Position 0 (an empty log) has a zero hash and no time.
struct ChainHead {
  std::uint64_t position = 0;
  std::string hash_hex;     // lowercase, 64 digits
  std::string recorded_at;  // YYYY-MM-DDTHH:MM:SS.ffffffZ; empty at 0
  std::string type;         // of the head event; empty at 0
};

// A new key pair, as PEM: the private key (PKCS#8) and the public key
// (SubjectPublicKeyInfo).
struct KeyPairPem {
  std::string private_pem, public_pem;
};
Result<KeyPairPem> GenerateSigningKey();

class ChainSigner {
 public:
  // An Ed25519 private key in PEM (PKCS#8). InvalidArgument for anything
  // else (another algorithm, an encrypted key, not PEM).
  static Result<std::unique_ptr<ChainSigner>> FromPem(const std::string& pem);
  ~ChainSigner();
  ChainSigner(const ChainSigner&) = delete;
  ChainSigner& operator=(const ChainSigner&) = delete;

  const std::string& key_id() const { return key_id_; }
  // The text a checkpoint signs, for `head`.
  static std::string SignedText(const ChainHead& head);
  // The checkpoint of `head`: its fields and the signature (base64).
  // REQUIRES: head.position > 0.
  Result<events::ChainHeadSigned> Sign(const ChainHead& head) const;

 private:
  struct Key;
  explicit ChainSigner(std::unique_ptr<Key> key, std::string key_id);
  std::unique_ptr<Key> key_;
  std::string key_id_;
};

}  // namespace okr

#endif  // OKR_ENGINE_CHAIN_SIGNER_H_
