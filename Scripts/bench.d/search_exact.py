#!/usr/bin/env python3
"""Exact search over HTTP against faiss's IndexFlatL2/IndexFlatIP in-process, on the same data, in one run.

For each dataset (N vectors of each dimension, standard normal, deterministic) and metric, the data is
loaded into the server over HTTP, then Q single-vector queries (k = 10) are sent one per request over one
keep-alive connection. faiss answers the same queries one at a time in-process. Printed: queries/s of
both, their ratio, the server's CPU time per query (user + system of the server process, the figure least
disturbed by a noisy machine), and how many result lists are identical to faiss's.
"""
import http.client, json, os, subprocess, sys, tempfile, time

import numpy as np
import orjson

from benchlib import cpu_seconds
import faiss

BIN, N, DIMS, Q, K = sys.argv[1], int(os.environ.get("N", 100_000)), [int(d) for d in os.environ.get("DIMS", "128 768").split()], int(os.environ.get("Q", 300)), 10


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="swiftvec-bench-")
        self.proc = subprocess.Popen([BIN, "serve", "--port", "0", "--data-dir", self.dir, "--log-level", "warning"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.rsplit(":", 1)[1])
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port)

    def call(self, route, body):
        self.conn.request("POST", "/v2/vectordb/" + route, body=body if isinstance(body, bytes) else orjson.dumps(body),
                          headers={"Content-Type": "application/json"})
        reply = orjson.loads(self.conn.getresponse().read())
        if reply.get("code") != 0:
            raise RuntimeError(f"{route}: {reply}")
        return reply

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        subprocess.run(["rm", "-rf", self.dir])


def main():
    print(f"exact search, k={K}, one query per request over HTTP vs faiss single queries in-process; "
          f"{N} vectors; faiss {faiss.__version__}, {faiss.omp_get_max_threads()} OpenMP threads; {os.cpu_count()} CPUs")
    print(f"{'data':<12} {'metric':<6} {'swiftvec q/s':>13} {'faiss q/s':>10} {'ratio':>6} {'faiss 1-thread q/s':>19} {'ratio':>6} "
          f"{'server CPU/query':>17} {'identical':>10}")
    server = Server()
    try:
        for dim in DIMS:
            rng = np.random.default_rng(dim)
            base = rng.standard_normal((N, dim), dtype=np.float32)
            queries = rng.standard_normal((Q, dim), dtype=np.float32)
            for metric in ["L2", "IP"]:
                name = f"bench_{dim}_{metric.lower()}"
                server.call("collections/create", {"collectionName": name, "schema": {"fields": [
                    {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                    {"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": {"dim": dim}}]},
                    "indexParams": [{"fieldName": "vector", "indexType": "FLAT", "metricType": metric}]})
                for start in range(0, N, 1000):
                    rows = [{"id": i, "vector": base[i]} for i in range(start, min(start + 1000, N))]
                    server.call("entities/insert", orjson.dumps({"collectionName": name, "data": rows}, option=orjson.OPT_SERIALIZE_NUMPY))
                bodies = [orjson.dumps({"collectionName": name, "data": [q], "limit": K}, option=orjson.OPT_SERIALIZE_NUMPY) for q in queries]
                for body in bodies[:10]:  # warm-up
                    server.call("entities/search", body)
                cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
                answers = [server.call("entities/search", body)["data"] for body in bodies]
                ours = [[hit["id"] for hit in a] for a in answers]
                elapsed, cpu = time.perf_counter() - t0, cpu_seconds(server.proc.pid) - cpu0

                index = faiss.IndexFlatL2(dim) if metric == "L2" else faiss.IndexFlatIP(dim)
                index.add(base)
                for q in queries[:10]:
                    index.search(q[None, :], K)
                t0 = time.perf_counter()
                found = [index.search(q[None, :], K) for q in queries]
                theirs = [f[1][0].tolist() for f in found]
                faiss_elapsed = time.perf_counter() - t0
                threads = faiss.omp_get_max_threads()
                faiss.omp_set_num_threads(1)
                t0 = time.perf_counter()
                for q in queries:
                    index.search(q[None, :], K)
                single_elapsed = time.perf_counter() - t0
                faiss.omp_set_num_threads(threads)

                identical = sum(a == b for a, b in zip(ours, theirs))
                for qi, (a, b) in enumerate(zip(ours, theirs)):
                    if a != b:
                        where = next(i for i in range(K) if a[i] != b[i])
                        ours_d = [h["distance"] for h in answers[qi]]
                        print(f"  query {qi}: first difference at rank {where + 1}: swiftvec ids {a[where:]} distances "
                              f"{[round(x, 6) for x in ours_d[where:]]}, faiss ids {b[where:]} distances "
                              f"{[round(float(x), 6) for x in found[qi][0][0][where:]]}")
                ours_qps, faiss_qps, single_qps = Q / elapsed, Q / faiss_elapsed, Q / single_elapsed
                print(f"{N}x{dim:<6} {metric:<6} {ours_qps:>13.1f} {faiss_qps:>10.1f} {ours_qps / faiss_qps:>6.2f} "
                      f"{single_qps:>19.1f} {ours_qps / single_qps:>6.2f} {cpu / Q * 1e3:>14.2f} ms {identical:>6}/{Q}")
                server.call("collections/drop", {"collectionName": name})
    finally:
        server.stop()


main()
