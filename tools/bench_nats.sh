#!/usr/bin/env bash
# The NATS JetStream benchmark (okr-bench nats, tools/bench_nats.h) against
# a nats-server -js of its own, started here on a free loopback port with a
# scratch store, and stopped at the end.
#
#   OKR_BUILD=build/release bash tools/bench_nats.sh [EVENTS] [RATE] [SECONDS]
#
# OKR_BENCH_WRAP runs the benchmark under a command, for a profile:
#   OKR_BENCH_WRAP="perf record -g -o /tmp/perf.data" bash tools/bench_nats.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build="${OKR_BUILD:-build/release}"
scratch="$(mktemp -d /tmp/okr-bench-nats.XXXXXX)"
nats_bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
"$nats_bin" -js -a 127.0.0.1 -p -1 -sd "$scratch/nats" -l "$scratch/nats.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 1 200); do
  grep -q "Server is ready" "$scratch/nats.log" 2>/dev/null && break
  sleep 0.05
done
port="$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$scratch/nats.log" | head -1)"
${OKR_BENCH_WRAP:-} "$build/tools/okr-bench" nats --url "nats://127.0.0.1:$port" \
  --events "${1:-50000}" --rate "${2:-10000}" --seconds "${3:-10}" \
  --dir "$scratch/okr"
