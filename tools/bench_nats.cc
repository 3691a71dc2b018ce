#include "tools/bench_nats.h"

#include <nats/nats.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "adapters/nats/jetstream.h"
#include "adapters/nats/publisher.h"
#include "adapters/nats/replica.h"
#include "engine/okr_engine.h"
#include "events/export_format.h"
#include "tools/bench_util.h"

namespace okr::bench {
namespace {

const Caller kAdmin{"bench", Role::kAdmin};

bool Must(OkrEngine& engine, Command command) {
  Outcome<CommandResult> out = engine.Execute({kAdmin, std::move(command)});
  if (!out.ok()) std::cerr << "okr-bench nats: " << out.error().detail << "\n";
  return out.ok();
}

// A started cycle around today with one active objective and its metric
// key result "kr", which takes the check-ins.
bool Setup(OkrEngine& engine) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const Date today = Date::FromMicros(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  return Must(engine, CreateCycle{std::string("q"), std::nullopt,
                                  today.AddDays(-30), today.AddDays(60)}) &&
         Must(engine, StartCycle{"q"}) &&
         Must(engine, CreateObjective{std::string("o"), "q", "Bench",
                                      std::nullopt, "company"}) &&
         Must(engine, AddKeyResult{"o", std::string("kr"), "Value", "metric",
                                   0.0, 1e9}) &&
         Must(engine, TransitionObjective{"o", ObjectiveAction::kActivate});
}

std::unique_ptr<OkrEngine> OpenEngine(const std::string& dir,
                                      Durability durability) {
  std::filesystem::remove_all(dir);
  EngineOptions eo;
  eo.store.durability = durability;
  auto engine = OkrEngine::Open(dir, eo);
  if (!engine.ok()) {
    std::cerr << "okr-bench nats: " << engine.status().ToString() << "\n";
    return nullptr;
  }
  return std::move(engine.value());
}

// Submits one check-in; `done` counts the answers.
void CheckIn(OkrEngine& engine, int i, std::atomic<int>* done) {
  engine.Submit({kAdmin, RecordCheckIn{"kr", static_cast<double>(i % 1000)}},
                [done](Outcome<CommandResult>) { done->fetch_add(1); });
}

// `n` check-ins, at most 1,000 waiting at a time.
void Fill(OkrEngine& engine, int n) {
  std::atomic<int> done{0};
  for (int i = 0; i < n; ++i) {
    while (i - done.load() >= 1000) std::this_thread::yield();
    CheckIn(engine, i, &done);
  }
  while (done.load() < n) std::this_thread::yield();
}

// The raw loop: prebuilt messages, the same subjects, bodies and headers,
// published pipelined with the C client alone. Seconds, or -1.
double RawPublish(const std::string& url,
                  const std::vector<RecordedEvent>& events) {
  struct Built {
    std::string subject, body, id, expected;
  };
  std::vector<Built> built;
  for (const RecordedEvent& e : events) {
    built.push_back({"raw.bench." + e.stream.substr(0, e.stream.find('/')),
                     events::ExportLine(e), "raw/" + std::to_string(e.position),
                     std::to_string(e.position - 1)});
  }
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) return -1;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 4096;
  natsConnection_JetStream(&js, nc, &jo);
  const char* subjects[] = {"raw.bench.>"};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const std::string name = "raw-bench-" + std::to_string(::getpid());
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  jsStreamInfo* si = nullptr;
  js_AddStream(&si, js, &cfg, nullptr, nullptr);
  jsStreamInfo_Destroy(si);
  const auto start = Clock::now();
  for (const Built& b : built) {
    natsMsg* msg = nullptr;
    natsMsg_Create(&msg, b.subject.c_str(), nullptr, b.body.data(),
                   static_cast<int>(b.body.size()));
    natsMsgHeader_Set(msg, "Nats-Msg-Id", b.id.c_str());
    natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", b.expected.c_str());
    js_PublishMsgAsync(js, &msg, nullptr);
    natsMsg_Destroy(msg);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60'000;
  const natsStatus done = js_PublishAsyncComplete(js, &po);
  const double seconds = Seconds(Clock::now() - start);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return done == NATS_OK ? seconds : -1;
}

// Reading the stream `p` published (`n` events) back: a bare reader loop
// of the same ordered consumer (the baseline), then a replica building a
// store of its own from it, timed until its read state holds all.
int Follow(const NatsBenchOptions& o, const nats::PublisherOptions& p,
           std::size_t n) {
  auto js = nats::JetStream::Connect(o.url, std::chrono::seconds(5));
  if (!js.ok()) return 1;
  auto start = Clock::now();
  auto reader = js.value()->Read(p.stream, "okr." + p.org + ".>", 1);
  if (!reader.ok()) return 1;
  for (std::size_t got = 0; got < n;) {
    auto m = reader.value()->Next(std::chrono::seconds(5));
    if (!m.ok() || !m.value().has_value()) return 1;
    ++got;
  }
  const double raw = Seconds(Clock::now() - start);
  auto engine = OpenEngine(o.dir + "/follow", Durability::kAsync);
  if (!engine) return 1;
  nats::Replica replica(engine.get(), {o.url, p.stream, p.org});
  start = Clock::now();
  replica.Start();
  while (replica.status().position < n) {
    if (replica.status().state == "stopped") {
      std::cerr << "okr-bench nats: the replica stopped: "
                << replica.status().error << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double ours = Seconds(Clock::now() - start);
  replica.Stop();
  const double events = static_cast<double>(n);
  Figure("raw ordered-consumer read of the stream (baseline)", events / raw,
         "msg/s");
  Figure("okr replica: read, check, import, apply", events / ours, "events/s");
  Ratio("okr replica / raw read", events / ours, events / raw);
  return 0;
}

int Throughput(const NatsBenchOptions& o) {
  auto engine = OpenEngine(o.dir + "/throughput", Durability::kAsync);
  if (!engine || !Setup(*engine)) return 1;
  Fill(*engine, o.events);
  auto all = engine->store().ReadAll(1, engine->store().LastPosition());
  if (!all.ok()) return 1;
  const double n = static_cast<double>(all.value().size());
  const double raw = RawPublish(o.url, all.value());
  if (raw < 0) {
    std::cerr << "okr-bench nats: the raw loop failed\n";
    return 1;
  }
  nats::PublisherOptions po;
  po.url = o.url;
  po.org = "bench";
  po.stream = "okr-bench-" + std::to_string(::getpid());
  nats::Publisher publisher(engine.get(), po);
  const auto start = Clock::now();
  publisher.Start();
  while (publisher.status().state != "ok") {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double ours = Seconds(Clock::now() - start);
  publisher.Stop();
  Figure("events published (check-ins and their setup)", n, "events");
  Figure("raw libnats loop, prebuilt messages (baseline)", n / raw, "msg/s");
  Figure("okr publisher: store read, export line, publish", n / ours, "msg/s");
  Ratio("okr publisher / raw loop", n / ours, n / raw);
  return Follow(o, po, all.value().size());
}

// The lag samples' quantile q (0..1).
std::uint64_t Quantile(std::vector<std::uint64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

int Lag(const NatsBenchOptions& o) {
  auto primary = OpenEngine(o.dir + "/primary", Durability::kSync);
  auto replica_engine = OpenEngine(o.dir + "/replica", Durability::kAsync);
  if (!primary || !replica_engine || !Setup(*primary)) return 1;
  const std::string stream = "okr-lag-" + std::to_string(::getpid());
  nats::Publisher publisher(primary.get(), {o.url, stream, "lag"});
  nats::Replica replica(replica_engine.get(), {o.url, stream, "lag"});
  publisher.Start();
  replica.Start();
  const EventStore& p = primary->store();
  const EventStore& r = replica_engine->store();
  while (r.LastPosition() < p.LastPosition()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The replica's lag behind the primary, and of it the publisher's
  // (events the stream does not have yet).
  std::vector<std::uint64_t> samples, published_lag;
  std::atomic<int> done{0};
  const int total = o.rate * o.seconds;
  const auto start = Clock::now();
  auto next_sample = start;
  for (int i = 0; i < total;) {
    // Paced by the clock: as many submitted as are due by now.
    const double elapsed = Seconds(Clock::now() - start);
    const int due = std::min(total, static_cast<int>(elapsed * o.rate));
    for (; i < due; ++i) CheckIn(*primary, i, &done);
    if (Clock::now() >= next_sample) {
      const std::uint64_t head = p.LastPosition(), got = r.LastPosition();
      samples.push_back(head > got ? head - got : 0);
      published_lag.push_back(publisher.status().lag);
      next_sample += std::chrono::milliseconds(50);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  while (done.load() < total) std::this_thread::yield();
  const double load_seconds = Seconds(Clock::now() - start);
  const auto drain_start = Clock::now();
  while (r.LastPosition() < p.LastPosition()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double drain = Seconds(Clock::now() - drain_start);
  replica.Stop();
  publisher.Stop();
  const double rate = total / load_seconds;
  Figure("check-ins taken by the primary (fsync on)", rate, "/s");
  Figure("replica lag, median of 50 ms samples", Quantile(samples, 0.5),
         "events");
  Figure("replica lag, p99", Quantile(samples, 0.99), "events");
  Figure("replica lag, max", Quantile(samples, 1.0), "events");
  Figure("of it, the publisher's lag (not in the stream yet), median",
         Quantile(published_lag, 0.5), "events");
  Figure("of it, the publisher's lag, max", Quantile(published_lag, 1.0),
         "events");
  Figure("replica lag, max, in time at that rate",
         1000.0 * static_cast<double>(Quantile(samples, 1.0)) / rate, "ms");
  Figure("replica caught up after the load stopped", drain * 1000, "ms");
  // The lag's course: the largest sample of each second.
  std::cout << "replica lag, the most in each second:";
  for (std::size_t i = 0; i < samples.size(); i += 20) {
    std::uint64_t most = 0;
    for (std::size_t k = i; k < std::min(samples.size(), i + 20); ++k) {
      most = std::max(most, samples[k]);
    }
    std::cout << " " << most;
  }
  std::cout << " events\n";
  return 0;
}

}  // namespace

int RunNatsBench(const NatsBenchOptions& o) {
  if (o.url.empty()) {
    std::cerr << "okr-bench nats: --url nats://HOST:PORT is required "
                 "(tools/bench_nats.sh starts a server)\n";
    return 2;
  }
  std::cout << "== publishing " << o.events << " check-ins to " << o.url
            << "\n";
  if (int rc = Throughput(o); rc != 0) return rc;
  std::cout << "== replica lag at " << o.rate << " check-ins/s for "
            << o.seconds << " s\n";
  return Lag(o);
}

}  // namespace okr::bench
