// ControlSocket: the local control channel of a running `okr serve`, a Unix
// domain socket at <data>/control.sock. One request line per connection,
// one answer line:
//
//   request := "backup " absolute-folder "\n"          (4096 bytes at most)
//   answer  := "ok " position " " snapshot "\n"  |  "error " why "\n"
//
// It lets `okr backup --data DIR` take a consistent copy of a store that a
// server holds open (RocksDB admits one process per store).
//
// Who may connect: the socket file is mode 0600, and after accept() the
// peer's credentials (SO_PEERCRED) are checked as well: only the server's
// own user or root is served; any other is answered "error ..." and closed.
//
// Deadlines: a connection that has not sent its whole request line within
// kRequestDeadline is answered "error ..." and closed. Connections are
// served side by side (poll()), so a silent one delays no other; at most
// kMaxClients wait at once, more are answered "error busy" and closed.
// A backup itself runs on the socket's thread, one at a time.
//
// Thread safety: Start() once; the socket is served on its own thread until
// Stop() (or the destructor), which wakes it at once whatever its clients
// do, and removes the socket file.
#ifndef OKR_ADAPTERS_CLI_CONTROL_SOCKET_H_
#define OKR_ADAPTERS_CLI_CONTROL_SOCKET_H_

#include <chrono>
#include <memory>
#include <string>

#include "engine/okr_engine.h"
#include "engine/status.h"

namespace okr {

class ControlSocket {
 public:
  static constexpr std::chrono::seconds kRequestDeadline{5};
  static constexpr int kMaxClients = 16;

  ControlSocket(OkrEngine& engine, std::string data_dir);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Binds <data>/control.sock (replacing a stale one). IOError if it cannot.
  Status Start();
  // Idempotent. Returns once the socket's thread has ended (a backup in
  // progress is finished first).
  void Stop();

  static std::string PathFor(const std::string& data_dir) {
    return data_dir + "/control.sock";
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The client side: sends one request line to the server of `data_dir` and
// returns its answer line. IOError when no server listens there.
Result<std::string> AskServer(const std::string& data_dir,
                              const std::string& request);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_CONTROL_SOCKET_H_
