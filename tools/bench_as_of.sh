#!/usr/bin/env bash
# Time travel over HTTP: GET /v1/objectives/{id} and /v1/key-results/{id}
# as_of random instants, beside the same GETs without as_of (the baseline of
# the same run), through `okr serve` on a store left by `okr-bench org
# --keep`.
#
#   tools/bench_as_of.sh STORE [SECONDS] [CONNECTIONS]  (after a Release build)
#
# STORE is the folder okr-bench org --dir DIR --keep leaves (DIR/org).
# Each request names an objective (or key result) drawn at random and an
# instant drawn between its creation and the end of the log, so both kinds
# of request answer 200. Prints req/s, p50 and p99 of each, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?usage: tools/bench_as_of.sh STORE [SECONDS] [CONNECTIONS]}
secs=${2:-10}
conns=${3:-4}
build=${OKR_BUILD:-build/release}
bin=./$build/adapters/okr
command -v wrk > /dev/null || bash tools/install_deps.sh
work=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null || true; wait 2> /dev/null; rm -rf "$work"' EXIT

token=bench-admin-token
(umask 077 && echo "$token root admin" > "$work/tokens")
start=$(date +%s.%N)
"$bin" serve --data "$store" --listen 127.0.0.1:18091 --tokens "$work/tokens" \
  --reminder-interval 0 > "$work/serve.log" 2>&1 &
for _ in $(seq 1200); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
echo "okr serve listening after $(echo "$(date +%s.%N) - $start" | bc) s (includes process start)"
api=http://127.0.0.1:18091

# 200 objectives and 200 key results at random, each with an instant
# between its creation and the last event.
python3 - "$api" "$token" "$work" <<'PY'
import datetime, json, random, sys, urllib.request
api, token, work = sys.argv[1:4]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
parse = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
head = get("/healthz")["last_position"]
last = parse(get("/v1/events?after=%d&limit=1" % (head - 1))["events"][0]["recorded_at"])
rnd = random.Random(17)
picked = []
cycles = get("/v1/cycles")["cycles"]
for c in cycles:  # as many from each cycle
    objs = get("/v1/objectives?cycle=" + c["id"])["objectives"]
    picked += rnd.sample(objs, min(200 // len(cycles), len(objs)))
def instant(created):
    t = created + (last - created) * rnd.random()
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
rows = {"objectives": [], "key-results": []}
for o in picked:
    h = get("/v1/objectives/%s/history" % o["id"])["entries"]
    rows["objectives"].append((o["id"], instant(parse(h[0]["recorded_at"]))))
    k = rnd.choice(o["key_results"]) if o["key_results"] else None
    if k:
        kh = get("/v1/key-results/%s/history" % k["id"])["entries"]
        rows["key-results"].append((k["id"], instant(parse(kh[0]["recorded_at"]))))
for kind, pairs in rows.items():
    for with_as_of in (0, 1):
        with open("%s/%s-%d.lua" % (work, kind, with_as_of), "w") as f:
            f.write('wrk.headers["Authorization"] = "Bearer %s"\n' % token)
            f.write("local paths = {\n")
            for id, at in pairs:
                p = "/v1/%s/%s" % (kind, id) + ("?as_of=" + at if with_as_of else "")
                f.write('  "%s",\n' % p)
            f.write("}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n"
                    '  return wrk.format("GET", paths[i])\nend\n'
                    "response = function(status)\n  if status ~= 200 then\n"
                    '    print("status " .. status)\n  end\nend\n')
print("objectives %d, key results %d, instants up to %s" % (
    len(rows["objectives"]), len(rows["key-results"]), last))
PY

run() {  # kind with_as_of
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/$1-$2.lua" "$api" > "$work/out.txt"
  if grep -q "^status" "$work/out.txt"; then
    echo "unexpected statuses:"; grep "^status" "$work/out.txt" | sort | uniq -c
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/out.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/out.txt")
  printf '%-14s %-8s %10s req/s  p50 %9s  p99 %9s\n' "$1" "$([ "$2" = 1 ] && echo as_of || echo now)" "$rps" "$p50" "$p99"
}
echo "== ${secs} s each, ${conns} connections"
for kind in objectives key-results; do
  run "$kind" 0
  run "$kind" 1
done
