#!/usr/bin/env python3
"""Restart of a server holding N x DIM vectors with a built HNSW index: the time from process start until
the first search is answered, and whether the saved index was used (indexedRows == totalRows at once, no
rebuild). Data: the ann bench's Gaussian mixture, inserted over HTTP; HNSW M=16, efConstruction=EFC.
KEEP_DATA=<dir>: keep the data directory there, and reuse it (no insert, no build) when it already holds the data."""
import os, signal, subprocess, sys, tempfile, time

import numpy as np
import orjson

from benchlib import call

BIN = sys.argv[1]
N = int(os.environ.get("N", 1_000_000))
DIM = int(os.environ.get("DIM", 128))
EFC = int(os.environ.get("EFC", 200))
THREADS = int(os.environ.get("THREADS", os.cpu_count()))


def memory_mib(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out


def start(data_dir):
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--data-dir", data_dir, "--log-level", "warning",
                             "--segment-rows", str(N), "--index-threads", str(THREADS)], stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline().rsplit(":", 1)[1])


def main():
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((256, DIM), dtype=np.float32) * 2
    keep = os.environ.get("KEEP_DATA")
    reuse = bool(keep) and os.path.exists(os.path.join(keep, "ready"))
    data_dir = keep or tempfile.mkdtemp(prefix="swiftvec-restart-")
    os.makedirs(data_dir, exist_ok=True)
    proc, port = start(data_dir)
    try:
        if not reuse:
            assert call(port, "collections/create", {"collectionName": "big", "schema": {"fields": [
                {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                {"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": {"dim": DIM}}]},
                "indexParams": [{"fieldName": "vector", "metricType": "L2", "indexType": "HNSW",
                                 "params": {"M": 16, "efConstruction": EFC}}]})["code"] == 0
            t0 = time.perf_counter()
            for start_row in range(0, N, 5000):
                n = min(5000, N - start_row)
                vectors = centres[rng.integers(0, 256, n)] + rng.standard_normal((n, DIM), dtype=np.float32)
                rows = [{"id": start_row + i, "vector": vectors[i]} for i in range(n)]
                r = call(port, "entities/insert", orjson.dumps({"collectionName": "big", "data": rows}, option=orjson.OPT_SERIALIZE_NUMPY))
                assert r["code"] == 0, r
            print(f"{N}x{DIM}: inserted over HTTP in {time.perf_counter() - t0:.0f} s")
            t0 = time.perf_counter()
            call(port, "collections/flush", {"collectionName": "big"})
            while True:
                d = call(port, "indexes/describe", {"collectionName": "big", "indexName": "vector"})["data"][0]
                if d["indexedRows"] == d["totalRows"] == N:
                    break
                time.sleep(1)
            print(f"HNSW M=16 efConstruction={EFC} built in {time.perf_counter() - t0:.0f} s on {THREADS} threads")
            open(os.path.join(data_dir, "ready"), "w").close()
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        query = orjson.dumps({"collectionName": "big", "data": [centres[3]], "limit": 10}, option=orjson.OPT_SERIALIZE_NUMPY)
        for attempt in range(3):
            t0 = time.perf_counter()
            proc, port = start(data_dir)
            listening = time.perf_counter() - t0
            while True:
                r = call(port, "entities/search", query)
                if r["code"] == 0:
                    break
                assert r["code"] == 101, r
                time.sleep(0.01)
            first = time.perf_counter() - t0
            d = call(port, "indexes/describe", {"collectionName": "big", "indexName": "vector"})["data"][0]
            rss = memory_mib(proc.pid)["VmRSS"]
            # Memory after the load: a moment later, once the pages the load scan touched are given back.
            time.sleep(1)
            after = memory_mib(proc.pid)
            raw = N * DIM * 4 / 2**20
            links = N * (2 * 16 + 1) * 4 / 2**20
            print(f"restart {attempt + 1}: listening after {listening:.2f} s, first search answered {first:.2f} s after process "
                  f"start; indexedRows {d['indexedRows']} of {d['totalRows']} at that point (no rebuild: "
                  f"{d['indexedRows'] == d['totalRows']}); RSS {rss:.0f} MiB then, {after['VmRSS']:.0f} MiB after the load "
                  f"({after['RssAnon']:.0f} anonymous + {after['RssFile']:.0f} file-backed) = {after['VmRSS'] / (raw + links):.2f} x "
                  f"(raw vectors {raw:.0f} MiB + level-0 links {links:.0f} MiB)")
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        if not keep:
            subprocess.run(["rm", "-rf", data_dir])


main()
