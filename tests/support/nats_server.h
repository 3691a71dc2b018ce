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

  // Starts it (on the port of the first start after that) and waits until
  // it says it is ready.
  void Start() {
    const std::string log = dir_ + "/nats.log";
    std::remove(log.c_str());
    std::vector<std::string> args{
        Binary(),    "-js", "-a",
        "127.0.0.1", "-p",  port_ == 0 ? "-1" : std::to_string(port_),
        "-sd",       dir_,  "-l",
        log};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    std::string text;
    const bool ready = Eventually([&] {
      std::ifstream in(log);
      std::stringstream all;
      all << in.rdbuf();
      text = all.str();
      return text.find("Server is ready") != std::string::npos;
    });
    if (!ready) throw std::runtime_error("nats-server did not start: " + text);
    const std::string mark = "Listening for client connections on 127.0.0.1:";
    const auto at = text.find(mark);
    if (at == std::string::npos) throw std::runtime_error("no port: " + text);
    port_ = std::stoi(text.substr(at + mark.size()));
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
