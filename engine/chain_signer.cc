#include "engine/chain_signer.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "engine/sha256.h"
#include "events/export_format.h"

namespace okr {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct KeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// The first 16 hex digits of SHA-256(raw public key).
std::string KeyIdOf(EVP_PKEY* key) {
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) {
    return {};
  }
  return HashToHex(
             Sha256Of(std::string_view(reinterpret_cast<char*>(raw), len)))
      .substr(0, 16);
}

// What a memory BIO holds.
std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : "";
}

}  // namespace

struct ChainSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

ChainSigner::ChainSigner(std::unique_ptr<Key> key, std::string key_id)
    : key_(std::move(key)), key_id_(std::move(key_id)) {}
ChainSigner::~ChainSigner() = default;

Result<KeyPairPem> GenerateSigningKey() {
  std::unique_ptr<EVP_PKEY_CTX, KeyCtxFree> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return Status::IOError("cannot generate an Ed25519 key");
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(raw, EVP_PKEY_free);
  BioPtr priv(BIO_new(BIO_s_mem())), pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub ||
      PEM_write_bio_PrivateKey(priv.get(), raw, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), raw) != 1) {
    return Status::IOError("cannot write the key as PEM");
  }
  return KeyPairPem{BioText(priv.get()), BioText(pub.get())};
}

Result<std::unique_ptr<ChainSigner>> ChainSigner::FromPem(
    const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  auto key = std::make_unique<Key>();
  // No passphrase callback: an encrypted key is refused, not prompted for.
  if (bio) {
    key->pkey = PEM_read_bio_PrivateKey(
        bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  }
  if (key->pkey == nullptr || EVP_PKEY_id(key->pkey) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument(
        "the signing key must be an unencrypted Ed25519 private key in PEM "
        "(okr keygen writes one)");
  }
  std::string id = KeyIdOf(key->pkey);
  if (id.empty()) return Status::InvalidArgument("the signing key is unusable");
  return std::unique_ptr<ChainSigner>(
      new ChainSigner(std::move(key), std::move(id)));
}

std::string ChainSigner::SignedText(const ChainHead& head) {
  return std::to_string(head.position) + ":" + head.hash_hex + ":" +
         head.recorded_at;
}

Result<events::ChainHeadSigned> ChainSigner::Sign(const ChainHead& head) const {
  const std::string text = SignedText(head);
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  std::size_t len = sizeof sig;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig, &len,
                     reinterpret_cast<const unsigned char*>(text.data()),
                     text.size()) != 1) {
    return Status::IOError("Ed25519 signing failed");
  }
  events::ChainHeadSigned out;
  out.key_id = key_id_;
  out.position = head.position;
  out.hash = head.hash_hex;
  out.recorded_at = head.recorded_at;
  out.signature =
      events::Base64Encode(std::string_view(reinterpret_cast<char*>(sig), len));
  return out;
}

}  // namespace okr
