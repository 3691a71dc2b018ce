#!/usr/bin/env bash
# Installs every build and test dependency of OKR Ledger on Debian 12.
# Idempotent: packages already present are skipped by apt-get.
# Run as root (CI and the dev machines are root); otherwise uses sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev          # the event log
  libboost-dev libboost-system-dev libboost-test-dev  # Asio/Beast, Boost.Test
  libcereal-dev           # binary event and snapshot serialization
  nlohmann-json3-dev      # JSON form of events and the HTTP API
  libvalijson-dev         # tests: JSON Schema validation (events.schema.json, openapi.yaml)
  libcsv-dev              # RFC 4180 CSV reading: spreadsheets of OKRs in
  libssl-dev              # SHA-256 hash chain, HMAC for webhooks
  libcli11-dev            # command-line parsing for `okr`
  libhowardhinnant-date-dev  # calendar math and RFC 3339 instants
  libsqlite3-dev          # baseline in the store benchmark only
  libjemalloc-dev         # the allocator of okr and okr-bench (huge pages)
  libcurl4-openssl-dev    # reminder delivery: HTTPS webhooks, Slack, Teams, SMTP
  libnats-dev             # the log on NATS JetStream (okr serve --publish)
  nats-server             # tests: a real JetStream server on a loopback port
  ca-certificates tzdata  # the CAs delivery trusts; the people file's time zones
  openssl python3-aiosmtpd  # tests: the test CA, the SMTP sink
  python3-yaml            # tests: docs/openapi.yaml read as JSON for the contract checks
  wrk curl                # the HTTP benchmark (tools/bench_http.sh)
  clang-format
  # tools/fuzz.sh: libFuzzer needs clang (`clang` gives /usr/bin/clang++,
  # Debian 12's is clang-14) and its runtime libclang_rt.fuzzer*.a, which is
  # in libclang-rt-14-dev (not pulled in with --no-install-recommends)
  clang clang-14 libclang-rt-14-dev
  prometheus              # /usr/bin/promtool, for `promtool check metrics`
                          # in the metrics test (tests/e2e/metrics_test.cc)
  chromium fonts-dejavu-core  # the browser the web app's tests drive (tests/web), and a font for its pages
)
# Node.js and npm install the web app's front-end libraries (package.json,
# pinned by package-lock.json). A machine that has them (Debian's or
# NodeSource's package) keeps its own; Debian's otherwise.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all Debian packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "install_deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The front-end libraries, exactly as the lockfile pins them; again only
# when the lockfile changed since the last install.
cd "$(dirname "$0")/.."
if ! cmp -s package-lock.json node_modules/.okr-installed-lock 2>/dev/null; then
  echo "install_deps: npm ci (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.okr-installed-lock
fi
