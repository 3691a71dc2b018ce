// ServerProcess: the real `okr serve` binary started for a test on
// 127.0.0.1 with any free port, its stdout read until it says where it
// listens.
//
// Thread safety: one object per test.
#ifndef OKR_TESTS_SUPPORT_SERVER_PROCESS_H_
#define OKR_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace okr::testing {

struct ServerProcessOptions {
  bool capture_stderr = false;  // stderr into Output() as well
  rlim_t open_files = 0;        // >0: the child's soft RLIMIT_NOFILE
  rlim_t open_files_hard = 0;   // its hard one (0: open_files)
};

class ServerProcess {
 public:
  ServerProcess(const std::string& binary, std::vector<std::string> args,
                ServerProcessOptions options = {}) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      if (options.capture_stderr) ::dup2(out[1], 2);
      if (options.open_files > 0) {
        rlimit lim{options.open_files, options.open_files_hard > 0
                                           ? options.open_files_hard
                                           : options.open_files};
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(126);
      }
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = ::fdopen(out[0], "r");
    char line[1024];
    while (std::fgets(line, sizeof line, out_) != nullptr) {
      std::string l(line);
      output_ += l;
      auto at = l.find("listening on http://");
      if (at != std::string::npos) {
        auto colon = l.find(':', at + 20);
        port_ = std::stoi(l.substr(colon + 1));
        return;
      }
    }
    throw std::runtime_error("okr serve did not start: " + output_);
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits; returns the exit status (or 128 + signal).
  int Stop(int sig = SIGTERM) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
  // Reads its output until it holds `text` (true), the process closes it or
  // `deadline` passes (false). For what the server says while it runs.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds deadline) {
    const int fd = ::fileno(out_);
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const auto end = std::chrono::steady_clock::now() + deadline;
    bool found = output_.find(text) != std::string::npos;
    char line[1024];
    while (!found && std::chrono::steady_clock::now() < end) {
      // fgets first: stdio may hold bytes read ahead of the last line.
      while (std::fgets(line, sizeof line, out_) != nullptr) output_ += line;
      found = output_.find(text) != std::string::npos;
      if (found || std::feof(out_)) break;
      std::clearerr(out_);  // EAGAIN: nothing more yet
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
    }
    std::clearerr(out_);
    ::fcntl(fd, F_SETFL, flags);
    return found;
  }
  // The rest of its stdout (after Stop()).
  std::string Output() {
    char line[1024];
    while (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
      output_ += line;
    }
    return output_;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
  std::string output_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_SERVER_PROCESS_H_
