// okr-bench store: throughput of the event store beside baselines measured in
// the same run on the same data shape (~150-byte payloads, 10,000 streams):
// raw RocksDB WriteBatch puts of the same bytes, raw RocksDB scan + decode,
// and SQLite in WAL mode with synchronous=FULL.
//
// Usage: okr-bench store [--quick] [--seconds S] [--replay-events N]
//                        [--rss-events N] [--keep DIR] [--dir DIR]
// Prints one line per figure: "<figure>: <value> <unit>".
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.h"
#include "engine/event_store.h"
#include "engine/storage_format.h"
#include "tools/bench_nats.h"
#include "tools/bench_org.h"
#include "tools/bench_reminders.h"
#include "tools/bench_retro.h"
#include "tools/bench_util.h"

namespace {

using okr::bench::Clock;
using okr::bench::Figure;
using okr::bench::Ratio;
using okr::bench::RssKiB;
using okr::bench::Seconds;

constexpr int kStreams = 10'000;

// A check-in payload of about 150 bytes.
const std::string& Payload() {
  static const std::string p =
      "{\"value\":42.5,\"confidence\":7,\"note\":\"steady progress on the "
      "onboarding funnel, two experiments shipped this week, one more "
      "next\",\"date\":"
      "\"2026-11-27\"}";
  return p;
}

std::string StreamOf(std::uint64_t i) {
  return "kr/k" + std::to_string(i % kStreams);
}

// Runs `threads` workers that each call op(worker, i) until `seconds` pass;
// returns operations per second.
double RunFor(int threads, double seconds,
              const std::function<bool(int, std::uint64_t)>& op) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::uint64_t n = 0;
      for (std::uint64_t i = t; !stop.load(std::memory_order_relaxed);
           i += threads) {
        if (op(t, i)) ++n;
      }
      done.fetch_add(n);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  return done.load() / Seconds(Clock::now() - start);
}

std::unique_ptr<okr::EventStore> OpenStore(const std::string& dir,
                                           okr::Durability durability) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  okr::StoreOptions options;
  options.durability = durability;
  auto store = okr::EventStore::Open(dir, options);
  if (!store.ok()) {
    std::cerr << "okr-bench: " << store.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(store.value());
}

double EngineSingleAppends(const std::string& dir, okr::Durability durability,
                           int threads, double seconds) {
  auto store = OpenStore(dir, durability);
  return RunFor(threads, seconds, [&](int t, std::uint64_t i) {
    okr::CommandMeta meta;
    meta.actor = "bench";
    return store
        ->Append(StreamOf(i), std::nullopt,
                 {okr::NewEvent{"", "CheckInRecorded", 1, Payload()}}, meta)
        .ok();
  });
}

