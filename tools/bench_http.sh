#!/usr/bin/env bash
# HTTP benchmark: durable check-in POSTs and tree GETs through `okr serve`
# at 64 connections with wrk, beside a bare Beast handler on the same Server
# class answering 200 at once (the ceiling), all in one run.
#
#   tools/bench_http.sh [SECONDS]      (after a Release build in build/release)
#
# Seeds a cycle of 1,000 objectives (50 department objectives, 950 team
# objectives aligned under them, one key result each) through the API.
set -euo pipefail
[ -n "${OKR_DEBUG:-}" ] && set -x
cd "$(dirname "$0")/.."
secs=${1:-10}
build=${OKR_BUILD:-build/release}
bin=./$build/adapters/okr
bench=./$build/tools/okr-bench
command -v wrk > /dev/null || bash tools/install_deps.sh
work=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null || true; wait; rm -rf "$work"' EXIT
token=bench-admin-token
(umask 077 && echo "$token admin admin" > "$work/tokens")  # 0600: required

"$bin" serve --data "$work/data" --listen 127.0.0.1:18088 \
  --tokens "$work/tokens" --max-objectives 1000 > "$work/serve.log" &
"$bench" bare-http --port 18089 > "$work/bare.log" &
for _ in $(seq 50); do
  grep -q listening "$work/serve.log" 2> /dev/null \
    && grep -q listening "$work/bare.log" 2> /dev/null && break
  sleep 0.1
done
api=http://127.0.0.1:18088
post() {  # path body
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' "$api$1" -d "$2"
}
export -f post
export api token
today=$(date -u +%F)
start=$(date -u -d "$today -30 days" +%F)
end=$(date -u -d "$today +60 days" +%F)
post /v1/cycles "{\"id\":\"bench\",\"starts_on\":\"$start\",\"ends_on\":\"$end\"}"
post /v1/cycles/bench/start '{}'
echo "seeding 1,000 objectives with a key result each..."
seq 0 49 | xargs -P 16 -I{} bash -c 'post /v1/objectives "{\"id\":\"d{}\",\"cycle_id\":\"bench\",\"title\":\"Department {}\",\"level\":\"department\"}"'
seq 50 999 | xargs -P 16 -I{} bash -c 'post /v1/objectives "{\"id\":\"t{}\",\"cycle_id\":\"bench\",\"title\":\"Team {}\",\"level\":\"team\",\"parent_id\":\"d$(({} % 50))\"}"'
{ seq 0 49 | sed 's/^/d/'; seq 50 999 | sed 's/^/t/'; } > "$work/ids"
xargs -P 16 -I@ bash -c 'post /v1/objectives/@/activate "{}" && post /v1/objectives/@/key-results "{\"id\":\"k-@\",\"title\":\"KR\",\"kind\":\"metric\",\"start\":0,\"target\":100}"' < "$work/ids"

cat > "$work/checkin.lua" <<LUA
local ids = {}
for line in io.lines("$work/ids") do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  local kr = "k-" .. ids[(n % #ids) + 1]
  return wrk.format("POST", "/v1/key-results/" .. kr .. "/check-ins",
    {["Authorization"] = "Bearer $token",
     ["Content-Type"] = "application/json"},
    '{"value": ' .. (n % 100) .. '}')
end
LUA
cat > "$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA

run() {  # name, connections, wrk args...
  local name=$1 conns=$2
  shift 2
  local out threads=2
  [ "$conns" -lt 2 ] && threads=1
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<< "$out")
  printf '%-52s %12s req/s   p50 %8s   p99 %8s   non-2xx %s\n' \
    "$name:" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "wrk, ${secs} s each (64 connections unless said):"
run "baseline bare Beast handler (200 at once)" 64 http://127.0.0.1:18089/
run "durable check-in POSTs (sync, group commit)" 64 -s "$work/checkin.lua" "$api"
run "one key result GET" 64 -s "$work/get.lua" "$api/v1/key-results/k-t500"
run "tree GET, 1,000-objective cycle" 64 -s "$work/get.lua" "$api/v1/cycles/bench/tree"
run "tree GET, 1,000-objective cycle, 1 connection" 1 -s "$work/get.lua" "$api/v1/cycles/bench/tree"
curl -s -H "Authorization: Bearer $token" "$api/v1/cycles/bench/tree" | wc -c | \
  awk '{printf "tree response size: %.0f KiB\n", $1 / 1024}'
