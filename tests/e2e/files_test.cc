// Files that hold secrets, on the real okr binary: the tokens file and the
// webhook secret file must be regular files (not symbolic links), owned by
// the server's user or root, mode 0600; the tokens file must be UTF-8 and
// the secret file not empty. Each refusal names the file and the rule, and
// the server exits non-zero before it opens the store (the data folder is
// never created).
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

namespace fs = std::filesystem;

struct Run {
  int status;
  std::string err;
};

std::string Slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `okr serve` with `args` on a fresh data folder and any port; bounded: a
// server that starts after all is ended by `timeout` (status 124).
Run Serve(const testing::TempDir& dir, const std::string& args) {
  const std::string err = dir.Sub("stderr");
  std::string cmd = "timeout 30 " + std::string(OKR_BINARY) + " serve --data " +
                    dir.Sub("data") +
                    " --listen 127.0.0.1:0 --reminder-interval 0 " + args +
                    " > /dev/null 2> " + err;
  int raw = std::system(cmd.c_str());
  return Run{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(err)};
}

// The refusal: a failure exit, a message naming `path` and holding `rule`,
// and no store.
void ExpectRefused(const testing::TempDir& dir, const Run& r,
                   const std::string& path, const std::string& rule) {
  BOOST_TEST(r.status == 1, r.err);
  BOOST_TEST(r.err.find(path) != std::string::npos, r.err);
  BOOST_TEST(r.err.find(rule) != std::string::npos, r.err);
  BOOST_TEST(!fs::exists(dir.Sub("data")));
}

// A server started with `args` (it says where it listens) stops cleanly.
bool Starts(const testing::TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> all{"serve",    "--data",      dir.Sub("data"),
                               "--listen", "127.0.0.1:0", "--reminder-interval",
                               "0"};
  all.insert(all.end(), args.begin(), args.end());
  testing::ServerProcess p(OKR_BINARY, all);
  return p.port() > 0 && p.Stop() == 0;
}

const char kTokens[] = "root-token-0001 root admin\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_files)

BOOST_AUTO_TEST_CASE(a_symlinked_tokens_file_is_refused) {
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("real"), kTokens);
  fs::create_symlink(dir.Sub("real"), dir.Sub("tokens"));
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens"));
  ExpectRefused(dir, r, dir.Sub("tokens"),
                "is a symbolic link: it must be a regular file");
  // The same file named directly is fine (the refusal was the link's).
  testing::TempDir ok;
  testing::WriteTokensFile(ok.Sub("tokens"), kTokens);
  BOOST_TEST(Starts(ok, {"--tokens", ok.Sub("tokens")}));
}

BOOST_AUTO_TEST_CASE(a_tokens_file_that_is_not_a_regular_file_is_refused) {
  testing::TempDir dir;
  BOOST_TEST_REQUIRE(::mkfifo(dir.Sub("tokens").c_str(), 0600) == 0);
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens"));
  ExpectRefused(dir, r, dir.Sub("tokens"), "is not a regular file");
}

BOOST_AUTO_TEST_CASE(a_group_readable_tokens_file_is_refused) {
  testing::TempDir dir;
  testing::WriteTokensFile(
      dir.Sub("tokens"), kTokens,
      fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens"));
  ExpectRefused(dir, r, dir.Sub("tokens"), "has mode 0640");
  BOOST_TEST(r.err.find("chmod 600") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_tokens_file_owned_by_another_uid_is_refused) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root to chown the file to uid 65534");
    BOOST_TEST(true);
    return;
  }
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
  BOOST_TEST_REQUIRE(::chown(dir.Sub("tokens").c_str(), 65534, 65534) == 0);
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens"));
  ExpectRefused(dir, r, dir.Sub("tokens"),
                "is owned by uid 65534: it must be owned by the server's "
                "user (uid 0) or root");
}

BOOST_AUTO_TEST_CASE(a_tokens_file_line_that_is_not_utf8_is_refused) {
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"),
                           "# tokens\n"
                           "root-token-0001 root admin\n"
                           "maria-token-001 mar\xC3\x28ia member\n");
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens"));
  ExpectRefused(dir, r, dir.Sub("tokens") + ":3", "not valid UTF-8");
  // Well-formed UTF-8 names are fine.
  testing::TempDir ok;
  testing::WriteTokensFile(ok.Sub("tokens"),
                           "root-token-0001 r\xC3\xA9my admin\n");
  BOOST_TEST(Starts(ok, {"--tokens", ok.Sub("tokens")}));
}

// The webhook secret file: the tokens file's rules, and not empty.
BOOST_AUTO_TEST_CASE(a_webhook_secret_file_breaking_the_rules_is_refused) {
  struct Case {
    const char* what;
    std::string text;
    fs::perms mode;
    bool link;
    std::string rule;
  };
  const fs::perms owner = fs::perms::owner_read | fs::perms::owner_write;
  const std::vector<Case> cases{
      {"world-readable", "s3cret\n",
       owner | fs::perms::group_read | fs::perms::others_read, false,
       "has mode 0644"},
      {"symlinked", "s3cret\n", owner, true,
       "is a symbolic link: it must be a regular file"},
      {"empty", "\n", owner, false, "is empty"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      testing::TempDir dir;
      testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
      testing::WriteTokensFile(dir.Sub("real"), c.text, c.mode);
      std::string secret = dir.Sub("real");
      if (c.link) {
        secret = dir.Sub("secret");
        fs::create_symlink(dir.Sub("real"), secret);
      }
      Run r = Serve(dir, "--tokens " + dir.Sub("tokens") +
                             " --webhook http://127.0.0.1:9/hook"
                             " --webhook-secret-file " +
                             secret);
      ExpectRefused(dir, r, "webhook secret file " + secret, c.rule);
    }
  }
  // Both a secret and a secret file: which one is meant is not guessed.
  testing::TempDir dir;
  testing::WriteTokensFile(dir.Sub("tokens"), kTokens);
  testing::WriteTokensFile(dir.Sub("secret"), "s3cret\n");
  Run r = Serve(dir, "--tokens " + dir.Sub("tokens") +
                         " --webhook-secret abc --webhook-secret-file " +
                         dir.Sub("secret"));
  BOOST_TEST(r.status == 1, r.err);
  BOOST_TEST(r.err.find("not both") != std::string::npos, r.err);
  BOOST_TEST(!fs::exists(dir.Sub("data")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr
