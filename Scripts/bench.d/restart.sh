#!/usr/bin/env bash
# Restart time of a server holding a large HNSW-indexed collection, see restart.py.
source "$(dirname "$0")/common.sh"
python3 -c "import numpy, orjson" 2>/dev/null || pip install -q numpy orjson >&2
bench_build
exec python3 "$(dirname "$0")/restart.py" "$BIN"
