// `okr keygen --out DIR`: a new Ed25519 key pair for signed checkpoints:
// DIR/signing.pem (the private key, PKCS#8 PEM, mode 0600) and
// DIR/signing.pub.pem (the public key, for tools/verify_export.py
// --public-key). DIR is created (mode 0700) if it does not exist; an
// existing key file is never overwritten.
//
// Thread safety: called once, from main.
#ifndef OKR_ADAPTERS_CLI_KEYGEN_CMD_H_
#define OKR_ADAPTERS_CLI_KEYGEN_CMD_H_

#include <string>

namespace okr {

// Exit status; prints the two paths and the key id.
int RunKeygen(const std::string& out_dir);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_KEYGEN_CMD_H_
