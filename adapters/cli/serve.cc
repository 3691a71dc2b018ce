#include "adapters/cli/serve.h"

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "adapters/cli/checkpoint_driver.h"
#include "adapters/cli/cli_app.h"
#include "adapters/cli/control_socket.h"
#include "adapters/cli/reminder_driver.h"
#include "adapters/cli/serve_internal.h"
#include "adapters/http/api.h"
#include "adapters/http/browser.h"
#include "adapters/http/json_body.h"
#include "adapters/http/server.h"
#include "adapters/http/tokens.h"
#include "adapters/nats/publisher.h"
#include "adapters/webhook/delivery_worker.h"
#include "adapters/webhook/digest_worker.h"
#include "adapters/webhook/people.h"
#include "engine/clock.h"
#include "engine/okr_engine.h"
#include "events/instant.h"

namespace okr {

void RaiseOpenFileLimit(std::size_t max_connections) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit want = lim;
    // RLIM_INFINITY is never accepted for descriptors; 2^20 is Linux's
    // usual nr_open.
    want.rlim_cur =
        lim.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) lim = want;
  }
  // The store, the listener and the threads take some descriptors too.
  constexpr rlim_t kReserve = 64;
  if (lim.rlim_cur != RLIM_INFINITY &&
      lim.rlim_cur < static_cast<rlim_t>(max_connections) + kReserve) {
    std::cerr << "okr serve: the open-file limit (" << lim.rlim_cur
              << ") is below --max-connections (" << max_connections
              << ") plus " << kReserve
              << " for the store; accepts pause when it runs out\n";
  }
}

namespace {

// The secret that signs webhook deliveries: --webhook-secret-file,
// --webhook-secret or OKR_WEBHOOK_SECRET, in that order (giving both
// options is refused). Empty without any; an error message otherwise.
Result<std::string> WebhookSecret(const ServeOptions& o) {
  if (!o.webhook_secret_file.empty()) {
    if (!o.webhook_secret.empty()) {
      return Status::InvalidArgument(
          "give --webhook-secret or --webhook-secret-file, not both");
    }
    Result<std::string> text =
        http::ReadSecretFile("webhook secret file", o.webhook_secret_file);
    if (!text.ok()) return text.status();
    std::string secret = std::move(text.value());
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) {
      return Status::InvalidArgument("webhook secret file " +
                                     o.webhook_secret_file +
                                     " is empty: it must hold the secret");
    }
    return secret;
  }
  if (!o.webhook_secret.empty()) return o.webhook_secret;
  if (const char* env = std::getenv("OKR_WEBHOOK_SECRET")) {
    return std::string(env);
  }
  return std::string();
}

}  // namespace

bool ServerOptionsOf(const ServeOptions& o, http::ServerOptions* out) {
  http::ServerOptions& so = *out;
  std::size_t colon = o.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "okr serve: --listen must be HOST:PORT\n";
    return false;
  }
  so.host = o.listen.substr(0, colon);
  try {
    int port = std::stoi(o.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    so.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "okr serve: --listen must be HOST:PORT\n";
    return false;
  }
  so.threads = std::max(1, o.threads);
  if (o.max_connections < 1 || o.header_timeout < 1 || o.idle_timeout < 1 ||
      o.body_timeout < 1 || o.read_threads < 1 || o.read_queue < 1 ||
      o.read_deadline < 1) {
    std::cerr << "okr serve: --max-connections, the timeouts and the read "
                 "pool's options must be 1 or more\n";
    return false;
  }
  so.max_connections = static_cast<std::size_t>(o.max_connections);
  so.header_timeout = std::chrono::seconds(o.header_timeout);
  so.idle_timeout = std::chrono::seconds(o.idle_timeout);
  so.body_timeout = std::chrono::seconds(o.body_timeout);
  return true;
}

