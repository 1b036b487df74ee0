#!/usr/bin/env bash
# Approximate search next to hnswlib (installed from PyPI here), see ann.py.
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
python3 -c "import faiss, numpy, orjson, hnswlib" 2>/dev/null || pip install -q faiss-cpu numpy orjson hnswlib >&2
bench_build
exec python3 "$(dirname "$0")/ann.py" "$BIN"
