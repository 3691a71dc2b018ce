#!/usr/bin/env bash
# Lints the API contract (docs/openapi.yaml, or the file given) with Redocly
# CLI (node_modules, pinned by package-lock.json) under redocly.yaml:
# Redocly's recommended rules, every warning an error. Exits non-zero on any
# finding. Offline: no usage data (REDOCLY_TELEMETRY=off, which otherwise
# looks up otel.cloud.redocly.com after each command) and no check for a
# newer release (REDOCLY_SUPPRESS_UPDATE_NOTICE=true, which otherwise asks
# the npm registry when stderr is a terminal and CI is unset).
#
#   bash tools/lint_openapi.sh [FILE, from the repository root; default docs/openapi.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec npx --no-install redocly lint --config=redocly.yaml --lint-config=error \
  --max-problems=10000 --format=stylish "${1:-docs/openapi.yaml}"
