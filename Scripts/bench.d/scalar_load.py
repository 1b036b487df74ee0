#!/usr/bin/env python3
"""Load of a collection with scalar indexes after a restart, with the saved indexes read back and with them
sorted again (their files deleted before the start), alternately in one run: the time from process start
until both indexes cover every row, and the server's CPU time by then. Data: N rows with an Int64 field
under STL_SORT (random in ±10^12) and a VarChar field under INVERTED (random 9-character strings), and a
2-d vector (FLAT) that the schema needs. Each start is also checked to answer an indexed filter the same."""
import glob, os, random, signal, subprocess, sys, tempfile, time

import orjson

from benchlib import call, cpu_seconds

BIN = sys.argv[1]
N = int(os.environ.get("N", 1_000_000))
ROUNDS = int(os.environ.get("ROUNDS", 3))
FILTER = "n < -999000000000 or tag like \"t00%\""


def start(data_dir):
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--data-dir", data_dir, "--log-level", "error"],
                            stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline().rsplit(":", 1)[1])


def covered(port):
    for name in ("n", "tag"):
        r = call(port, "indexes/describe", {"collectionName": "s", "indexName": name})
        if r["code"] != 0 or not (r["data"][0]["indexedRows"] == r["data"][0]["totalRows"] == N):
            return False
    return True


def answer(port):
    r = call(port, "entities/query", {"collectionName": "s", "filter": FILTER, "outputFields": ["id"], "limit": 16384})
    assert r["code"] == 0, r
    return sorted(row["id"] for row in r["data"])


def main():
    data_dir = tempfile.mkdtemp(prefix="swiftvec-scalar-")
    proc, port = start(data_dir)
    try:
        assert call(port, "collections/create", {"collectionName": "s", "schema": {"fields": [
            {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
            {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}},
            {"fieldName": "n", "dataType": "Int64"},
            {"fieldName": "tag", "dataType": "VarChar", "elementTypeParams": {"max_length": 16}}]},
            "indexParams": [{"fieldName": "v", "indexType": "FLAT", "metricType": "L2"},
                            {"fieldName": "n", "indexType": "STL_SORT"},
                            {"fieldName": "tag", "indexType": "INVERTED"}]})["code"] == 0
        rng = random.Random(5)
        for first in range(0, N, 10000):
            rows = [{"id": i, "v": [0.5, 0.25], "n": rng.randrange(-10**12, 10**12), "tag": "t%08x" % rng.randrange(1 << 32)}
                    for i in range(first, min(N, first + 10000))]
            assert call(port, "entities/insert", orjson.dumps({"collectionName": "s", "data": rows}))["code"] == 0
        call(port, "collections/flush", {"collectionName": "s"})
        while not covered(port):
            time.sleep(0.2)
        expected = answer(port)
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        files = glob.glob(os.path.join(data_dir, "indexes", "*", "*", "scalar.sorted"))
        assert len(files) == 2, files
        print(f"{N} rows; saved scalar indexes: {sum(os.path.getsize(f) for f in files) / 2**20:.0f} MiB; filter {FILTER}: {len(expected)} rows")
        for attempt in range(ROUNDS):
            for saved in (True, False):
                if not saved:
                    for f in files:
                        os.unlink(f)
                t0 = time.perf_counter()
                proc, port = start(data_dir)
                while not covered(port):
                    time.sleep(0.01)
                elapsed, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid)
                assert answer(port) == expected
                proc.send_signal(signal.SIGTERM)
                proc.wait()
                print(f"round {attempt + 1}, {'saved indexes read' if saved else 'indexes sorted again'}: every row covered "
                      f"{elapsed:.2f} s after process start, server CPU {cpu:.2f} s", flush=True)
                assert all(os.path.exists(f) for f in files), "a build saves the index again"
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        subprocess.run(["rm", "-rf", data_dir])


main()
