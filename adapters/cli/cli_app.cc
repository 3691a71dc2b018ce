#include "adapters/cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "adapters/cli/backup_cmd.h"
#include "adapters/cli/demo.h"
#include "adapters/cli/export_import.h"
#include "adapters/cli/keygen_cmd.h"
#include "adapters/cli/offline.h"
#include "adapters/cli/serve.h"
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
  // Snapshots are a cache: one the engine would ignore is reported, not a
  // failure of the store.
  for (const VerifyReport::Snapshot& snap : report->snapshots) {
    if (snap.usable) {
      std::cout << "snapshot " << snap.file << ": ok\n";
    } else {
      // The reason names the file already when it starts with it.
      std::string why = snap.why_ignored;
      if (why.rfind(snap.file + ": ", 0) == 0) {
        why.erase(0, snap.file.size() + 2);
      }
      std::cout << "snapshot " << snap.file << ": would be ignored: " << why
                << "\n";
    }
  }
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

// The options of `okr serve` (README "Configuration"), into *o.
void AddServeOptions(CLI::App* serve, ServeOptions* o) {
  serve->add_option("--data", o->data_dir, "Store folder")
      ->capture_default_str();
  serve->add_option("--listen", o->listen, "HOST:PORT (port 0: any)")
      ->capture_default_str();
  serve->add_option("--tokens", o->tokens_file,
                    "Tokens file: TOKEN ACTOR ROLE per line (default: "
                    "<data>/tokens, created with one admin token)");
  serve->add_option("--durability", o->durability, "sync or async")
      ->capture_default_str();
  serve
      ->add_option("--max-objectives", o->max_objectives,
                   "Focus limit: draft or active objectives per owner per "
                   "cycle")
      ->capture_default_str();
  serve
      ->add_option("--max-key-results", o->max_key_results,
                   "Key results per objective")
      ->capture_default_str();
  serve->add_option("--threads", o->threads, "I/O threads")
      ->capture_default_str();
  serve
      ->add_option("--max-connections", o->max_connections,
                   "Connections at once; more are answered 503")
      ->capture_default_str();
  serve
      ->add_option("--header-timeout", o->header_timeout,
                   "Seconds to send a request's line and headers (from the "
                   "connection, or the request's first byte); then closed")
      ->capture_default_str();
  serve
      ->add_option("--idle-timeout", o->idle_timeout,
                   "Seconds a kept-alive connection may wait between "
                   "requests; then closed")
      ->capture_default_str();
  serve
      ->add_option("--body-timeout", o->body_timeout,
                   "Seconds to send a request's body after its headers; "
                   "then closed")
      ->capture_default_str();
  serve
      ->add_option("--read-threads", o->read_threads,
                   "Threads for expensive reads (as_of, changes, "
                   "retrospective), apart from the I/O threads")
      ->capture_default_str();
  serve
      ->add_option("--read-queue", o->read_queue,
                   "Expensive reads that may wait; more are answered 503 "
                   "server-busy")
      ->capture_default_str();
  serve
      ->add_option("--read-deadline", o->read_deadline,
                   "Seconds an expensive read may wait for a thread; then "
                   "503 read-deadline-exceeded")
      ->capture_default_str();
  serve->add_option("--public-url", o->public_url,
                    "Where people reach the web app (http:// or https://); "
                    "its origin is the one the app's requests must come "
                    "from, and https:// makes the session cookie Secure");
  serve
      ->add_option("--session-hours", o->session_hours,
                   "Hours a web app sign-in lasts")
      ->capture_default_str();
  serve
      ->add_option("--reminder-interval", o->reminder_interval,
                   "Seconds between reminder runs; 0 turns them off")
      ->capture_default_str();
  serve->add_option("--signing-key", o->signing_key,
                    "Ed25519 private key (okr keygen; mode 0600): sign "
                    "GET /v1/chain/head and append signed checkpoints");
  serve
      ->add_option("--checkpoint-interval", o->checkpoint_interval,
                   "Seconds between signed checkpoints (when the head "
                   "moved); 0: none appended, the head signed on demand")
      ->capture_default_str();
  serve->add_option("--publish", o->publish,
                    "Publish every event to NATS JetStream at this "
                    "nats://HOST:PORT (needs --org)");
  serve->add_option("--publish-stream", o->publish_stream,
                    "The JetStream stream to publish to (made if missing); "
                    "default okr-<org>");
  serve->add_option("--org", o->org,
                    "The organisation's id: subjects okr.<org>.<kind>");
  serve
      ->add_option("--reminder-schedule", o->reminder_schedule,
                   "When the check-in reminders are issued each week, in "
                   "each person's own time zone (\"MON 09:00\")")
      ->capture_default_str();
  serve
      ->add_option("--skip-recent-days", o->skip_recent_days,
                   "Leave out key results with a check-in dated within the "
                   "last this many days")
      ->capture_default_str();
  serve->add_option("--webhook", o->webhooks,
                    "Deliver each issued reminder, signed, to this http:// "
                    "or https:// URL (repeatable)");
  serve->add_option("--slack-webhook", o->slack_webhooks,
                    "Send each person's digest to this Slack incoming "
                    "webhook (https://, repeatable)");
  serve->add_option("--teams-webhook", o->teams_webhooks,
                    "Send each person's digest to this Teams Workflows "
                    "webhook (https://, repeatable)");
  serve->add_option("--smtp", o->smtp_url,
                    "Email each person's digest through this server: "
                    "smtp://host:587 (STARTTLS required) or smtps://host");
  serve->add_option("--smtp-from", o->smtp_from,
                    "The address digests are sent from");
  serve->add_option("--smtp-credentials", o->smtp_credentials_file,
                    "File with one user:password line for SMTP "
                    "authentication (mode 0600); none without it");
  serve->add_option("--webhook-ca", o->webhook_ca,
                    "PEM file of the CA(s) every delivery's TLS trusts "
                    "instead of the system's (webhooks, Slack, Teams, SMTP)");
  serve->add_option("--people", o->people_file,
                    "The people directory: names, addresses, Slack ids, time "
                    "zones and managers (JSON, mode 0600; reread on SIGHUP)");
  serve->add_option("--webhook-secret", o->webhook_secret,
                    "HMAC-SHA256 key of the X-Okr-Signature header "
                    "(or the OKR_WEBHOOK_SECRET environment variable)");
  serve->add_option("--webhook-secret-file", o->webhook_secret_file,
                    "File holding the webhook secret (trailing newline cut): "
                    "a regular file of the server's user, mode 0600");
  serve
      ->add_option("--webhook-attempts", o->webhook_attempts,
                   "Attempts per delivery before giving up")
      ->capture_default_str();
  serve
      ->add_option("--webhook-backoff-ms", o->webhook_backoff_ms,
                   "Wait after the first failed attempt; doubles each time, "
                   "with jitter, up to 30 s")
      ->capture_default_str();
  serve
      ->add_option("--webhook-timeout-ms", o->webhook_timeout_ms,
                   "Deadline of one attempt")
      ->capture_default_str();
  // Test only, so out of --help (the empty group hides them): a clock that
  // starts at an instant and moves on every read (see README).
  serve
      ->add_option("--test-clock-start", o->test_clock_start,
                   "Test only: the clock starts at this RFC 3339 instant")
      ->group("");
  serve
      ->add_option("--test-clock-step-us", o->test_clock_step_us,
                   "Test only: microseconds the clock moves on every read")
      ->group("");
}

