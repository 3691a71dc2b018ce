// okr replica: one server for the read replicas of one or several
// organisations (serve.h, RunReplica).
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <utility>

#include "adapters/cli/cli_app.h"
#include "adapters/cli/control_socket.h"
#include "adapters/cli/serve_internal.h"
#include "adapters/http/tenants.h"
#include "adapters/nats/jetstream.h"
#include "adapters/nats/replica.h"

namespace okr {
namespace {

// One organisation's replica: its store, tokens, Api and reader. Not
// movable: the Api holds the tokens and the engine by reference.
struct ReplicaOrg {
  nats::ReplicaOptions options;
  std::string primary;
  std::string tokens_file;  // empty: DIR/tokens
  std::string dir;
  std::optional<http::Tokens> tokens;
  std::unique_ptr<OkrEngine> engine;
  std::unique_ptr<nats::Replica> replica;
  std::unique_ptr<http::Api> api;
  std::unique_ptr<ControlSocket> control;
};

// The organisations of the command line, checked: --org once or more, and
// as many --stream (or none: okr-<org>), --primary and --tokens (or none:
// each store's own tokens file). Empty, having said why on stderr, on a
// usage error.
std::vector<std::unique_ptr<ReplicaOrg>> OrgsOf(const ServeOptions& o) {
  const std::size_t n = o.replica_orgs.size();
  auto refuse = [](const std::string& why) {
    std::cerr << "okr replica: " << why << "\n";
    return std::vector<std::unique_ptr<ReplicaOrg>>();
  };
  if (n == 0) return refuse("--org is required");
  // A tokens file shared by organisations would let one's tokens read
  // another's log: one each, or each store's own.
  const std::pair<const char*, std::size_t> counts[] = {
      {"--stream", o.replica_streams.size()},
      {"--primary", o.primary_urls.size()},
      {"--tokens", o.replica_tokens.size()}};
  for (const auto& [option, given] : counts) {
    if (given != 0 && given != n) {
      return refuse(std::string("give one ") + option +
                    " per --org, in the same order, or none");
    }
  }
  if (o.replica_from.rfind("nats://", 0) != 0 || o.replica_from.size() <= 7) {
    return refuse("--from must be a nats://HOST:PORT URL");
  }
  std::vector<std::unique_ptr<ReplicaOrg>> orgs;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = std::make_unique<ReplicaOrg>();
    r->options.url = o.replica_from;
    r->options.org = o.replica_orgs[i];
    r->options.stream = o.replica_streams.empty() ? "okr-" + r->options.org
                                                  : o.replica_streams[i];
    if (!nats::IsNameToken(r->options.org)) {
      return refuse(
          "--org must be 1 to 64 letters, digits, - or _ (a NATS subject "
          "token and a folder name)");
    }
    if (!nats::IsNameToken(r->options.stream)) {
      return refuse(
          "--stream must be 1 to 64 letters, digits, - or _ (a JetStream "
          "stream name)");
    }
    if (!seen.insert(r->options.org).second) {
      return refuse("--org " + r->options.org + " is given twice");
    }
    if (!o.primary_urls.empty()) r->primary = o.primary_urls[i];
    if (!o.replica_tokens.empty()) r->tokens_file = o.replica_tokens[i];
    r->dir =
        n == 1 ? o.data_dir
               : (std::filesystem::path(o.data_dir) / r->options.org).string();
    orgs.push_back(std::move(r));
  }
  return orgs;
}

// Opens the organisation's store (its tokens are loaded already) and makes
// its replica and Api.
Status Open(const ServeOptions& o, const http::ApiOptions& base, bool several,
            ReplicaOrg* r) {
  EngineOptions eo;
  eo.store.durability =
      o.durability == "sync" ? Durability::kSync : Durability::kAsync;
  Result<std::unique_ptr<OkrEngine>> engine = OkrEngine::Open(r->dir, eo);
  if (!engine.ok()) return engine.status();
  r->engine = std::move(engine.value());
  r->replica = std::make_unique<nats::Replica>(r->engine.get(), r->options);
  http::ApiOptions ao = base;
  ao.replica = [p = r->replica.get()] {
    nats::ReplicaStatus s = p->status();
    return http::ReplicaReport{s.state, s.position, s.error};
  };
  ao.primary = r->primary;
  if (several) ao.cookie_path = http::TenantPrefix(r->options.org);
  r->api = std::make_unique<http::Api>(*r->engine, *r->tokens, ao);
  r->control = std::make_unique<ControlSocket>(*r->engine, r->dir);
  if (Status s = r->control->Start(); !s.ok()) {
    std::cerr << "okr replica: " << s.ToString()
              << "; `okr backup` cannot reach the store " << r->dir << "\n";
  }
  return Status::OK();
}

}  // namespace

int RunReplica(const ServeOptions& o) {
  http::ServerOptions so;
  if (!ServerOptionsOf(o, &so)) return kExitUsage;
  std::optional<std::string> public_origin;
  if (!CheckServingUsage(o, &public_origin, "okr replica")) return kExitUsage;
  std::vector<std::unique_ptr<ReplicaOrg>> orgs = OrgsOf(o);
  if (orgs.empty()) return kExitUsage;
  RaiseOpenFileLimit(so.max_connections);

  // Every organisation's tokens first: a refused tokens file leaves no
  // store behind.
  for (auto& r : orgs) {
    Result<http::Tokens> tokens =
        LoadTokens(r->tokens_file, r->dir, "okr replica");
    if (!tokens.ok()) {
      std::cerr << "okr replica: " << r->options.org << ": "
                << tokens.status().ToString() << "\n";
      return kExitFailure;
    }
    r->tokens = std::move(tokens.value());
  }
  const bool several = orgs.size() > 1;
  const http::ApiOptions base = ServingApiOptions(o, public_origin);
  std::vector<http::Tenant> tenants;
  for (auto& r : orgs) {
    if (Status s = Open(o, base, several, r.get()); !s.ok()) {
      std::cerr << "okr replica: " << r->options.org << ": " << s.ToString()
                << "\n";
      return kExitFailure;
    }
    tenants.push_back({r->options.org, r->api.get()});
  }
  http::Server server(std::move(tenants), so);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "okr replica: " << s.ToString() << "\n";
    return kExitFailure;
  }
  const std::vector<std::string> origins =
      AppOrigins(public_origin, so.host, server.port());
  for (auto& r : orgs) {
    r->api->SetAppOrigins(origins);
    r->replica->Start();
  }
  std::cout << "okr replica: listening on http://" << so.host << ":"
            << server.port() << std::endl;
  for (auto& r : orgs) {
    std::cout << "okr replica: " << r->options.org << " from stream "
              << r->options.stream << " into " << r->dir << " ("
              << r->engine->store().LastPosition() << " events); the web app "
              << "is at " << origins.front()
              << (several ? http::TenantPrefix(r->options.org) : "") << "/"
              << std::endl;
  }
  server.Run();
  for (auto& r : orgs) r->replica->RequestStop();  // all at once, then joined
  for (auto& r : orgs) {
    r->control->Stop();
    r->replica->Stop();
    r->api->StopReads();
  }
  for (auto& r : orgs) r->engine->Close();
  std::cout << "okr replica: stopped cleanly" << std::endl;
  return kExitOk;
}

}  // namespace okr
