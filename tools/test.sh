#!/usr/bin/env bash
# Installs the dependencies, builds and runs every test: a Release build
# (GCC) through CTest; then one checked build (clang++: AddressSanitizer +
# UndefinedBehaviorSanitizer, assert() on, libFuzzer's coverage
# instrumentation) that runs the same suites through CTest and fuzzes each
# decoder of outside bytes for OKR_FUZZ_SECONDS (default 15) from the same
# objects (tools/fuzz.sh). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh

jobs=$(nproc)
echo "== Release build"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j"$jobs"
# Two suites at a time (each starts its own servers on free ports, in
# folders of its own): the Release suites are quick and the machine has 2
# cores. The checked suites run one at a time.
ctest --test-dir build/release --output-on-failure -j2

echo "== Checked build: ASan + UBSan + asserts + libFuzzer (clang++)"
# -O1 with line tables: what ASan and libFuzzer recommend, and the quickest
# to build that still gives file:line in every report.
cmake -S . -B build/checked -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DOKR_SANITIZE=ON -DOKR_FUZZ=ON -DOKR_BENCHMARKS=OFF
cmake --build build/checked -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/checked --output-on-failure

echo "== libFuzzer: regressions, then ${OKR_FUZZ_SECONDS:-15} s per target (docs/fuzzing.md)"
OKR_FUZZ_BUILD=build/checked bash tools/fuzz.sh "${OKR_FUZZ_SECONDS:-15}"
