// What `okr serve` (serve.cc) and `okr replica` (replica_serve.cc) share:
// the checks of the serving options, the tokens, the server's and the
// Api's options.
#ifndef OKR_ADAPTERS_CLI_SERVE_INTERNAL_H_
#define OKR_ADAPTERS_CLI_SERVE_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/cli/serve.h"
#include "adapters/http/api.h"
#include "adapters/http/server.h"
#include "adapters/http/tokens.h"

namespace okr {

// The server's options from the command line's; false, having said why
// on stderr, when one is out of range.
bool ServerOptionsOf(const ServeOptions& o, http::ServerOptions* out);

// --public-url, --session-hours and --durability: false (said on stderr,
// after `who`) on a usage error. *public_origin: that of --public-url.
bool CheckServingUsage(const ServeOptions& o,
                       std::optional<std::string>* public_origin,
                       const std::string& who = "okr serve");

// Every connection is a file descriptor: takes the soft limit up to the
// hard one, and says so when the cap of connections cannot be met.
void RaiseOpenFileLimit(std::size_t max_connections);

// The tokens file: `tokens_file`, or DATA/tokens (written on the first
// start, which is said after `who`, as where they come from is).
Result<http::Tokens> LoadTokens(const std::string& tokens_file,
                                const std::string& data_dir,
                                const std::string& who = "okr serve");

// The Api's options of the read pool and the web app's sessions.
http::ApiOptions ServingApiOptions(const ServeOptions& o,
                                   const std::optional<std::string>& origin);

// The web app's origins: --public-url's, or those of the listen address
// (warning that a browser cannot change anything when it is every address).
std::vector<std::string> AppOrigins(
    const std::optional<std::string>& public_origin, const std::string& host,
    std::uint16_t port);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_SERVE_INTERNAL_H_
