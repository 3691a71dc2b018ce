// Signed checkpoints (okr serve --signing-key): GET /v1/chain/head signed
// with the server's Ed25519 key, the checkpoint driver appending
// ChainHeadSigned only when the head moved and only right after the head it
// signs, and the reports carrying the latest checkpoint at the position
// they were computed at. Signatures are checked with OpenSSL's verifier and
// the public key alone, not with the signer's code.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "adapters/cli/checkpoint_driver.h"
#include "engine/chain_signer.h"
#include "events/export_format.h"
#include "tests/support/api_harness.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::HttpResult;

const std::vector<std::pair<std::string, std::string>> kRoot = {
    {"Authorization", "Bearer root-token-0001"}};

// Whether `signature_b64` is a valid Ed25519 signature of `text` by the
// public key in `public_pem`.
bool Verifies(const std::string& public_pem, const std::string& text,
              const std::string& signature_b64) {
  std::string sig;
  if (!events::Base64Decode(signature_b64, &sig)) return false;
  BIO* bio =
      BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = key != nullptr &&
            EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(sig.data()),
                sig.size(), reinterpret_cast<const unsigned char*>(text.data()),
                text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

struct Signed {
  KeyPairPem pair = GenerateSigningKey().value();
  std::unique_ptr<ChainSigner> signer =
      std::move(ChainSigner::FromPem(pair.private_pem).value());
  testing::ApiHarness api{"2026-08-01T09:00:00Z", signer.get()};

  json Get(const std::string& target) {
    HttpResult r = api.Request("GET", target, "", kRoot);
    BOOST_TEST_REQUIRE(r.status == 200, target << ": " << r.body);
    return r.json();
  }
  void Post(const std::string& target, const json& body) {
    HttpResult r = api.Request("POST", target, body.dump(), kRoot);
    BOOST_TEST_REQUIRE(r.status / 100 == 2, target << ": " << r.body);
  }
  json LastEvent() {
    json head = Get("/v1/chain/head");
    json page = Get("/v1/events?after=" +
                    std::to_string(head["position"].get<int>() - 1));
    return page["events"].back();
  }
  void SomeCycle(const std::string& id) {
    Post("/v1/cycles", {{"id", id},
                        {"name", id},
                        {"starts_on", "2026-07-01"},
                        {"ends_on", "2026-09-30"}});
  }
};

BOOST_AUTO_TEST_SUITE(checkpoints)

BOOST_FIXTURE_TEST_CASE(the_head_is_signed_and_verifies_with_the_public_key,
                        Signed) {
  json empty = Get("/v1/chain/head");
  BOOST_TEST(empty["position"] == 0);
  BOOST_TEST(empty["hash"] == std::string(64, '0'));
  BOOST_TEST(empty["recorded_at"].is_null());
  BOOST_TEST(empty["signature"].is_null());
  BOOST_TEST(empty["key_id"] == signer->key_id());

  SomeCycle("q3");
  json head = Get("/v1/chain/head");
  json last = LastEvent();
  BOOST_TEST(head["position"] == last["position"]);
  BOOST_TEST(head["hash"] == last["hash"]);
  BOOST_TEST(head["recorded_at"] == last["recorded_at"]);
  const std::string text = std::to_string(head["position"].get<int>()) + ":" +
                           head["hash"].get<std::string>() + ":" +
                           head["recorded_at"].get<std::string>();
  BOOST_TEST(Verifies(pair.public_pem, text, head["signature"]));
  BOOST_TEST(!Verifies(pair.public_pem, text + "x", head["signature"]));
  KeyPairPem other = GenerateSigningKey().value();
  BOOST_TEST(!Verifies(other.public_pem, text, head["signature"]));
}

BOOST_FIXTURE_TEST_CASE(a_checkpoint_is_appended_only_when_the_head_moved,
                        Signed) {
  CheckpointDriver driver(&api.engine().engine(), signer.get(),
                          std::chrono::seconds(3600));
  BOOST_TEST(!driver.RunOnce());  // an empty log: nothing to sign
  SomeCycle("q3");
  json before = LastEvent();
  BOOST_TEST(driver.RunOnce());
  json cp = LastEvent();
  BOOST_TEST(cp["type"] == "ChainHeadSigned");
  BOOST_TEST(cp["stream"] == "chain/head");
  BOOST_TEST(cp["actor"] == "okr-checkpoints");
  BOOST_TEST(cp["position"] == before["position"].get<int>() + 1);
  BOOST_TEST(cp["data"]["position"] == before["position"]);
  BOOST_TEST(cp["data"]["hash"] == before["hash"]);
  BOOST_TEST(cp["data"]["recorded_at"] == before["recorded_at"]);
  BOOST_TEST(cp["data"]["key_id"] == signer->key_id());
  const std::string text = std::to_string(before["position"].get<int>()) + ":" +
                           before["hash"].get<std::string>() + ":" +
                           before["recorded_at"].get<std::string>();
  BOOST_TEST(Verifies(pair.public_pem, text, cp["data"]["signature"]));

  BOOST_TEST(!driver.RunOnce());  // the head is the checkpoint: idle
  BOOST_TEST(LastEvent()["position"] == cp["position"]);
  Post("/v1/cycles/q3/start", json::object());
  BOOST_TEST(driver.RunOnce());
  BOOST_TEST(LastEvent()["position"] == cp["position"].get<int>() + 2);
}

BOOST_FIXTURE_TEST_CASE(
    a_checkpoint_not_of_the_head_or_not_by_an_admin_is_refused, Signed) {
  SomeCycle("q3");
  SomeCycle("q4");
  OkrEngine& engine = api.engine().engine();
  json stale = Get("/v1/events?after=0")["events"][0];
  ChainHead head{1, stale["hash"], stale["recorded_at"], stale["type"]};
  CommandRequest req;
  req.caller = Caller{"okr-checkpoints", Role::kAdmin};
  req.command = RecordCheckpoint{signer->Sign(head).value()};
  Outcome<CommandResult> refused = engine.Execute(req);
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().slug == "head-moved");
  req.caller = Caller{"maria", Role::kMember};
  Outcome<CommandResult> member = engine.Execute(req);
  BOOST_TEST_REQUIRE(!member.ok());
  BOOST_TEST((member.error().kind == ErrorKind::kForbidden));
  BOOST_TEST(Get("/v1/chain/head")["position"] == 2);  // nothing appended
}

