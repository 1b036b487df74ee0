#!/usr/bin/env bash
# Exact search throughput over HTTP next to faiss (installed from PyPI here), see search_exact.py.
source "$(dirname "$0")/common.sh"
python3 -c "import faiss, numpy, orjson" 2>/dev/null || pip install -q faiss-cpu numpy orjson >&2
bench_build
exec python3 "$(dirname "$0")/search_exact.py" "$BIN"