namespace {

// The delivery settings that are checked before the store opens: the
// people file, the SMTP sender and credentials, the CA file, the schedule.
struct DeliverySettings {
  webhook::People people;
  webhook::MailServer mail;
  webhook::Tls tls;
  WeeklySchedule schedule;
};

Result<DeliverySettings> DeliverySettingsOf(const ServeOptions& o) {
  DeliverySettings d;
  auto bad = [](const std::string& m) { return Status::InvalidArgument(m); };
  if (!o.people_file.empty()) {
    Result<webhook::People> people = webhook::People::Load(o.people_file);
    if (!people.ok()) return people.status();
    d.people = std::move(people.value());
  }
  std::optional<WeeklySchedule> schedule =
      ParseWeeklySchedule(o.reminder_schedule);
  if (!schedule) {
    return bad(
        "--reminder-schedule must be a weekday and a time such as "
        "\"MON 09:00\", not \"" +
        o.reminder_schedule + "\"");
  }
  d.schedule = *schedule;
  if (o.webhook_timeout_ms < 1 || o.webhook_backoff_ms < 0) {
    return bad(
        "--webhook-timeout-ms must be 1 or more and "
        "--webhook-backoff-ms 0 or more");
  }
  if (o.skip_recent_days < 0 || o.skip_recent_days > 366) {
    return bad("--skip-recent-days must be 0 to 366");
  }
  if (!o.webhook_ca.empty()) {
    if (!std::ifstream(o.webhook_ca).good()) {
      return bad("--webhook-ca " + o.webhook_ca + " cannot be read");
    }
    d.tls.ca_file = o.webhook_ca;
  }
  if (o.smtp_url.empty()) {
    if (!o.smtp_from.empty() || !o.smtp_credentials_file.empty()) {
      return bad("--smtp-from and --smtp-credentials need --smtp");
    }
    return d;
  }
  if (!webhook::ParseEndpoint(o.smtp_url, {"smtp", "smtps"})) {
    return bad(
        "--smtp must be smtp://host[:port] (STARTTLS) or "
        "smtps://host[:port], not \"" +
        o.smtp_url + "\"");
  }
  if (!webhook::IsEmailAddress(o.smtp_from)) {
    return bad(
        "--smtp needs --smtp-from, an address such as "
        "okr@example.com");
  }
  d.mail.url = o.smtp_url;
  d.mail.from = o.smtp_from;
  if (!o.smtp_credentials_file.empty()) {
    Result<std::string> text =
        http::ReadSecretFile("SMTP credentials file", o.smtp_credentials_file);
    if (!text.ok()) return text.status();
    std::string line = text.value().substr(0, text.value().find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return bad("SMTP credentials file " + o.smtp_credentials_file +
                 " must hold one user:password line");
    }
    d.mail.user = line.substr(0, colon);
    d.mail.password = line.substr(colon + 1);
  }
  return d;
}

// Where digests link to: the app's My week under --public-url (its path
// kept), or under the listen address.
std::string MyWeekUrl(std::string public_url, const std::string& origin) {
  if (public_url.empty()) public_url = origin;
  while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
  return public_url + "/#/week";
}

// The delivery workers: one per generic webhook, per Slack and Teams
// webhook, and one for the SMTP server; each with its own checkpoint.
Status StartDelivery(const ServeOptions& o, const DeliverySettings& d,
                     const std::string& secret,
                     const webhook::PeopleDirectory& people,
                     const std::vector<std::string>& admins,
                     const std::string& my_week_url, OkrEngine* engine,
                     std::vector<std::unique_ptr<webhook::LogFollower>>* out) {
  webhook::RetryPolicy retry;
  retry.max_attempts = std::max(1, o.webhook_attempts);
  retry.base_backoff = std::chrono::milliseconds(o.webhook_backoff_ms);
  retry.timeout = std::chrono::milliseconds(o.webhook_timeout_ms);
  for (const std::string& url : o.webhooks) {
    webhook::DeliveryOptions w;
    static_cast<webhook::RetryPolicy&>(w) = retry;
    w.url = url;
    w.secret = secret;
    w.tls = d.tls;
    auto worker = std::make_unique<webhook::DeliveryWorker>(engine, w);
    if (Status s = worker->Start(); !s.ok()) return s;
    out->push_back(std::move(worker));
  }
  auto digest = [&](const std::string& channel,
                    const std::string& url) -> Status {
    webhook::DigestOptions g;
    static_cast<webhook::RetryPolicy&>(g) = retry;
    g.channel = channel;
    g.url = url;
    g.mail = d.mail;
    g.tls = d.tls;
    g.my_week_url = my_week_url;
    g.people = &people;
    g.admins = admins;
    g.skip_recent_days = o.skip_recent_days;
    auto worker = std::make_unique<webhook::DigestWorker>(engine, g);
    if (Status s = worker->Start(); !s.ok()) return s;
    out->push_back(std::move(worker));
    return Status::OK();
  };
  for (const std::string& url : o.slack_webhooks) {
    if (Status s = digest("slack", url); !s.ok()) return s;
  }
  for (const std::string& url : o.teams_webhooks) {
    if (Status s = digest("teams", url); !s.ok()) return s;
  }
  if (!o.smtp_url.empty()) return digest("email", o.smtp_url);
  return Status::OK();
}

}  // namespace

