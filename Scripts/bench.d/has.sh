#!/usr/bin/env bash
# Server CPU per request for collections/has under keep-alive load (wrk). The figure is the server's
# user+system CPU time divided by the number of requests wrk completed: it holds on a noisy machine,
# where requests/s does not.
source "$(dirname "$0")/common.sh"
THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32} DURATION=${DURATION:-10} SERVER_THREADS=${SERVER_THREADS:-2} REPEAT=${REPEAT:-3}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bench_build
dir=$(mktemp -d)
trap 'bench_stop_server; rm -rf "$dir"' EXIT
bench_start_server "$dir" --threads "$SERVER_THREADS"
curl -s -X POST "$URL/v2/vectordb/collections/create" -d '{"collectionName":"bench","dimension":128}' >/dev/null
lua=$(mktemp --suffix .lua)
cat >"$lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"collectionName":"bench"}'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("REQUESTS %d ERRORS %d P50US %d P99US %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
LUA
# Sanity: the answer is the expected one.
answer=$(curl -s -X POST "$URL/v2/vectordb/collections/has" -d '{"collectionName":"bench"}')
[ "$answer" = '{"code":0,"data":{"has":true}}' ] || { echo "unexpected answer: $answer" >&2; exit 1; }
hz=$(getconf CLK_TCK)
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$lua" "$URL/v2/vectordb/collections/has" >/dev/null  # warm-up
echo "collections/has: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, server --threads $SERVER_THREADS, $(nproc) CPUs"
printf "%-4s %12s %10s %10s %10s %16s\n" run "requests/s" "p50 µs" "p99 µs" errors "server CPU µs/req"
for run in $(seq 1 "$REPEAT"); do
  before=$(bench_cpu_ticks "$PID")
  result=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$lua" "$URL/v2/vectordb/collections/has" | grep '^REQUESTS')
  after=$(bench_cpu_ticks "$PID")
  read -r _ requests _ errors _ p50 _ p99 <<<"$result"
  awk -v r="$requests" -v e="$errors" -v p50="$p50" -v p99="$p99" -v t=$((after - before)) -v hz="$hz" -v d="$DURATION" -v run="$run" \
    'BEGIN { printf "%-4s %12.0f %10d %10d %10d %16.1f\n", run, r / d, p50, p99, e, (t / hz) * 1e6 / r }'
done
rm -f "$lua"
