#include "adapters/cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "engine/event_store.h"
#include "engine/verifier.h"
#include "projections/log_summary.h"

namespace okr {
namespace {

int RunVerify(const std::string& data_dir) {
  Result<VerifyReport> report = VerifyStore(data_dir);
  if (!report.ok()) {
    std::cerr << "okr verify: " << report.status().ToString() << "\n";
    return kExitFailure;
  }
  if (!report->ok) {
    std::cerr << "okr verify: FAILED at position " << report->first_bad_position
              << ": " << report->problem << "\n";
    return kExitFailure;
  }
  std::cout << "ok: " << report->events << " events in " << report->streams
            << " streams, chain head " << HashToHex(report->head_hash) << "\n";
  return kExitOk;
}

int RunInfo(const std::string& data_dir) {
  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr info: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  LogSummary summary;
  Status s = store.value()->ForEach(1, [&](const RecordedEvent& e) {
    summary.Apply(e);
    return true;
  });
  if (!s.ok()) {
    std::cerr << "okr info: " << s.ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "events: " << summary.events() << "\n"
            << "last position: " << summary.last_position() << "\n"
            << "streams: " << summary.streams() << "\n";
  if (summary.events() > 0) {
    std::cout << "first recorded_at: "
              << FormatInstant(summary.first_recorded_at()) << "\n"
              << "last recorded_at: "
              << FormatInstant(summary.last_recorded_at()) << "\n";
  }
  for (const auto& [kind, n] : summary.StreamsByKind()) {
    std::cout << "  streams " << kind << ": " << n << "\n";
  }
  for (const auto& [type, n] : summary.by_type()) {
    std::cout << "  events " << type << ": " << n << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"OKR Ledger: an event-sourced engine for OKRs", "okr"};
  app.require_subcommand(1);

  std::string data_dir;
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Recompute the hash chain and every index of a store; exit non-zero "
      "naming the first bad position");
  verify->add_option("--data", data_dir, "Store folder")->required();

  CLI::App* info = app.add_subcommand("info", "Summarise what a store holds");
  info->add_option("--data", data_dir, "Store folder")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "okr: " << e.what() << " (see okr --help)\n";
    return kExitUsage;
  }
  if (verify->parsed()) return RunVerify(data_dir);
  if (info->parsed()) return RunInfo(data_dir);
  return kExitUsage;
}

}  // namespace okr
