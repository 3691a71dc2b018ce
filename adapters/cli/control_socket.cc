#include "adapters/cli/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <utility>
// clang-format off
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
// clang-format on
#include <filesystem>
#include <istream>
#include <thread>

#include "engine/backup.h"

namespace okr {
namespace {

namespace net = boost::asio;
using local = net::local::stream_protocol;

constexpr std::size_t kMaxRequest = 4096;

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

struct ControlSocket::Impl {
  OkrEngine& engine;
  std::string data_dir;
  std::string path;
  net::io_context ioc;
  local::acceptor acceptor{ioc};
  std::atomic<bool> stopping{false};
  std::thread thread;

  Impl(OkrEngine& e, std::string d)
      : engine(e), data_dir(std::move(d)), path(PathFor(data_dir)) {}

  // Requests are rare and short: served one at a time, synchronously.
  void Serve() {
    for (;;) {
      boost::system::error_code ec;
      local::socket s(ioc);
      acceptor.accept(s, ec);
      if (stopping) return;
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      // A client that connects and says nothing holds the channel 5 s at
      // most.
      timeval limit{5, 0};
      ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit,
                   sizeof limit);
      net::streambuf in(kMaxRequest);
      net::read_until(s, in, '\n', ec);
      std::string line;
      std::istream is(&in);
      std::getline(is, line);
      std::string answer = Answer(line) + "\n";
      net::write(s, net::buffer(answer), ec);
    }
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
  if (impl_->path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::IOError("the control socket path " + impl_->path +
                           " is too long for a Unix socket");
  }
  std::error_code fs_ec;
  std::filesystem::remove(impl_->path, fs_ec);  // a stale one, after a crash
  boost::system::error_code ec;
  local::endpoint ep(impl_->path);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  // Owner only, before listen(): no connection can come in meanwhile.
  if (!ec && ::chmod(impl_->path.c_str(), 0600) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) impl_->acceptor.listen(8, ec);
  if (ec) {
    return Status::IOError("control socket " + impl_->path + ": " +
                           ec.message());
  }
  impl_->thread = std::thread([this] { impl_->Serve(); });
  return Status::OK();
}

void ControlSocket::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  // A blocking accept() wakes when its socket is shut down (Linux).
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->thread.join();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  std::error_code fs_ec;
  std::filesystem::remove(impl_->path, fs_ec);
}

Result<std::string> AskServer(const std::string& data_dir,
                              const std::string& request) {
  std::string path = ControlSocket::PathFor(data_dir);
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::IOError("control socket path too long");
  }
  net::io_context ioc;
  local::socket s(ioc);
  boost::system::error_code ec;
  s.connect(local::endpoint(path), ec);
  if (ec) return Status::IOError("no server answers on " + path);
  std::string line = request + "\n";
  net::write(s, net::buffer(line), ec);
  if (ec) return Status::IOError("control socket: " + ec.message());
  net::streambuf in(kMaxRequest);
  net::read_until(s, in, '\n', ec);
  if (ec && in.size() == 0) {
    return Status::IOError("control socket: " + ec.message());
  }
  std::istream is(&in);
  std::string answer;
  std::getline(is, answer);
  return answer;
}

}  // namespace okr
