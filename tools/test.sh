#!/usr/bin/env bash
# Installs the dependencies, builds and runs every test twice: a Release
# build, then an AddressSanitizer + UndefinedBehaviorSanitizer build, both
# through CTest; then fuzzes each decoder of outside bytes for a minute
# (tools/fuzz.sh). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh

jobs=$(nproc)
echo "== Release build"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j"$jobs"
ctest --test-dir build/release --output-on-failure

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOKR_SANITIZE=ON
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure

echo "== libFuzzer: regressions, then a minute per target (docs/fuzzing.md)"
bash tools/fuzz.sh 60
