#include "adapters/cli/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "engine/backup.h"

namespace okr {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequest = 4096;

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Best effort and never blocking: answers are far smaller than a socket's
// buffer, and a peer that went away must not raise SIGPIPE.
void SendLine(int fd, const std::string& line) {
  std::string out = line + "\n";
  (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool FillAddress(const std::string& path, sockaddr_un* addr) {
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Empty when the peer may use the socket; otherwise why not.
std::string RefusePeer(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return "refused: the peer's credentials cannot be read";
  }
  const uid_t self = ::geteuid();
  if (cred.uid == self || cred.uid == 0) return "";
  return "refused: uid " + std::to_string(cred.uid) +
         " may not use this control socket (only the server's user, uid " +
         std::to_string(self) + ", or root)";
}

}  // namespace

struct ControlSocket::Impl {
  struct Client {
    int fd = -1;
    std::string in;
    SteadyClock::time_point deadline;
  };

  OkrEngine& engine;
  std::string data_dir;
  std::string path;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // Stop() writes a byte to wake[1]
  std::thread thread;

  // The socket's thread only.
  std::vector<Client> clients;

  Impl(OkrEngine& e, std::string d)
      : engine(e), data_dir(std::move(d)), path(PathFor(data_dir)) {}

  ~Impl() {
    for (int fd : {listen_fd, wake[0], wake[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void Serve() {
    std::vector<pollfd> fds;
    for (;;) {
      fds.clear();
      fds.push_back({wake[0], POLLIN, 0});
      fds.push_back({listen_fd, POLLIN, 0});
      for (const Client& c : clients) fds.push_back({c.fd, POLLIN, 0});
      int timeout_ms = -1;
      if (!clients.empty()) {
        auto first = std::min_element(clients.begin(), clients.end(),
                                      [](const Client& a, const Client& b) {
                                        return a.deadline < b.deadline;
                                      });
        auto left = std::chrono::ceil<std::chrono::milliseconds>(
            first->deadline - SteadyClock::now());
        timeout_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
      }
      int n = ::poll(fds.data(), fds.size(), timeout_ms);
      if (n < 0 && errno != EINTR) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (fds[0].revents != 0) break;  // stopping
      // Clients first: their indices in fds match `clients` as polled.
      std::vector<Client> still;
      const auto now = SteadyClock::now();
      for (std::size_t i = 0; i < clients.size(); ++i) {
        Client& c = clients[i];
        bool open = true;
        if (fds[i + 2].revents != 0) open = OnReadable(c);
        if (open && now >= c.deadline) {
          SendLine(c.fd, "error no request line within " +
                             std::to_string(kRequestDeadline.count()) +
                             " s; closed");
          open = false;
        }
        if (open) {
          still.push_back(std::move(c));
        } else {
          ::close(c.fd);
        }
      }
      clients = std::move(still);
      if ((fds[1].revents & POLLIN) != 0) Accept();
    }
    for (const Client& c : clients) ::close(c.fd);
    clients.clear();
  }

  void Accept() {
    int fd =
        ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors: the listener stays readable; not a busy loop.
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return;
    }
    if (std::string why = RefusePeer(fd); !why.empty()) {
      SendLine(fd, "error " + why);
      ::close(fd);
      return;
    }
    if (clients.size() >= static_cast<std::size_t>(kMaxClients)) {
      SendLine(fd, "error busy: " + std::to_string(kMaxClients) +
                       " connections wait already; try again");
      ::close(fd);
      return;
    }
    clients.push_back(Client{fd, "", SteadyClock::now() + kRequestDeadline});
  }

  // Reads what `c` sent; false once it has been answered or has gone.
  bool OnReadable(Client& c) {
    char buf[1024];
    ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
    if (got < 0) return errno == EAGAIN || errno == EINTR;
    if (got == 0) return false;  // gone before a whole line
    c.in.append(buf, static_cast<std::size_t>(got));
    std::size_t eol = c.in.find('\n');
    if (eol == std::string::npos) {
      if (c.in.size() <= kMaxRequest) return true;
      SendLine(c.fd, "error request longer than " +
                         std::to_string(kMaxRequest) + " bytes");
      return false;
    }
    std::string line = c.in.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    SendLine(c.fd, Answer(line));
    return false;
  }

  std::string Answer(const std::string& line) {
    const std::string verb = "backup ";
    if (line.rfind(verb, 0) != 0) {
      return "error unknown request (expected: backup <absolute folder>)";
    }
    std::string out = line.substr(verb.size());
    if (out.empty() || out[0] != '/') {
      return "error the backup folder must be an absolute path";
    }
    auto report = BackupDataDir(engine.store(), data_dir, out);
    if (!report.ok()) return "error " + OneLine(report.status().ToString());
    return "ok " + std::to_string(report->position) + " " +
           std::to_string(report->snapshot);
  }
};

ControlSocket::ControlSocket(OkrEngine& engine, std::string data_dir)
    : impl_(std::make_unique<Impl>(engine, std::move(data_dir))) {}

ControlSocket::~ControlSocket() { Stop(); }

Status ControlSocket::Start() {
  sockaddr_un addr;
  if (!FillAddress(impl_->path, &addr)) {
    return Status::IOError("the control socket path " + impl_->path +
                           " is too long for a Unix socket");
  }
  auto fail = [&](const std::string& what) {
    Status s =
        Status::IOError(Errno("control socket " + impl_->path + ": " + what));
    for (int* fd : {&impl_->listen_fd, &impl_->wake[0], &impl_->wake[1]}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
    return s;
  };
  if (::pipe2(impl_->wake, O_CLOEXEC) != 0) return fail("pipe");
  impl_->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl_->listen_fd < 0) return fail("socket");
  // A stale one, after a crash. Only a socket is replaced: anything else
  // at that name is not ours to delete.
  struct stat st;
  if (::lstat(impl_->path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    ::unlink(impl_->path.c_str());
  }
  if (::bind(impl_->listen_fd, reinterpret_cast<const sockaddr*>(&addr),
             sizeof addr) != 0) {
    return fail("bind");
  }
  // Owner only, before listen(): no connection can come in meanwhile.
  if (::chmod(impl_->path.c_str(), 0600) != 0) return fail("chmod");
  if (::listen(impl_->listen_fd, 16) != 0) return fail("listen");
  impl_->thread = std::thread([this] { impl_->Serve(); });
  return Status::OK();
}

void ControlSocket::Stop() {
  if (!impl_->thread.joinable()) return;
  const char byte = 1;
  while (::write(impl_->wake[1], &byte, 1) < 0 && errno == EINTR) {
  }
  impl_->thread.join();
  ::close(impl_->listen_fd);
  impl_->listen_fd = -1;
  ::unlink(impl_->path.c_str());
}

Result<std::string> AskServer(const std::string& data_dir,
                              const std::string& request) {
  const std::string path = ControlSocket::PathFor(data_dir);
  sockaddr_un addr;
  if (!FillAddress(path, &addr)) {
    return Status::IOError("control socket path too long");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(Errno("control socket"));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) !=
      0) {
    ::close(fd);
    return Status::IOError("no server answers on " + path);
  }
  const std::string line = request + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n =
        ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::IOError(Errno("control socket " + path));
      ::close(fd);
      return s;
    }
    sent += static_cast<std::size_t>(n);
  }
  // The answer comes once the backup is taken, however long that is.
  std::string answer;
  char buf[1024];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  std::size_t eol = answer.find('\n');
  if (eol == std::string::npos) {
    return Status::IOError("control socket " + path +
                           ": the server closed without an answer");
  }
  return answer.substr(0, eol);
}

}  // namespace okr
