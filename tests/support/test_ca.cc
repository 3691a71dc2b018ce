#include "tests/support/test_ca.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace okr::testing {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

// Throws with `what` and the reasons OpenSSL queued (emptying its queue).
[[noreturn]] void Fail(const std::string& what) {
  std::string reasons;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reasons += std::string(reasons.empty() ? "" : "; ") + buf;
  }
  throw std::runtime_error("TestCa: " + what +
                           (reasons.empty() ? "" : ": " + reasons));
}

void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

Key NewKey() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Check(key != nullptr, "EC P-256 key generation");
  return key;
}

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;

struct Spec {
  std::string common_name;
  long not_before = 0, not_after = 0;  // seconds from now
  bool ca = false;
  std::string san;  // subjectAltName, for a server certificate
};

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  Check(ext != nullptr,
        std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
  Check(X509_add_ext(cert, ext.get(), -1) == 1,
        std::string("adding ") + OBJ_nid2sn(nid));
}

// A certificate for `key` per `spec`, signed by `issuer_key` and named
// after `issuer` (self-signed when `issuer` is null).
Cert Issue(const Spec& spec, EVP_PKEY* key, X509* issuer,
           EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");

  // A random positive serial of 159 bits (RFC 5280: at most 20 octets).
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  Check(serial != nullptr &&
            BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ==
                1 &&
            BN_to_ASN1_INTEGER(serial.get(),
                               X509_get_serialNumber(cert.get())) != nullptr,
        "serial number");

  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before) !=
                nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after) !=
                nullptr,
        "validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(
            name, "O", MBSTRING_UTF8,
            reinterpret_cast<const unsigned char*>("OKR Ledger tests"), -1, -1,
            0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(
                                           spec.common_name.c_str()),
                                       -1, -1, 0) == 1,
        "subject name");
  X509* signer = issuer != nullptr ? issuer : cert.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1,
        "issuer name");
  Check(X509_set_pubkey(cert.get(), key) == 1, "public key");

  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), signer, NID_authority_key_identifier,
               "keyid:always");
  if (spec.ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage,
                 "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage,
                 "critical,digitalSignature");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExtension(cert.get(), signer, NID_subject_alt_name, spec.san.c_str());
  }
  Check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "signing");
  return cert;
}

std::unique_ptr<BIO, Free> OpenForWriting(const std::string& path) {
  std::unique_ptr<BIO, Free> bio(BIO_new_file(path.c_str(), "w"));
  Check(bio != nullptr, "cannot write " + path);
  return bio;
}

void WriteCert(X509* cert, const std::string& path) {
  auto bio = OpenForWriting(path);
  Check(PEM_write_bio_X509(bio.get(), cert) == 1 && BIO_flush(bio.get()) == 1,
        "writing " + path);
}

void WriteKey(EVP_PKEY* key, const std::string& path) {
  auto bio = OpenForWriting(path);
  ::chmod(path.c_str(), 0600);  // before the key is in it
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                 nullptr) == 1 &&
            BIO_flush(bio.get()) == 1,
        "writing " + path);
}

}  // namespace

TestCa TestCa::Make(const std::string& dir) {
  TestCa ca{dir};
  ERR_clear_error();

  // The CA is valid over every server certificate's time span, the expired
  // one included, so that one fails only for its own dates.
  Key ca_key = NewKey();
  Cert ca_cert = Issue({"OKR Ledger Test CA", -7 * kDay, 30 * kDay, true, ""},
                       ca_key.get(), nullptr, ca_key.get());
  WriteCert(ca_cert.get(), ca.ca_file());

  Key other_key = NewKey();
  Cert other_cert =
      Issue({"OKR Ledger Other Test CA", -7 * kDay, 30 * kDay, true, ""},
            other_key.get(), nullptr, other_key.get());
  WriteCert(other_cert.get(), ca.other_ca_file());

  struct Server {
    const char* name;  // of the files
    Spec spec;
  };
  const Server servers[] = {
      {"good",
       {"localhost", -kHour, kDay, false, "IP:127.0.0.1,DNS:localhost"}},
      {"wrong-host",
       {"wrong-host.example", -kHour, kDay, false, "DNS:wrong-host.example"}},
      {"expired",
       {"localhost", -2 * kDay, -kDay, false, "IP:127.0.0.1,DNS:localhost"}},
  };
  for (const Server& s : servers) {
    Key key = NewKey();
    Cert cert = Issue(s.spec, key.get(), ca_cert.get(), ca_key.get());
    WriteCert(cert.get(), ca.cert(s.name));
    WriteKey(key.get(), ca.key(s.name));
  }
  return ca;
}

}  // namespace okr::testing