// Keeps `inflight` single-event commands outstanding through AppendAsync,
// as the HTTP server does (no thread blocks per command); returns events/s.
double EngineInflightAppends(const std::string& dir, okr::Durability durability,
                             int inflight, double seconds) {
  auto store = OpenStore(dir, durability);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::atomic<int> outstanding{0};
  std::function<void(std::uint64_t)> issue = [&](std::uint64_t i) {
    okr::AppendRequest req;
    req.meta.actor = "bench";
    req.events.push_back(
        okr::NewEvent{StreamOf(i), "CheckInRecorded", 1, Payload()});
    outstanding.fetch_add(1);
    store->AppendAsync(std::move(req),
                       [&, i](okr::Result<okr::AppendResult> r) {
                         if (r.ok()) done.fetch_add(1);
                         if (!stop.load()) issue(i + inflight);
                         outstanding.fetch_sub(1);
                       });
  };
  auto start = Clock::now();
  for (int k = 0; k < inflight; ++k) issue(k);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  while (outstanding.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done.load() / Seconds(Clock::now() - start);
}

// Appends `total` events in commands of `batch` events; returns events/s.
double EngineBatchedAppends(okr::EventStore& store, std::uint64_t total,
                            int batch) {
  auto start = Clock::now();
  std::uint64_t i = 0;
  while (i < total) {
    okr::AppendRequest req;
    req.meta.actor = "bench";
    for (int b = 0; b < batch; ++b, ++i) {
      req.events.push_back(
          okr::NewEvent{StreamOf(i), "CheckInRecorded", 1, Payload()});
    }
    if (!store.Append(std::move(req)).ok()) std::exit(1);
  }
  return total / Seconds(Clock::now() - start);
}

struct RawRocks {
  explicit RawRocks(const std::string& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    rocksdb::Options options;
    options.create_if_missing = true;
    options.IncreaseParallelism(2);
    options.write_buffer_size = 64u << 20;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
    if (!s.ok()) {
      std::cerr << "okr-bench: " << s.ToString() << "\n";
      std::exit(1);
    }
    db.reset(raw);
  }
  std::unique_ptr<rocksdb::DB> db;
};

// The same envelope bytes the engine stores, for the raw baselines.
std::string RawValue(std::uint64_t position) {
  okr::RecordedEvent e;
  e.position = position;
  e.stream = StreamOf(position);
  e.version = position / kStreams + 1;
  e.type = "CheckInRecorded";
  e.recorded_at_us = 1'790'000'000'000'000;
  e.actor = "bench";
  e.command_id = "cmd-" + std::to_string(position);
  e.data = Payload();
  return okr::format::EncodeLogValue(e);
}

double RawRocksPuts(const std::string& dir, bool sync, int threads,
                    double seconds) {
  RawRocks raw(dir);
  std::atomic<std::uint64_t> next{1};
  return RunFor(threads, seconds, [&](int, std::uint64_t) {
    std::uint64_t pos = next.fetch_add(1);
    rocksdb::WriteBatch batch;
    batch.Put(okr::format::PositionKey(pos), RawValue(pos));
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return raw.db->Write(wo, &batch).ok();
  });
}

// Raw scan + decode of `total` events written with the same bytes.
double RawScanDecode(const std::string& dir, std::uint64_t total) {
  RawRocks raw(dir);
  for (std::uint64_t pos = 1; pos <= total;) {
    rocksdb::WriteBatch batch;
    for (int b = 0; b < 1000 && pos <= total; ++b, ++pos) {
      batch.Put(okr::format::PositionKey(pos), RawValue(pos));
    }
    if (!raw.db->Write(rocksdb::WriteOptions(), &batch).ok()) std::exit(1);
  }
  raw.db->Flush(rocksdb::FlushOptions());
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  auto start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(ro));
  okr::RecordedEvent e;
  std::uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto v = it->value();
    if (okr::format::DecodeLogValue(std::string_view(v.data(), v.size()), &e)) {
      ++n;
    }
  }
  return n / Seconds(Clock::now() - start);
}

double EngineReplay(okr::EventStore& store) {
  auto start = Clock::now();
  std::uint64_t n = 0;
  okr::Status s = store.ForEach(1, [&](const okr::RecordedEvent&) {
    ++n;
    return true;
  });
  if (!s.ok()) std::exit(1);
  return n / Seconds(Clock::now() - start);
}

