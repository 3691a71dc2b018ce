#!/usr/bin/env bash
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the libFuzzer targets of tests/fuzz with clang++ (build/fuzz,
# -DOKR_FUZZ=ON: ASan + UBSan + coverage), replays every input that once
# crashed a target (tests/fuzz/regressions/<target>/), then fuzzes each
# target for SECONDS (default 60) from a working copy of its seed corpus
# (tests/fuzz/corpus/<target>/) in a temporary folder: the repository is
# never written to. Prints one line per target:
#   fuzz <target>: <N> executions in <S> s, <C> corpus units, 0 crashes
# and exits non-zero if any target crashed, naming the input that did
# (kept under build/fuzz/artifacts/<target>/). OKR_FUZZ_SEED: see below.
# docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_event_cereal fuzz_event_json fuzz_json_body fuzz_snapshot
           fuzz_http_request fuzz_roundtrip fuzz_browser_headers fuzz_people
           fuzz_okr_csv)
fi
# OKR_FUZZ_BUILD: a build folder configured with -DOKR_FUZZ=ON already (the
# test command's checked build); its targets are brought up to date, its
# configuration kept. Otherwise build/fuzz is configured here.
build=${OKR_FUZZ_BUILD:-build/fuzz}
jobs=$(nproc)

echo "== libFuzzer build ($build)"
if [ -z "${OKR_FUZZ_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOKR_FUZZ=ON -DOKR_BENCHMARKS=OFF \
    >/dev/null
fi
cmake --build "$build" -j"$jobs" --target okr_fuzz

work=$(mktemp -d "${TMPDIR:-/tmp}/okr-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
flags=(-rss_limit_mb=2048 -timeout=10)
# A fixed seed (OKR_FUZZ_SEED, default 1) makes the test command's short run
# replay the same mutations each time, so a merge does not fail on luck;
# OKR_FUZZ_SEED=random explores, as longer runs should.
seed=${OKR_FUZZ_SEED:-1}
[ "$seed" = random ] || flags+=(-seed="$seed")

failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$artifacts" "$work/$t"
  log=$work/$t.log

  # 1. Every input that ever crashed this target, once each.
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$bin" "${flags[@]}" "${regressions[@]}" >"$log" 2>&1; then
      tail -n 40 "$log"
      echo "fuzz $t: a regression input crashes again (see above)"
      failed=1
      continue
    fi
  fi

  # 2. Fuzzing from a copy of the seed corpus; new units go to the copy.
  cp -r tests/fuzz/corpus/"$t"/. "$work/$t/"
  start=$(date +%s)
  status=0
  "$bin" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work/$t" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
          grep -o '[0-9]*$' || true)
  units=$(find "$work/$t" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    crash=$(grep -o "Test unit written to .*" "$log" | sed 's/Test unit written to //' || true)
    echo "fuzz $t: CRASH after ${execs:-?} executions in $elapsed s:" \
      "${crash:-no input saved}"
    failed=1
    continue
  fi
  echo "fuzz $t: ${execs:-?} executions in $elapsed s, $units corpus units, 0 crashes"
done
exit "$failed"
