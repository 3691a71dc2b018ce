// ControlSocket: the local control channel of a running `okr serve`, a Unix
// domain socket at <data>/control.sock (mode 0600: only the server's user
// may connect, the filesystem is the authentication). One request line per
// connection, one answer line:
//
//   backup <absolute folder>   ->  ok <position> <snapshot>  |  error <why>
//
// It lets `okr backup --data DIR` take a consistent copy of a store that a
// server holds open (RocksDB admits one process per store).
//
// Thread safety: Start() once; the socket is served on its own thread until
// Stop() (or the destructor), which also removes the socket file.
#ifndef OKR_ADAPTERS_CLI_CONTROL_SOCKET_H_
#define OKR_ADAPTERS_CLI_CONTROL_SOCKET_H_

#include <memory>
#include <string>

#include "engine/okr_engine.h"
#include "engine/status.h"

namespace okr {

class ControlSocket {
 public:
  ControlSocket(OkrEngine& engine, std::string data_dir);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Binds <data>/control.sock (replacing a stale one). IOError if it cannot.
  Status Start();
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
