#include "adapters/cli/serve.h"

#include <cstdlib>
#include <iostream>
#include <memory>

#include "adapters/cli/cli_app.h"
#include "adapters/cli/reminder_driver.h"
#include "adapters/http/api.h"
#include "adapters/http/server.h"
#include "adapters/http/tokens.h"
#include "adapters/webhook/delivery_worker.h"
#include "engine/okr_engine.h"

namespace okr {

int RunServe(const ServeOptions& o) {
  http::ServerOptions so;
  std::size_t colon = o.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "okr serve: --listen must be HOST:PORT\n";
    return kExitUsage;
  }
  so.host = o.listen.substr(0, colon);
  try {
    int port = std::stoi(o.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    so.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "okr serve: --listen must be HOST:PORT\n";
    return kExitUsage;
  }
  so.threads = std::max(1, o.threads);
  if (o.durability != "sync" && o.durability != "async") {
    std::cerr << "okr serve: --durability is sync or async\n";
    return kExitUsage;
  }

  EngineOptions eo;
  eo.store.durability =
      o.durability == "sync" ? Durability::kSync : Durability::kAsync;
  eo.limits.max_objectives = o.max_objectives;
  eo.limits.max_key_results = o.max_key_results;
  auto engine = OkrEngine::Open(o.data_dir, eo);
  if (!engine.ok()) {
    std::cerr << "okr serve: " << engine.status().ToString() << "\n";
    return kExitFailure;
  }
  if (eo.store.durability == Durability::kAsync) {
    std::cerr << "okr serve: durability async: commands are acknowledged "
                 "before fsync; a machine crash may lose the latest\n";
  }

  Result<http::Tokens> tokens = Status::NotFound("");
  if (!o.tokens_file.empty()) {
    tokens = http::Tokens::Load(o.tokens_file);
  } else {
    std::string path;
    bool created = false;
    tokens = http::Tokens::LoadOrCreateDefault(o.data_dir, &path, &created);
    if (tokens.ok()) {
      std::cout << (created ? "okr serve: wrote an admin token to "
                            : "okr serve: tokens from ")
                << path << "\n";
    }
  }
  if (!tokens.ok()) {
    std::cerr << "okr serve: " << tokens.status().ToString() << "\n";
    return kExitFailure;
  }

  http::Api api(*engine.value(), tokens.value());
  http::Server server(api, so);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "okr serve: " << s.ToString() << "\n";
    return kExitFailure;
  }
  std::unique_ptr<webhook::DeliveryWorker> worker;
  if (!o.webhooks.empty()) {
    webhook::DeliveryOptions d;
    d.urls = o.webhooks;
    d.secret = o.webhook_secret;
    if (d.secret.empty()) {
      if (const char* env = std::getenv("OKR_WEBHOOK_SECRET")) d.secret = env;
    }
    if (d.secret.empty()) {
      std::cerr << "okr serve: --webhook needs --webhook-secret (or "
                   "OKR_WEBHOOK_SECRET) to sign deliveries\n";
      return kExitUsage;
    }
    d.max_attempts = std::max(1, o.webhook_attempts);
    d.base_backoff = std::chrono::milliseconds(o.webhook_backoff_ms);
    d.timeout = std::chrono::milliseconds(o.webhook_timeout_ms);
    worker = std::make_unique<webhook::DeliveryWorker>(engine.value().get(),
                                                       std::move(d));
    if (Status s = worker->Start(); !s.ok()) {
      std::cerr << "okr serve: " << s.ToString() << "\n";
      return kExitUsage;
    }
  }
  std::unique_ptr<ReminderDriver> driver;
  if (o.reminder_interval > 0) {
    driver = std::make_unique<ReminderDriver>(
        engine.value().get(), std::chrono::seconds(o.reminder_interval));
    driver->Start();
  }
  std::cout << "okr serve: listening on http://" << so.host << ":"
            << server.port() << " (data " << o.data_dir << ", "
            << engine.value()->store().LastPosition() << " events)"
            << std::endl;
  server.Run();
  if (driver) driver->Stop();
  if (worker) worker->Stop();
  engine.value()->Close();
  std::cout << "okr serve: stopped cleanly" << std::endl;
  return kExitOk;
}

}  // namespace okr