// A subcommand and what runs it, its options held by the runner.
struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

Subcommand AddVerify(CLI::App& app) {
  auto data = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Recompute the hash chain and every index of a store, or check an "
      "export as okr import would; exit non-zero naming the first bad "
      "position or line");
  CLI::Option* by_data = verify->add_option("--data", *data, "Store folder");
  CLI::Option* by_file = verify->add_option(
      "--export", *file, "An export (okr export) instead of a store");
  by_data->excludes(by_file);
  verify->require_option(1);
  return {verify, [data, file] {
            return file->empty() ? RunVerify(*data) : RunVerifyExport(*file);
          }};
}

Subcommand AddKeygen(CLI::App& app) {
  auto out = std::make_shared<std::string>();
  CLI::App* keygen = app.add_subcommand(
      "keygen",
      "Write a new Ed25519 key pair for signed checkpoints: DIR/signing.pem "
      "(mode 0600, for okr serve --signing-key) and DIR/signing.pub.pem");
  keygen->add_option("--out", *out, "Folder for the two files")->required();
  return {keygen, [out] { return RunKeygen(*out); }};
}

Subcommand AddReplica(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  o->reminder_interval = 0;  // a replica issues nothing
  CLI::App* replica = app.add_subcommand(
      "replica",
      "Serve a read replica: its own store, built from the organisation's "
      "NATS JetStream stream (okr serve --publish); every write is 405");
  replica->add_option("--from", o->replica_from, "nats://HOST:PORT")
      ->required();
  replica
      ->add_option("--org", o->replica_orgs,
                   "An organisation's id; give it once per organisation "
                   "served (several answer under /orgs/<org>/)")
      ->required();
  replica->add_option("--stream", o->replica_streams,
                      "Each organisation's JetStream stream, in the order of "
                      "--org (default: okr-<org>)");
  replica
      ->add_option("--data", o->data_dir,
                   "The replica's own store folder (with several "
                   "organisations, one store in <data>/<org> each)")
      ->capture_default_str();
  replica->add_option("--listen", o->listen, "HOST:PORT (port 0: any)")
      ->capture_default_str();
  replica->add_option("--tokens", o->replica_tokens,
                      "Tokens file, one per --org in the same order "
                      "(default: each store's own <store>/tokens)");
  replica->add_option("--primary", o->primary_urls,
                      "The primary's URL, named in the 405 answer to writes "
                      "(one per --org, in the same order)");
  replica->add_option("--threads", o->threads, "I/O threads")
      ->capture_default_str();
  replica->add_option("--public-url", o->public_url,
                      "Where people reach the read-only web app");
  return {replica, [o] { return RunReplica(*o); }};
}

