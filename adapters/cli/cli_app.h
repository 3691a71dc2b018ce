// The `okr` command line: parses arguments and runs one subcommand.
//
// Thread safety: RunCli is called once, from main.
#ifndef OKR_ADAPTERS_CLI_CLI_APP_H_
#define OKR_ADAPTERS_CLI_CLI_APP_H_

namespace okr {

// Exit statuses of every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs `okr` with the process arguments; returns the exit status. Errors go
// to stderr on one line.
int RunCli(int argc, char** argv);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_CLI_APP_H_