BOOST_FIXTURE_TEST_CASE(reports_carry_the_latest_checkpoint_at_their_position,
                        Signed) {
  CheckpointDriver driver(&api.engine().engine(), signer.get(),
                          std::chrono::seconds(3600));
  SomeCycle("q3");
  const std::string early = LastEvent()["recorded_at"];  // before any
  Post("/v1/cycles/q3/start", json::object());
  BOOST_TEST_REQUIRE(driver.RunOnce());
  json first = LastEvent();
  Post("/v1/objectives", {{"id", "grow"},
                          {"cycle_id", "q3"},
                          {"title", "Grow"},
                          {"level", "company"}});
  const std::string between = LastEvent()["recorded_at"];
  BOOST_TEST_REQUIRE(driver.RunOnce());
  json second = LastEvent();
  Post("/v1/cycles/q3/retrospective/notes", {{"text", "after both"}});

  json retro = Get("/v1/cycles/q3/retrospective");
  BOOST_TEST(retro["position"] == second["position"].get<int>() + 1);
  BOOST_TEST(retro["checkpoint"] == second["data"]);

  json diff =
      Get("/v1/cycles/q3/changes?from=2026-01-01T00:00:00Z&to=" + between);
  BOOST_TEST(diff["position"] == second["position"].get<int>() - 1);
  BOOST_TEST(diff["checkpoint"] == first["data"]);
  json none =
      Get("/v1/cycles/q3/changes?from=2026-01-01T00:00:00Z&to=" + early);
  BOOST_TEST(none["checkpoint"].is_null());

  const std::string line =
      "signed checkpoint: position " +
      std::to_string(second["data"]["position"].get<int>()) + ", hash " +
      second["data"]["hash"].get<std::string>();
  for (const char* format : {"md", "html"}) {
    HttpResult r = api.Request(
        "GET", std::string("/v1/cycles/q3/retrospective?format=") + format, "",
        kRoot);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find(line) != std::string::npos, format);
    BOOST_TEST(r.body.find(second["data"]["signature"].get<std::string>()) !=
                   std::string::npos,
               format);
  }
}

BOOST_AUTO_TEST_CASE(a_key_that_is_not_ed25519_is_refused) {
  BOOST_TEST(!ChainSigner::FromPem("not a key").ok());
  KeyPairPem pair = GenerateSigningKey().value();
  BOOST_TEST(!ChainSigner::FromPem(pair.public_pem).ok());
  BOOST_TEST(ChainSigner::FromPem(pair.private_pem).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
