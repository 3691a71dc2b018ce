// okr-bench nats: the log on NATS JetStream (docs/replication.md), against
// a running nats-server -js (tools/bench_nats.sh starts one).
//
// 1. Publishing throughput: `events` check-ins in a store, published by
//    nats::Publisher (reading the store, making each export line,
//    pipelined publishes with Nats-Msg-Id and Nats-Expected-Last-Sequence),
//    beside a raw libnats loop publishing the same messages, bytes made in
//    advance, with the same headers, in the same run.
// 2. Replica lag: a primary engine (fsync on) taking `rate` check-ins per
//    second for `seconds`, publishing, and a replica following the stream;
//    the lag (primary head - replica head) sampled every 50 ms.
//
// Thread safety: run from main().
#ifndef OKR_TOOLS_BENCH_NATS_H_
#define OKR_TOOLS_BENCH_NATS_H_

#include <string>

namespace okr::bench {

struct NatsBenchOptions {
  std::string url;  // nats://HOST:PORT
  int events = 50'000;
  int rate = 10'000;  // check-ins per second in the lag run
  int seconds = 10;
  std::string dir = "/tmp/okr-bench-nats";
};

int RunNatsBench(const NatsBenchOptions& options);

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_NATS_H_
