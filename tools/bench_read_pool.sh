#!/usr/bin/env bash
# Expensive reads cannot starve the server (issue 13, item 5): /healthz and
# durable check-in latency through `okr serve` on the generated organisation
# (okr-bench org), first with nothing else running (the baseline of the
# same run), then while 4 clients loop over GETs as_of random instants.
#
#   tools/bench_read_pool.sh [SECONDS] [QUARTERS]  (after a Release build)
#
# SECONDS per measurement (default 20); QUARTERS of generated history
# (default 1: 10,000 people, about 1.5 M events; 8 gives 11 M). Prints p50
# and p99 of each, and how many as_of reads the loopers got answered (and
# refused 503, if the read pool's queue was full).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
quarters=${2:-1}
build=${OKR_BUILD:-build/release}
bin=./$build/adapters/okr
bench=./$build/tools/okr-bench
command -v wrk > /dev/null || bash tools/install_deps.sh
work=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null || true; wait 2> /dev/null; rm -rf "$work"' EXIT

echo "generating the organisation ($quarters quarter(s))..."
"$bench" org --quarters "$quarters" --as-of-queries 1 --startup-marks 0 \
  --dir "$work" --keep > "$work/gen.log"
grep -E "people|events" "$work/gen.log" | head -3
token=bench-admin-token
(umask 077 && echo "$token root admin" > "$work/tokens")
"$bin" serve --data "$work/org" --listen 127.0.0.1:18090 --tokens "$work/tokens" \
  --reminder-interval 0 > "$work/serve.log" 2>&1 &
for _ in $(seq 600); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
api=http://127.0.0.1:18090
auth="Authorization: Bearer $token"

# A key result of an active objective in the active cycle, and a date in it.
read -r kr day first last < <(python3 - "$api" "$token" <<'PY'
import json, sys, urllib.request
api, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
cycle = next(c for c in get("/v1/cycles")["cycles"] if c["state"] == "active")
objs = get("/v1/objectives?cycle=" + cycle["id"] + "&state=active")["objectives"]
kr = next(k["id"] for o in objs for k in o["key_results"] if k["state"] == "active")
events = get("/v1/events?after=0&limit=1")["events"]
head = get("/healthz")["last_position"]
last = get("/v1/events?after=%d&limit=1" % (head - 1))["events"]
import datetime
day = min(cycle["ends_on"], datetime.date.today().isoformat())  # not future
print(kr, day, events[0]["recorded_at"], last[0]["recorded_at"])
PY
)
echo "check-ins on $kr dated $day; as_of between $first and $last"

cat > "$work/checkin.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/key-results/$kr/check-ins",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"value": ' .. (n % 100) .. ', "date": "$day"}')
end
LUA
echo "wrk.headers[\"Authorization\"] = \"Bearer $token\"" > "$work/get.lua"

# Both at once; each wrk writes its report to a file.
measure() {  # label
  wrk -t1 -c1 -d"${secs}s" --latency -s "$work/get.lua" "$api/healthz" > "$work/h.txt" &
  local hp=$!
  wrk -t1 -c2 -d"${secs}s" --latency -s "$work/checkin.lua" "$api" > "$work/c.txt"
  wait "$hp"
  printf '%-30s healthz p50 %8s p99 %8s | check-in p50 %8s p99 %8s, %s req/s\n' "$1" \
    "$(awk '$1 == "50%" {print $2}' "$work/h.txt")" "$(awk '$1 == "99%" {print $2}' "$work/h.txt")" \
    "$(awk '$1 == "50%" {print $2}' "$work/c.txt")" "$(awk '$1 == "99%" {print $2}' "$work/c.txt")" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/c.txt")"
}

echo "== ${secs} s each: healthz on 1 connection, check-ins on 2, at once"
measure "baseline (no as_of clients):"

# 4 clients, each looping over GET /v1/cycles?as_of=<random instant>.
python3 - "$api" "$token" "$first" "$last" "$work" <<'PY' &
import datetime, json, random, sys, threading, time, urllib.error, urllib.request
api, token, first, last, work = sys.argv[1:6]
parse = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
t0, t1 = parse(first), parse(last)
counts = {"ok": 0, "busy": 0, "other": 0}
lock = threading.Lock()
def loop(seed):
    rnd = random.Random(seed)
    while True:
        at = t0 + (t1 - t0) * rnd.random()
        url = api + "/v1/cycles?as_of=" + at.strftime("%Y-%m-%dT%H:%M:%SZ")
        req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
        try:
            urllib.request.urlopen(req, timeout=120).read()
            kind = "ok"
        except urllib.error.HTTPError as e:
            kind = "busy" if e.code == 503 else "other"
        except Exception:
            kind = "other"
        with lock:
            counts[kind] += 1
            with open(work + "/loop.json", "w") as f:
                json.dump(counts, f)
for i in range(4):
    threading.Thread(target=loop, args=(i,), daemon=True).start()
while True:
    time.sleep(1)
PY
loopers=$!
sleep 3  # the loopers are in their first reads
measure "4 clients looping over as_of:"
kill "$loopers" 2> /dev/null || true
echo "as_of reads answered during the run: $(cat "$work/loop.json" 2> /dev/null)"