Result<http::Tokens> LoadTokens(const std::string& tokens_file,
                                const std::string& data_dir,
                                const std::string& who) {
  if (!tokens_file.empty()) return http::Tokens::Load(tokens_file);
  std::string path;
  bool created = false;
  Result<http::Tokens> tokens =
      http::Tokens::LoadOrCreateDefault(data_dir, &path, &created);
  if (tokens.ok()) {
    std::cout << who
              << (created ? ": wrote an admin token to " : ": tokens from ")
              << path << "\n";
  }
  return tokens;
}

namespace {

// SIGHUP rereads the people file on a thread of its own; a file that does
// not load leaves the one in force. Stop() (or the destructor) ends it.
class PeopleReloader {
 public:
  PeopleReloader(std::string path, webhook::PeopleDirectory* people)
      : path_(std::move(path)), people_(people) {
    Wait();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~PeopleReloader() { Stop(); }
  void Stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Wait() {
    hangup_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (path_.empty()) {
        std::cerr << "okr serve: SIGHUP: no --people file to reread\n";
      } else if (Result<webhook::People> p = webhook::People::Load(path_);
                 p.ok()) {
        std::cout << "okr serve: reread " << path_ << " ("
                  << p.value().all().size() << " people)" << std::endl;
        people_->Set(std::move(p.value()));
      } else {
        std::cerr << "okr serve: SIGHUP: " << p.status().ToString()
                  << "; the people file read before stays in force\n";
      }
      Wait();
    });
  }

  const std::string path_;
  webhook::PeopleDirectory* const people_;
  boost::asio::io_context ioc_;
  boost::asio::signal_set hangup_{ioc_, SIGHUP};
  std::thread thread_;
};

}  // namespace

nats::PublisherOptions PublisherOptionsOf(const ServeOptions& o) {
  nats::PublisherOptions p;
  p.url = o.publish;
  p.org = o.org;
  p.stream = o.publish_stream.empty() ? "okr-" + o.org : o.publish_stream;
  return p;
}

// The publisher of --publish (null without it), not started; what /healthz
// and /metrics say of it goes through *ao.
std::unique_ptr<nats::Publisher> MakePublisher(const ServeOptions& o,
                                               OkrEngine* engine,
                                               http::ApiOptions* ao) {
  if (o.publish.empty()) return nullptr;
  auto p = std::make_unique<nats::Publisher>(engine, PublisherOptionsOf(o));
  ao->publisher = [p = p.get()] {
    nats::PublisherStatus s = p->status();
    return http::PublisherReport{s.state, s.lag, s.published, s.error};
  };
  return p;
}

// The timers of `okr serve`: reminders (--reminder-interval) and signed
// checkpoints (--signing-key, --checkpoint-interval), each when enabled.
struct Drivers {
  Drivers(const ServeOptions& o, OkrEngine* engine,
          const WeeklySchedule& schedule, webhook::PeopleDirectory* people,
          const ChainSigner* signer) {
    if (o.reminder_interval > 0) {
      DriverOptions d;
      d.interval = std::chrono::seconds(o.reminder_interval);
      d.schedule = schedule;
      d.skip_recent_days = o.skip_recent_days;
      d.people = people;
      reminders = std::make_unique<ReminderDriver>(engine, d);
      reminders->Start();
    }
    if (signer != nullptr && o.checkpoint_interval > 0) {
      checkpoints = std::make_unique<CheckpointDriver>(
          engine, signer, std::chrono::seconds(o.checkpoint_interval));
      checkpoints->Start();
    }
  }
  void Stop() {
    if (reminders) reminders->Stop();
    if (checkpoints) checkpoints->Stop();
  }
  std::unique_ptr<ReminderDriver> reminders;
  std::unique_ptr<CheckpointDriver> checkpoints;
};