// SQLite, WAL, synchronous=FULL; `per_txn` events per transaction.
double SqliteInserts(const std::string& dir, int per_txn, double seconds) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  sqlite3* db = nullptr;
  if (sqlite3_open((dir + "/events.db").c_str(), &db) != SQLITE_OK) {
    std::exit(1);
  }
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE events(position INTEGER PRIMARY KEY, stream TEXT,"
               " version INTEGER, type TEXT, data BLOB, recorded_at INTEGER);"
               "CREATE UNIQUE INDEX by_stream ON events(stream, version);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO events VALUES(?1, ?2, ?3, "
                     "'CheckInRecorded', ?4, 1790000000000000)",
                     -1, &insert, nullptr);
  std::uint64_t pos = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < per_txn; ++i) {
      ++pos;
      std::string stream = StreamOf(pos);
      sqlite3_bind_int64(insert, 1, pos);
      sqlite3_bind_text(insert, 2, stream.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 3, pos / kStreams + 1);
      sqlite3_bind_blob(insert, 4, Payload().data(), Payload().size(),
                        SQLITE_STATIC);
      if (sqlite3_step(insert) != SQLITE_DONE) std::exit(1);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double rate = pos / Seconds(Clock::now() - start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return rate;
}

struct StoreBenchOptions {
  bool quick = false;
  double seconds = 4;
  std::uint64_t replay_events = 1'000'000;
  std::uint64_t rss_events = 0;
  std::string keep;
  std::string dir = "/tmp/okr-bench";
};

// A Beast server on the same Server class answering 200 at once: the
// ceiling for tools/bench_http.sh.
int RunBareHttp(std::uint16_t bare_port) {
  okr::http::ServerOptions so;
  so.port = bare_port;
  okr::http::Server server(
      [](const okr::http::HttpRequest&, okr::http::Api::Respond respond) {
        okr::http::HttpResponse r;
        r.body = "{\"ok\":true}";
        respond(std::move(r));
      },
      so);
  if (!server.Start().ok()) return 1;
  std::printf("bare-http: listening on http://127.0.0.1:%u\n",
              static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  server.Run();
  return 0;
}

// The store's appends and replay against raw RocksDB and SQLite.
int RunStoreBench(StoreBenchOptions o) {
  if (o.quick) {
    o.seconds = 1.5;
    o.replay_events = std::min<std::uint64_t>(o.replay_events, 200'000);
  }
  const double seconds = o.seconds;
  const std::uint64_t replay_events = o.replay_events;
  const std::uint64_t rss_events = o.rss_events;
  const std::string& keep = o.keep;
  const std::string& dir = o.dir;

  std::printf(
      "okr-bench store: %.1f s per run, %d streams, %zu-byte "
      "payloads, %u cores\n",
      seconds, kStreams, Payload().size(), std::thread::hardware_concurrency());
  const std::string scratch = dir + "/scratch";
  using okr::Durability;

  double raw_sync_1 = RawRocksPuts(scratch, true, 1, seconds);
  Figure("baseline raw RocksDB sync puts, 1 writer", raw_sync_1, "events/s");
  double raw_sync_64 = RawRocksPuts(scratch, true, 64, seconds);
  Figure("baseline raw RocksDB sync puts, 64 writers", raw_sync_64, "events/s");
  double raw_async = RawRocksPuts(scratch, false, 1, seconds);
  Figure("baseline raw RocksDB async puts, 1 writer", raw_async, "events/s");
  double sqlite_1 = SqliteInserts(scratch, 1, seconds);
  Figure("baseline SQLite WAL FULL, 1 event per txn", sqlite_1, "events/s");
  double sqlite_1000 = SqliteInserts(scratch, 1000, seconds);
  Figure("baseline SQLite WAL FULL, 1000 events per txn", sqlite_1000,
         "events/s");

  double durable[3];
  const int appenders[3] = {1, 16, 64};
  for (int k = 0; k < 3; ++k) {
    durable[k] =
        EngineSingleAppends(scratch, Durability::kSync, appenders[k], seconds);
    Figure("engine durable single-event appends, " +
               std::to_string(appenders[k]) + " appender threads",
           durable[k], "events/s");
  }
  double inflight[2];
  const int outstanding[2] = {16, 64};
  for (int k = 0; k < 2; ++k) {
    inflight[k] = EngineInflightAppends(scratch, Durability::kSync,
                                        outstanding[k], seconds);
    Figure("engine durable single-event appends, " +
               std::to_string(outstanding[k]) + " in flight (async API)",
           inflight[k], "events/s");
  }
  double async_1 = EngineSingleAppends(scratch, Durability::kAsync, 1, seconds);
  Figure("engine async single-event appends, 1 appender", async_1, "events/s");
  double async_16 =
      EngineSingleAppends(scratch, Durability::kAsync, 16, seconds);
  Figure("engine async single-event appends, 16 appenders", async_16,
         "events/s");

  const std::string replay_dir = keep.empty() ? dir + "/replay" : keep;
  double batched = 0, replay = 0;
  {
    auto store = OpenStore(replay_dir, Durability::kSync);
    batched = EngineBatchedAppends(*store, replay_events, 1000);
    Figure("engine durable batched appends (1000 per command)", batched,
           "events/s");
    replay = EngineReplay(*store);
    Figure("engine replay (read + decode), " + std::to_string(replay_events) +
               " events",
           replay, "events/s");
  }
  double raw_scan = RawScanDecode(scratch, replay_events);
  Figure("baseline raw RocksDB scan + decode", raw_scan, "events/s");

  Ratio("ratio durable 1 appender / raw sync 1 writer", durable[0], raw_sync_1);
  Ratio("ratio durable 64 appenders / raw sync 64 writers", durable[2],
        raw_sync_64);
  Ratio("ratio durable 64 in flight / raw sync 64 writers", inflight[1],
        raw_sync_64);
  Ratio("ratio durable 64 appenders / SQLite 1 per txn", durable[2], sqlite_1);
  Ratio("ratio async 1 appender / raw async 1 writer", async_1, raw_async);
  Ratio("ratio batched / SQLite 1000 per txn", batched, sqlite_1000);
  Ratio("ratio replay / raw scan + decode", replay, raw_scan);

  if (rss_events > 0) {
    auto store = OpenStore(dir + "/rss", Durability::kAsync);
    std::uint64_t written = 0;
    for (std::uint64_t mark : {std::uint64_t{1'000'000}, rss_events}) {
      if (mark <= written) continue;
      EngineBatchedAppends(*store, mark - written, 1000);
      written = mark;
      Figure("RSS after appending " + std::to_string(written) + " events",
             RssKiB("VmRSS:") / 1024.0, "MiB");
    }
    replay = EngineReplay(*store);
    Figure("engine replay of " + std::to_string(written) + " events", replay,
           "events/s");
    Figure("RSS after replaying them", RssKiB("VmRSS:") / 1024.0, "MiB");
    store.reset();
    std::filesystem::remove_all(dir + "/rss");
  }
  std::filesystem::remove_all(scratch);
  if (keep.empty()) std::filesystem::remove_all(replay_dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"OKR Ledger benchmarks", "okr-bench"};
  app.require_subcommand(1);
  CLI::App* store_cmd =
      app.add_subcommand("store", "Event store appends and replay");
  StoreBenchOptions store;
  store_cmd->add_flag("--quick", store.quick, "Short runs (about 20 s in all)");
  store_cmd->add_option("--seconds", store.seconds,
                        "Seconds per throughput run");
  store_cmd->add_option("--replay-events", store.replay_events,
                        "Events in the replay store");
  store_cmd->add_option("--rss-events", store.rss_events,
                        "Also append this many events, printing RSS at 1 M "
                        "and at the end (e.g. 10000000)");
  store_cmd->add_option("--keep", store.keep,
                        "Leave the replay store in this folder");
  store_cmd->add_option("--dir", store.dir, "Scratch folder (emptied)");
  okr::bench::OrgBenchOptions org;
  CLI::App* org_cmd = app.add_subcommand(
      "org",
      "OKR engine on a generated organisation (rebuild, start-up, "
      "as_of, RSS)");
  org_cmd->add_option("--quarters", org.quarters, "Quarters of history");
  org_cmd->add_option("--departments", org.departments, "Departments");
  org_cmd->add_option("--teams-per-department", org.teams_per_department,
                      "Teams per department");
  org_cmd->add_option("--people-per-team", org.people_per_team,
                      "People per team");
  org_cmd->add_option("--snapshot-every", org.snapshot_every,
                      "Snapshot interval in events (0: engine default)");
  org_cmd->add_option("--as-of-queries", org.as_of_queries,
                      "as_of queries to time");
  org_cmd->add_option("--startup-marks", org.startup_marks,
                      "Measure start-up once the log passes these sizes");
  org_cmd->add_option("--dir", org.dir, "Scratch folder");
  org_cmd->add_flag("--keep", org.keep, "Leave the generated store");
  std::string open_dir;
  CLI::App* open_cmd = app.add_subcommand(
      "org-open", "(internal) open an engine and print start-up figures");
  open_cmd->add_option("--dir", open_dir)->required();
  std::string as_of_dir;
  int as_of_queries = 1000;
  CLI::App* as_of_cmd = app.add_subcommand(
      "org-as-of",
      "Rebuild and as_of latency on a store left by `org --keep` (its "
      "DIR/org)");
  as_of_cmd->add_option("--dir", as_of_dir, "The store")->required();
  as_of_cmd->add_option("--queries", as_of_queries, "Queries");
  okr::bench::RetroBenchOptions retro;
  CLI::App* retro_cmd = app.add_subcommand(
      "retro",
      "Retrospective and window diff of one generated quarter (time, RSS)");
  retro_cmd->add_option("--departments", retro.departments, "Departments");
  retro_cmd->add_option("--teams-per-department", retro.teams_per_department,
                        "Teams per department");
  retro_cmd->add_option("--people-per-team", retro.people_per_team,
                        "People per team");
  retro_cmd->add_option("--dir", retro.dir, "Scratch folder");
  retro_cmd->add_flag("--keep", retro.keep, "Leave the generated store");
  okr::bench::RemindersBenchOptions reminders;
  CLI::App* reminders_cmd = app.add_subcommand(
      "reminders",
      "Reminder rules on a generated organisation: full and incremental "
      "evaluation");
  reminders_cmd->add_option("--departments", reminders.departments,
                            "Departments");
  reminders_cmd->add_option("--teams-per-department",
                            reminders.teams_per_department,
                            "Teams per department");
  reminders_cmd->add_option("--people-per-team", reminders.people_per_team,
                            "People per team");
  reminders_cmd->add_option("--days", reminders.days, "Days into the quarter");
  reminders_cmd->add_option("--dir", reminders.dir, "Scratch folder");
  okr::bench::NatsBenchOptions nats;
  CLI::App* nats_cmd = app.add_subcommand(
      "nats",
      "The log on NATS JetStream: publishing beside a raw libnats loop, and "
      "replica lag under load (tools/bench_nats.sh starts the server)");
  nats_cmd->add_option("--url", nats.url, "nats://HOST:PORT")->required();
  nats_cmd->add_option("--events", nats.events, "Check-ins to publish")
      ->capture_default_str();
  nats_cmd->add_option("--rate", nats.rate, "Check-ins per second (lag run)")
      ->capture_default_str();
  nats_cmd->add_option("--seconds", nats.seconds, "Seconds of load")
      ->capture_default_str();
  nats_cmd->add_option("--dir", nats.dir, "Scratch folder")
      ->capture_default_str();
  std::string measure_dir;
  CLI::App* measure_cmd = app.add_subcommand(
      "retro-measure", "(internal) measure the retrospective on a store");
  measure_cmd->add_option("--dir", measure_dir)->required();
  CLI::App* html_cmd = app.add_subcommand(
      "retro-html", "(internal) open, build and stream the retrospective HTML");
  html_cmd->add_option("--dir", measure_dir)->required();
  std::uint16_t bare_port = 18090;
  CLI::App* bare_cmd = app.add_subcommand(
      "bare-http",
      "A Beast server on the same Server class answering 200 at once: the "
      "ceiling for tools/bench_http.sh");
  bare_cmd->add_option("--port", bare_port, "Port on 127.0.0.1");
  CLI11_PARSE(app, argc, argv);
  if (bare_cmd->parsed()) return RunBareHttp(bare_port);
  if (nats_cmd->parsed()) return okr::bench::RunNatsBench(nats);
  if (org_cmd->parsed()) return okr::bench::RunOrgBench(org);
  if (retro_cmd->parsed()) return okr::bench::RunRetroBench(retro);
  if (reminders_cmd->parsed()) {
    return okr::bench::RunRemindersBench(reminders);
  }
  if (measure_cmd->parsed()) return okr::bench::RunRetroMeasure(measure_dir);
  if (html_cmd->parsed()) return okr::bench::RunRetroHtml(measure_dir);
  if (open_cmd->parsed()) return okr::bench::RunOrgOpen(open_dir);
  if (as_of_cmd->parsed()) {
    return okr::bench::RunOrgAsOf(as_of_dir, as_of_queries);
  }
  return RunStoreBench(store);
}