Subcommand AddImportOkrs(CLI::App& app) {
  struct Args {
    std::string data, cycle, file, actor = "admin";
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "import-okrs",
      "A cycle's objectives and key results from a CSV file (header "
      "id,title,level,parent,owner,team,kind,start,target,unit,weight): all "
      "rows or none, every bad row named by its line");
  cmd->add_option("--data", a->data, "Store folder")->required();
  cmd->add_option("--actor", a->actor,
                  "Who imports (an admin; the owner of objectives whose "
                  "owner is empty)")
      ->capture_default_str();
  cmd->add_option("cycle", a->cycle, "Cycle id")->required();
  cmd->add_option("file", a->file, "The CSV file")->required();
  return {cmd,
          [a] { return RunImportOkrs(a->data, a->cycle, a->file, a->actor); }};
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"OKR Ledger: an event-sourced engine for OKRs", "okr"};
  app.require_subcommand(1);

  std::string data_dir;
  const Subcommand added[] = {AddVerify(app), AddKeygen(app),
                              AddImportOkrs(app), AddReplica(app)};

  std::string backup_out;
  CLI::App* backup = app.add_subcommand(
      "backup",
      "Copy a store consistently, also while a server runs on it (the "
      "server takes the copy); restore by serving the copy");
  backup->add_option("--data", data_dir, "Store folder")->required();
  backup->add_option("--out", backup_out, "New folder for the copy")
      ->required();

  CLI::App* info = app.add_subcommand("info", "Summarise what a store holds");
  info->add_option("--data", data_dir, "Store folder")->required();

  ServeOptions serve_options;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the HTTP API with an embedded store (until SIGINT/SIGTERM)");
  AddServeOptions(serve, &serve_options);

  DemoOptions demo_options;
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Seed an empty store with a believable organisation: a closed, graded "
      "quarter and the current one in progress");
  demo->add_option("--data", demo_options.data_dir, "Store folder")
      ->capture_default_str();
  demo->add_option("--today", demo_options.today,
                   "Pretend today is this date (YYYY-MM-DD)");
  demo->add_option("--seed", demo_options.seed, "Random seed")
      ->capture_default_str();

  std::string out_path, in_path, idem_out_path, idem_in_path;
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write the log as JSON Lines, one event a line (stdout)");
  export_cmd->add_option("--data", data_dir, "Store folder")->required();
  export_cmd->add_option("--out", out_path, "File instead of stdout");
  export_cmd->add_option("--idempotency-out", idem_out_path,
                         "Also write the applied idempotency keys to this "
                         "file (JSON Lines), for okr import --idempotency");
  CLI::App* import_cmd = app.add_subcommand(
      "import",
      "Restore an export into an empty store (positions, times, actors and "
      "hashes kept); refuses a file whose chain does not verify");
  import_cmd
      ->add_option("--data", data_dir,
                   "Store folder (must not exist, or be empty)")
      ->required();
  import_cmd->add_option("--idempotency", idem_in_path,
                         "Idempotency keys written by okr export "
                         "--idempotency-out, restored with the log");
  import_cmd->add_option("file", in_path, "The export (JSON Lines)")
      ->required();

  TreeOptions tree_options;
  CLI::App* tree = app.add_subcommand(
      "tree", "Print a cycle's alignment tree with progress and status");
  tree->add_option("--data", tree_options.data_dir, "Store folder")->required();
  tree->add_option("cycle", tree_options.cycle, "Cycle id")->required();
  tree->add_option("--at", tree_options.at,
                   "Business date YYYY-MM-DD (default today)");
  tree->add_option("--as-of", tree_options.as_of,
                   "What the log knew at this RFC 3339 instant");
  tree->add_flag("--json", tree_options.json, "The API's JSON instead");

  CLI::App* replay = app.add_subcommand(
      "replay",
      "Rebuild the state from the whole log (progress bar on a terminal) "
      "and write a fresh snapshot");
  replay->add_option("--data", data_dir, "Store folder")->required();

  std::string history_id;
  bool history_json = false;
  CLI::App* history = app.add_subcommand(
      "history",
      "Every event of an objective (with its key results) or of a key "
      "result, oldest first");
  history->add_option("--data", data_dir, "Store folder")->required();
  history->add_option("id", history_id, "Objective or key result id")
      ->required();
  history->add_flag("--json", history_json, "One JSON event a line");

  std::string changes_cycle, changes_from, changes_to;
  bool changes_json = false;
  CLI::App* changes = app.add_subcommand(
      "changes",
      "What changed in a cycle between two instants (from exclusive, to "
      "inclusive): objectives and key results added, removed or changed");
  changes->add_option("--data", data_dir, "Store folder")->required();
  changes->add_option("cycle", changes_cycle, "Cycle id")->required();
  changes->add_option("--from", changes_from, "RFC 3339 instant")->required();
  changes->add_option("--to", changes_to, "RFC 3339 instant")->required();
  changes->add_flag("--json", changes_json, "The API's JSON instead");

  RetroOptions retro_options;
  CLI::App* retro = app.add_subcommand(
      "retro",
      "A cycle's retrospective: scores, bands, target moves, check-ins, "
      "coverage, participation, notes (final once closed, provisional "
      "before)");
  retro->add_option("--data", retro_options.data_dir, "Store folder")
      ->required();
  retro->add_option("cycle", retro_options.cycle, "Cycle id")->required();
  retro->add_option("--format", retro_options.format, "json, md or html")
      ->check(CLI::IsMember({"json", "md", "html"}))
      ->default_str("md");
  retro->add_option("--out", retro_options.out,
                    "Write to this file instead of stdout");
  retro->add_option("--at", retro_options.at,
                    "Business date of a provisional retrospective "
                    "(YYYY-MM-DD, default today)");

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
  for (const Subcommand& s : added) {
    if (s.app->parsed()) return s.run();
  }
  if (backup->parsed()) return RunBackup(data_dir, backup_out);
  if (info->parsed()) return RunInfo(data_dir);
  if (serve->parsed()) return RunServe(serve_options);
  if (demo->parsed()) return RunDemo(demo_options);
  if (export_cmd->parsed()) {
    return RunExport(data_dir, out_path, idem_out_path);
  }
  if (import_cmd->parsed()) return RunImport(data_dir, in_path, idem_in_path);
  if (tree->parsed()) return RunTree(tree_options);
  if (replay->parsed()) return RunReplay(data_dir);
  if (history->parsed()) return RunHistory(data_dir, history_id, history_json);
  if (retro->parsed()) return RunRetro(retro_options);
  if (changes->parsed()) {
    return RunChanges(data_dir, changes_cycle, changes_from, changes_to,
                      changes_json);
  }
  return kExitUsage;
}

}  // namespace okr