// The signing key of --signing-key (null without one), read as a secret
// file (http::ReadSecretFile's rules).
Result<std::unique_ptr<ChainSigner>> LoadSigner(const ServeOptions& o) {
  if (o.signing_key.empty()) return std::unique_ptr<ChainSigner>();
  if (o.checkpoint_interval < 0) {
    return Status::InvalidArgument("--checkpoint-interval must be 0 or more");
  }
  Result<std::string> pem = http::ReadSecretFile("signing key", o.signing_key);
  if (!pem.ok()) return pem.status();
  return ChainSigner::FromPem(pem.value());
}

bool CheckServingUsage(const ServeOptions& o,
                       std::optional<std::string>* public_origin,
                       const std::string& who) {
  if (!o.public_url.empty()) {
    *public_origin = http::OriginOf(o.public_url);
    if (!*public_origin) {
      std::cerr << who
                << ": --public-url must be an http:// or https:// URL such "
                   "as https://okr.example.com\n";
      return false;
    }
  }
  if (o.session_hours < 1 || o.session_hours > 24 * 366) {
    std::cerr << who << ": --session-hours must be 1 to 8784\n";
    return false;
  }
  if (o.durability != "sync" && o.durability != "async") {
    std::cerr << who << ": --durability is sync or async\n";
    return false;
  }
  return true;
}

std::vector<std::string> AppOrigins(
    const std::optional<std::string>& public_origin, const std::string& host,
    std::uint16_t port) {
  if (public_origin) return {*public_origin};
  if (host == "0.0.0.0" || host == "::") {
    std::cerr << "okr serve: listening on every address without "
                 "--public-url: the web app can sign in but not change "
                 "anything until --public-url names where people reach it\n";
  }
  return http::ListenOrigins(host, port);
}

http::ApiOptions ServingApiOptions(const ServeOptions& o,
                                   const std::optional<std::string>& origin) {
  http::ApiOptions ao;
  ao.reads.threads = o.read_threads;
  ao.reads.queue_limit = static_cast<std::size_t>(o.read_queue);
  ao.reads.deadline = std::chrono::seconds(o.read_deadline);
  ao.session_max_age = std::chrono::hours(o.session_hours);
  ao.secure_cookies = origin && origin->rfind("https:", 0) == 0;
  return ao;
}

// The options that need no file or store, checked first: false (said on
// stderr) on a usage error. *public_origin: that of --public-url.
bool CheckUsage(const ServeOptions& o,
                std::optional<std::string>* public_origin) {
  if (!CheckServingUsage(o, public_origin)) return false;
  if (!o.publish.empty() || !o.org.empty() || !o.publish_stream.empty()) {
    std::string why = nats::CheckPublisherOptions(PublisherOptionsOf(o));
    if (o.publish.empty()) why = "--org and --publish-stream need --publish";
    if (!why.empty()) {
      std::cerr << "okr serve: " << why << "\n";
      return false;
    }
  }
  return true;
}

