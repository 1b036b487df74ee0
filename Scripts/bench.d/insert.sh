#!/usr/bin/env bash
# Insert throughput over HTTP: batches of ROWS rows of DIM-d float vectors with two scalar fields, durable
# (synced) commits, with 1 and 4 concurrent clients (wrk keeps one request in flight per connection).
# Prints rows/s and MB/s of request JSON, and the server's CPU time per request.
source "$(dirname "$0")/common.sh"
ROWS=${ROWS:-1000} DIM=${DIM:-768} DURATION=${DURATION:-15} CLIENTS=${CLIENTS:-"1 4"}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bench_build
dir=$(mktemp -d)
work=$(mktemp -d)
trap 'bench_stop_server; rm -rf "$dir" "$work"' EXIT
bench_start_server "$dir" "$@"
curl -s -X POST "$URL/v2/vectordb/collections/create" -d "{\"collectionName\":\"bench\",\"schema\":{\"fields\":[
  {\"fieldName\":\"id\",\"dataType\":\"Int64\",\"isPrimary\":true},
  {\"fieldName\":\"category\",\"dataType\":\"Int32\"},
  {\"fieldName\":\"price\",\"dataType\":\"Double\"},
  {\"fieldName\":\"vector\",\"dataType\":\"FloatVector\",\"elementTypeParams\":{\"dim\":$DIM}}]},
  \"indexParams\":[{\"fieldName\":\"vector\",\"metricType\":\"L2\"}]}" >/dev/null
# A request body as a Python client would send it: float32 values printed as Python floats.
python3 - "$ROWS" "$DIM" >"$work/body.json" <<'PY'
import json, random, struct, sys
rows, dim = int(sys.argv[1]), int(sys.argv[2])
random.seed(7)
f32 = lambda x: struct.unpack('f', struct.pack('f', x))[0]
data = [{"id": i, "category": random.randrange(100), "price": round(random.uniform(1, 500), 2),
         "vector": [f32(random.gauss(0, 0.1)) for _ in range(dim)]} for i in range(rows)]
print(json.dumps({"collectionName": "bench", "data": data}, separators=(",", ":")))
PY
size=$(stat -c %s "$work/body.json")
check=$(curl -s -X POST "$URL/v2/vectordb/entities/insert" --data-binary @"$work/body.json" | head -c 60)
case "$check" in *'"insertCount":'"$ROWS"*) ;; *) echo "insert failed: $check" >&2; exit 1 ;; esac
cat >"$work/insert.lua" <<LUA
local f = io.open("$work/body.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("REQUESTS %d ERRORS %d P50US %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50)))
end
LUA
hz=$(getconf CLK_TCK)
echo "insert: $ROWS rows x $DIM-d float vectors + 2 scalars per request, body $((size / 1024)) KiB, durable commits, ${DURATION}s per run, $(nproc) CPUs"
printf "%-8s %10s %12s %12s %10s %8s %18s\n" clients "requests/s" "rows/s" "MB/s JSON" "p50 ms" errors "server CPU ms/req"
for c in $CLIENTS; do
  before=$(bench_cpu_ticks "$PID")
  result=$(wrk -t"$c" -c"$c" -d"${DURATION}s" --timeout 30s -s "$work/insert.lua" "$URL/v2/vectordb/entities/insert" | grep '^REQUESTS')
  after=$(bench_cpu_ticks "$PID")
  read -r _ requests _ errors _ p50 <<<"$result"
  awk -v c="$c" -v r="$requests" -v e="$errors" -v p50="$p50" -v d="$DURATION" -v rows="$ROWS" -v size="$size" \
      -v t=$((after - before)) -v hz="$hz" \
    'BEGIN { printf "%-8s %10.2f %12.0f %12.1f %10.1f %8d %18.1f\n", c, r / d, r * rows / d, r * size / d / 1e6, p50 / 1000, e, (r > 0 ? (t / hz) * 1e3 / r : 0) }'
done
