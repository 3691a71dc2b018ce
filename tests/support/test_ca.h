// TestCa: a throwaway certificate authority for TLS tests, made in-process
// with the OpenSSL 3 C API (EC P-256 keys, SHA-256 signatures; no `openssl`
// command). Make() writes into an existing folder:
//   ca.pem             the CA certificate (basicConstraints critical CA:TRUE,
//                      keyUsage keyCertSign + cRLSign)
//   other-ca.pem       a second, unrelated self-signed CA: a client trusting
//                      only it must refuse every server certificate below
//   <name>.pem/.key    a server certificate signed by the CA and its key
//                      (PEM; the key PKCS#8, unencrypted), for each name:
//     good        SAN IP:127.0.0.1, DNS:localhost; valid now-1h .. now+1d
//     wrong-host  SAN DNS:wrong-host.example only; otherwise like good
//     expired     like good, but valid now-2d .. now-1d
// Server certificates carry basicConstraints CA:FALSE, extendedKeyUsage
// serverAuth and a random 159-bit serial. The CA's own key is not kept.
//
// Thread safety: Make() may run on any thread (it shares nothing); the
// object is an immutable value once made.
#ifndef OKR_TESTS_SUPPORT_TEST_CA_H_
#define OKR_TESTS_SUPPORT_TEST_CA_H_

#include <string>

namespace okr::testing {

struct TestCa {
  // Throws std::runtime_error (with OpenSSL's reason) on any failure.
  static TestCa Make(const std::string& dir);

  std::string dir;
  std::string ca_file() const { return dir + "/ca.pem"; }
  std::string other_ca_file() const { return dir + "/other-ca.pem"; }
  // "good", "wrong-host" or "expired".
  std::string cert(const std::string& name) const {
    return dir + "/" + name + ".pem";
  }
  std::string key(const std::string& name) const {
    return dir + "/" + name + ".key";
  }
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_TEST_CA_H_
