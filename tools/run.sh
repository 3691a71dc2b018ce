#!/usr/bin/env bash
# The main job: installs the dependencies, builds `okr` in Release, seeds
# ./okr-data with the demo organisation on first run, and serves the HTTP
# API on 127.0.0.1:8080 until Ctrl-C (SIGINT/SIGTERM close it cleanly).
#
#   OKR_DATA=./okr-data  OKR_LISTEN=127.0.0.1:8080  tools/run.sh
#
# The first start writes an admin token to $OKR_DATA/tokens and prints its
# path; see the README's tour for what to try.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j"$(nproc)" --target okr

okr=./build/release/adapters/okr
data=${OKR_DATA:-./okr-data}
listen=${OKR_LISTEN:-127.0.0.1:8080}
if [ ! -e "$data/CURRENT" ]; then
  "$okr" demo --data "$data"
fi
"$okr" verify --data "$data"
exec "$okr" serve --data "$data" --listen "$listen"
