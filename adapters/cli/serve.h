// `okr serve`: the HTTP server with an embedded store.
//
// Thread safety: RunServe is called once, from main.
#ifndef OKR_ADAPTERS_CLI_SERVE_H_
#define OKR_ADAPTERS_CLI_SERVE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace okr {

struct ServeOptions {
  std::string data_dir = "./okr-data";
  std::string listen = "127.0.0.1:8080";
  std::string tokens_file;  // empty: <data>/tokens, created on first start
  std::string durability = "sync";
  int max_objectives = 5;
  int max_key_results = 5;
  int threads = 2;
  std::int64_t max_connections = 1024;
  std::int64_t header_timeout = 10;     // seconds: the request head
  std::int64_t idle_timeout = 15;       // seconds: between requests
  std::int64_t body_timeout = 30;       // seconds: the body after the head
  int read_threads = 2;                 // the read pool (as_of, ...)
  std::int64_t read_queue = 16;         // reads waiting for it, at most
  std::int64_t read_deadline = 30;      // seconds a read may wait
  std::int64_t reminder_interval = 60;  // seconds; 0: off
  // An Ed25519 private key (okr keygen; mode 0600): GET /v1/chain/head is
  // signed, and every checkpoint_interval seconds the head, if it moved,
  // is appended to the log signed (ChainHeadSigned). Empty: neither.
  std::string signing_key;
  std::int64_t checkpoint_interval = 3600;  // seconds; 0: on demand only
  // NATS JetStream (nats::Publisher): every durable event published to
  // `publish_stream` (default okr-<org>) on subjects okr.<org>.<kind>.
  // Empty: nothing published. `org` is required with `publish`.
  std::string publish;
  std::string publish_stream;
  std::string org;
  // okr replica (nats::Replica): each organisation's store is built from
  // its stream (replica_streams, in the order of replica_orgs; default
  // okr-<org>) of the NATS server at `replica_from`; writes are refused
  // (405), naming its primary (primary_urls, in the same order) when set.
  std::string replica_from;
  // Tokens files, one per organisation (empty: each store's own).
  std::vector<std::string> replica_orgs, replica_streams, primary_urls,
      replica_tokens;
  // Where people reach the web app ("https://okr.example.com"); empty:
  // the listen address. Its origin is the app's; https makes the session
  // cookie Secure.
  std::string public_url;
  std::int64_t session_hours = 8;  // a web app sign-in lasts this long
  // Issuing: the check-in kinds weekly at this time in each person's zone.
  std::string reminder_schedule = "MON 09:00";
  int skip_recent_days = 3;
  std::vector<std::string> webhooks;  // http:// or https:// URLs
  std::vector<std::string> slack_webhooks, teams_webhooks;  // https://
  std::string smtp_url;               // smtp://host:587 or smtps://host
  std::string smtp_from;              // the sender's address
  std::string smtp_credentials_file;  // one user:password line, mode 0600
  std::string webhook_ca;             // PEM CA file for every delivery's TLS
  std::string people_file;            // the people directory (JSON, 0600)
  std::string webhook_secret;
  std::string webhook_secret_file;  // the secret's bytes, trailing newline cut
  int webhook_attempts = 6;
  std::int64_t webhook_backoff_ms = 500;
  std::int64_t webhook_timeout_ms = 10'000;
  // Test only: a SteppingClock from this RFC 3339 instant instead of the
  // machine's clock (empty: the machine's). Every read of the clock moves
  // it by test_clock_step_us, so end-to-end tests get distinct instants
  // without sleeping.
  std::string test_clock_start;
  std::int64_t test_clock_step_us = 1000;
};

// Serves until SIGINT or SIGTERM, then closes cleanly. Exit status.
// Raises the soft limit of open files to the hard limit first (each
// connection is a descriptor). A tokens file or webhook secret file that
// breaks the rules of http::ReadSecretFile (a symbolic link, not a regular
// file, owned by another user, group or others may access it), a tokens
// file that does not parse and an empty secret are refused before the
// store is opened (nothing is written), with a message naming the file
// and the rule.
int RunServe(const ServeOptions& options);

// okr replica: serves the read routes of one or several organisations,
// each from its own store (`data_dir` for one organisation, data_dir/<org>
// for several) that its nats::Replica builds from the organisation's
// stream. Several organisations answer under /orgs/<org>/ (http::Tenant),
// one also without the prefix. Tokens: one file per organisation
// (replica_tokens), or each store's own tokens file; never one shared.
// Serves until SIGINT or SIGTERM.
int RunReplica(const ServeOptions& options);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_SERVE_H_
