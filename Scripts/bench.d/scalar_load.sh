#!/usr/bin/env bash
# Load time of a collection with scalar indexes, read back against sorted again, see scalar_load.py.
source "$(dirname "$0")/common.sh"
python3 -c "import orjson" 2>/dev/null || pip install -q orjson >&2
bench_build
exec python3 "$(dirname "$0")/scalar_load.py" "$BIN"
