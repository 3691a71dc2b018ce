#!/usr/bin/env bash
# The main job. Installs the dependencies, builds `okr` in Release and runs
# it on an embedded store in ./okr-data.
#
# Until the HTTP server lands (`okr serve`), the main job exercises what the
# engine does today: it appends events to ./okr-data through the store
# benchmark (printing its figures), then verifies the hash chain and prints
# what the store holds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j"$(nproc)"

data=${OKR_DATA:-./okr-data}
rm -rf "$data"
./build/release/tools/okr-bench store --quick --keep "$data" \
  --dir "${TMPDIR:-/tmp}/okr-bench"
./build/release/adapters/okr verify --data "$data"
./build/release/adapters/okr info --data "$data"
