#!/usr/bin/env bash
# Idle CPU benchmark: what `okr serve` burns while it does nothing useful,
# the figures the abuse tests do not assert (CPU time is not a test's
# business on a shared machine). Prints CPU seconds per wall second of the
# server process in two states:
#   idle-cap   100 kept-alive connections idle at a cap of 100
#   emfile     a descriptor limit of 64 and 120 connections: the listener
#              out of descriptors (it should pause, not spin)
#
#   tools/bench_idle_cpu.sh [SECONDS]      (after a Release build in build/release)
set -euo pipefail
[ -n "${OKR_DEBUG:-}" ] && set -x
cd "$(dirname "$0")/.."
secs=${1:-5}
build=${OKR_BUILD:-build/release}
bin=./$build/adapters/okr
work=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null || true; wait; rm -rf "$work"' EXIT
(umask 077 && echo "bench-token-0001 root admin" > "$work/tokens")
tck=$(getconf CLK_TCK)

cpu_ticks() {  # pid: utime + stime, in clock ticks
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

measure() {  # name, limit of descriptors, connections, extra serve options
  local name=$1 nofile=$2 conns=$3
  shift 3
  rm -rf "$work/data"
  (ulimit -n "$nofile" && exec "$bin" serve --data "$work/data" \
    --listen 127.0.0.1:0 --tokens "$work/tokens" --reminder-interval 0 \
    "$@" > "$work/serve.log" 2>&1) &
  local pid=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' \
      "$work/serve.log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$name: the server did not start" >&2; exit 1; }
  local fds=()
  for _ in $(seq "$conns"); do
    exec {fd}<> "/dev/tcp/127.0.0.1/$port"
    printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&"$fd"
    fds+=("$fd")
  done
  sleep 1  # settle: the answers written, the listener out of descriptors
  local before after
  before=$(cpu_ticks "$pid")
  sleep "$secs"
  after=$(cpu_ticks "$pid")
  awk -v n="$name" -v t=$((after - before)) -v hz="$tck" -v s="$secs" \
    'BEGIN { printf "%-9s %.3f CPU s per s\n", n, t / hz / s }'
  if [ "$name" = emfile ] && ! grep -q "cannot accept" "$work/serve.log"; then
    echo "emfile: the listener never ran out of descriptors" >&2
  fi
  for fd in "${fds[@]}"; do exec {fd}>&-; done
  kill "$pid"
  wait "$pid" || true
}

measure idle-cap 4096 100 --max-connections 100 --idle-timeout 600 \
  --header-timeout 600
measure emfile 64 120 --max-connections 1000 --header-timeout 600