int RunServe(const ServeOptions& o) {
  http::ServerOptions so;
  if (!ServerOptionsOf(o, &so)) return kExitUsage;
  std::optional<std::string> public_origin;
  if (!CheckUsage(o, &public_origin)) return kExitUsage;

  // Declared before the engine, which must not outlive its clock.
  std::unique_ptr<SteppingClock> test_clock;
  if (!o.test_clock_start.empty()) {
    std::optional<std::int64_t> start = ParseInstant(o.test_clock_start);
    if (!start.has_value() || o.test_clock_step_us < 0) {
      std::cerr << "okr serve: --test-clock-start must be an RFC 3339 "
                   "instant and --test-clock-step-us 0 or more\n";
      return kExitUsage;
    }
    test_clock = std::make_unique<SteppingClock>(*start, o.test_clock_step_us);
    std::cerr << "okr serve: test clock from " << o.test_clock_start << ", "
              << o.test_clock_step_us << " us a read: not for production\n";
  }

  // Tokens first: a refused tokens file leaves no store behind.
  Result<http::Tokens> tokens = LoadTokens(o.tokens_file, o.data_dir);
  if (!tokens.ok()) {
    std::cerr << "okr serve: " << tokens.status().ToString() << "\n";
    return kExitFailure;
  }
  Result<std::string> secret = WebhookSecret(o);
  Result<std::unique_ptr<ChainSigner>> signer = LoadSigner(o);
  for (const Status& s : {secret.status(), signer.status()}) {
    if (!s.ok()) {
      std::cerr << "okr serve: " << s.ToString() << "\n";
      return kExitFailure;
    }
  }
  Result<DeliverySettings> delivery = DeliverySettingsOf(o);
  if (!delivery.ok()) {
    std::cerr << "okr serve: " << delivery.status().ToString() << "\n";
    return kExitUsage;
  }
  webhook::PeopleDirectory people;
  people.Set(delivery.value().people);
  if (!o.webhooks.empty() && secret.value().empty()) {
    std::cerr << "okr serve: --webhook needs --webhook-secret-file, "
                 "--webhook-secret or OKR_WEBHOOK_SECRET to sign "
                 "deliveries\n";
    return kExitUsage;
  }

  RaiseOpenFileLimit(so.max_connections);

  EngineOptions eo;
  eo.store.clock = test_clock.get();  // null: the machine's clock
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

  http::ApiOptions ao = ServingApiOptions(o, public_origin);
  ao.signer = signer.value().get();
  ao.reminder_policy = [&people, skip = o.skip_recent_days] {
    return ReminderPolicy{people.Get()->Managers(), skip};
  };
  std::unique_ptr<nats::Publisher> publisher =
      MakePublisher(o, engine.value().get(), &ao);
  http::Api api(*engine.value(), tokens.value(), ao);
  http::Server server(api, so);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "okr serve: " << s.ToString() << "\n";
    return kExitFailure;
  }
  const std::vector<std::string> origins =
      AppOrigins(public_origin, so.host, server.port());
  api.SetAppOrigins(origins);
  std::vector<std::unique_ptr<webhook::LogFollower>> workers;
  if (Status s = StartDelivery(o, delivery.value(), secret.value(), people,
                               tokens.value().Admins(),
                               MyWeekUrl(o.public_url, origins.front()),
                               engine.value().get(), &workers);
      !s.ok()) {
    std::cerr << "okr serve: " << s.ToString() << "\n";
    return kExitUsage;
  }
  PeopleReloader reloader(o.people_file, &people);
  // `okr backup` asks the server for a consistent copy through this.
  ControlSocket control(*engine.value(), o.data_dir);
  if (Status s = control.Start(); !s.ok()) {
    std::cerr << "okr serve: " << s.ToString()
              << "; `okr backup` cannot reach this server\n";
  }
  Drivers drivers(o, engine.value().get(), delivery.value().schedule, &people,
                  signer.value().get());
  if (publisher) publisher->Start();
  std::cout << "okr serve: listening on http://" << so.host << ":"
            << server.port() << " (data " << o.data_dir << ", "
            << engine.value()->store().LastPosition() << " events)"
            << std::endl;
  std::cout << "okr serve: the web app is at " << origins.front() << "/"
            << std::endl;
  server.Run();
  control.Stop();
  drivers.Stop();
  if (publisher) publisher->Stop();
  for (auto& w : workers) w->RequestStop();  // all at once, then joined
  for (auto& w : workers) w->Stop();
  reloader.Stop();
  api.StopReads();  // before the engine closes and the server goes
  engine.value()->Close();
  std::cout << "okr serve: stopped cleanly" << std::endl;
  return kExitOk;
}

}  // namespace okr
