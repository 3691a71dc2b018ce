// NatsServer: a real `nats-server -js` (Debian's) for a test, on a loopback
// port with its own store folder, logging to a file in it. Start() again
// after Kill() restarts it on the same port and store, as an operator
// would after a crash.
//
// Thread safety: one object per test, from the test's thread.
#ifndef OKR_TESTS_SUPPORT_NATS_SERVER_H_
#define OKR_TESTS_SUPPORT_NATS_SERVER_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"

namespace okr::testing {

class NatsServer {
 public:
  // `dir` holds the store (dir/jetstream) and the log (dir/nats.log).
  explicit NatsServer(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Start();
  }
  ~NatsServer() { Kill(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts it and waits until it says it is ready. The first start takes
  // a free port below the kernel's ephemeral range (so that no outgoing
  // connection takes it while the server is killed); later ones reuse it.
  void Start() {
    if (port_ != 0) return Launch(port_);
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0;; ++attempt) {
      const int port = 20000 + static_cast<int>(rng() % 12000);
      try {
        return Launch(port);
      } catch (const std::runtime_error&) {
        Kill();
        if (attempt == 20) throw;
      }
    }
  }

  // SIGKILL, and waits for it to be gone.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string url() const {
    return "nats://127.0.0.1:" + std::to_string(port_);
  }

 private:
  void Launch(int port) {
    const std::string log = dir_ + "/nats.log";
    std::remove(log.c_str());
    std::vector<std::string> args{
        Binary(), "-js", "-a", "127.0.0.1", "-p", std::to_string(port),
        "-sd",    dir_,  "-l", log};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // Ready, or gone (a port taken: it exits at once).
    std::string text;
    bool exited = false;
    const bool ready = Eventually([&] {
      std::ifstream in(log);
      std::stringstream all;
      all << in.rdbuf();
      text = all.str();
      exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      return exited || text.find("Server is ready") != std::string::npos;
    });
    if (exited) pid_ = -1;
    if (!ready || exited) {
      throw std::runtime_error("nats-server did not start: " + text);
    }
    port_ = port;
  }

  static std::string Binary() {
    for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
      if (::access(p, X_OK) == 0) return p;
    }
    throw std::runtime_error("no nats-server (tools/install_deps.sh)");
  }

  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_NATS_SERVER_H_
