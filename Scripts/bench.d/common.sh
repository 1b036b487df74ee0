# Shared helpers for the benchmarks (sourced).
set -euo pipefail

bench_build() {
  Scripts/setup
  swift build -c release --product swiftvec >&2
  BIN=.build/release/swiftvec
}

# bench_start_server <data-dir> [serve options...]: starts the server on a free port; sets PID and URL.
bench_start_server() {
  local dir=$1; shift
  local out; out=$(mktemp)
  "$BIN" serve --port 0 --data-dir "$dir" --log-level warning "$@" >"$out" &
  PID=$!
  for _ in $(seq 1 200); do
    grep -q "listening on" "$out" 2>/dev/null && break
    sleep 0.05
  done
  URL=$(grep -o 'http://[^ ]*' "$out")
  rm -f "$out"
  [ -n "$URL" ] || { echo "server did not start" >&2; exit 1; }
}

bench_stop_server() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }

# CPU time (user+system) of a process, in clock ticks.
bench_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
