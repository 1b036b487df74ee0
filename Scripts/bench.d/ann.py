#!/usr/bin/env python3
"""Approximate search over HTTP against hnswlib in-process, on the same data, in one run.

Data: N vectors of each dimension from a Gaussian mixture (deterministic). The server builds HNSW (M,
efConstruction) in the background after a flush; the build time is measured from the flush until
`indexes/describe` reports every row indexed. Then for each ef: recall@10 against exact answers (faiss
IndexFlat), queries/s with one client sending one query per request, the server's CPU time per query, and
queries/s under a saturating load of CLIENTS concurrent clients. hnswlib builds the same graph with the
same number of threads and answers the same queries one at a time in-process (and with CLIENTS threads).
"""
import http.client, os, subprocess, sys, tempfile, threading, time

import numpy as np
import orjson

from benchlib import cpu_seconds
import faiss
import hnswlib

BIN = sys.argv[1]
N = int(os.environ.get("N", 100_000))
DIMS = [int(d) for d in os.environ.get("DIMS", "128").split()]
Q = int(os.environ.get("Q", 300))
M, EFC = 16, 200
EFS = [int(e) for e in os.environ.get("EFS", "16 32 64 128 256").split()]
NLIST = int(os.environ.get("NLIST", 1024))
NPROBES = [int(p) for p in os.environ.get("NPROBES", "8 16 32 64").split()]
CLIENTS = int(os.environ.get("CLIENTS", 2))
THREADS = int(os.environ.get("THREADS", os.cpu_count()))
K = 10


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


def mixture(n, dim, seed):
    """A Gaussian mixture whose components have low-rank covariance (16 directions each), like embeddings:
    isotropic noise in 128 dimensions would make nearest neighbours meaningless for any index."""
    rng = np.random.default_rng(1000 + dim)  # the same mixture for base and queries
    centres = rng.standard_normal((256, dim), dtype=np.float32) * 2
    bases = rng.standard_normal((256, 16, dim), dtype=np.float32) / 4
    own = np.random.default_rng(seed)
    labels = own.integers(0, 256, n)
    z = own.standard_normal((n, 16), dtype=np.float32)
    return (centres[labels] + np.einsum("nk,nkd->nd", z, bases[labels])).astype(np.float32)


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def call(self, route, body):
        self.conn.request("POST", "/v2/vectordb/" + route, body=body if isinstance(body, bytes) else orjson.dumps(body))
        reply = orjson.loads(self.conn.getresponse().read())
        if reply.get("code") != 0:
            raise RuntimeError(f"{route}: {reply}")
        return reply


def recall(found, truth):
    return np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)])


def saturate(port, bodies, clients):
    """Queries/s with `clients` connections each sending the bodies in a loop for a fixed time."""
    done = [0] * clients
    stop = time.perf_counter() + 5

    def run(i):
        c = Client(port)
        j = i
        while time.perf_counter() < stop:
            c.call("entities/search", bodies[j % len(bodies)])
            done[i] += 1
            j += clients

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sum(done) / (time.perf_counter() - t0)


def load_and_build(client, name, base, index_params):
    """Creates the collection, inserts `base` over HTTP in batches of 1,000, flushes and waits until every row
    is indexed; returns (seconds to insert, seconds from the flush until the index covers every row)."""
    dim = base.shape[1]
    client.call("collections/create", {"collectionName": name, "schema": {"fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
        {"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": {"dim": dim}}]},
        "indexParams": [dict(fieldName="vector", metricType="L2", **index_params)]})
    t0 = time.perf_counter()
    for start in range(0, len(base), 1000):
        rows = [{"id": i, "vector": base[i]} for i in range(start, min(start + 1000, len(base)))]
        client.call("entities/insert", orjson.dumps({"collectionName": name, "data": rows}, option=orjson.OPT_SERIALIZE_NUMPY))
    load_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.call("collections/flush", {"collectionName": name})
    while True:
        d = client.call("indexes/describe", {"collectionName": name, "indexName": "vector"})["data"][0]
        if d["indexedRows"] == d["totalRows"] == len(base):
            break
        time.sleep(0.05)
    return load_time, time.perf_counter() - t0


def main():
    print(f"HNSW M={M} efConstruction={EFC}, k={K}, {N} vectors per dataset, {os.cpu_count()} CPUs, "
          f"build threads {THREADS}, saturating load {CLIENTS} clients; hnswlib {hnswlib.__version__ if hasattr(hnswlib, '__version__') else ''}")
    data_dir = tempfile.mkdtemp(prefix="swiftvec-ann-")
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--data-dir", data_dir, "--log-level", "warning",
                             "--segment-rows", str(N), "--index-threads", str(THREADS)], stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().rsplit(":", 1)[1])
    client = Client(port)
    try:
        for dim in DIMS:
            base, queries = mixture(N, dim, dim), mixture(Q, dim, dim + 1)
            flat = faiss.IndexFlatL2(dim)
            flat.add(base)
            truth = flat.search(queries, K)[1].tolist()
            name = f"ann_{dim}"
            load_time, build = load_and_build(client, name, base, {"indexType": "HNSW", "params": {"M": M, "efConstruction": EFC}})
            rss = rss_mib(proc.pid)

            index = hnswlib.Index(space="l2", dim=dim)
            index.init_index(max_elements=N, M=M, ef_construction=EFC, random_seed=100)
            index.set_num_threads(THREADS)
            t0 = time.perf_counter()
            index.add_items(base, np.arange(N))
            hnsw_build = time.perf_counter() - t0
            raw_mib = N * dim * 4 / 2**20
            links_mib = N * (2 * M + 1) * 4 / 2**20
            print(f"\n{N}x{dim}: load over HTTP {load_time:.1f} s; build: swiftvec {build:.1f} s, hnswlib {hnsw_build:.1f} s "
                  f"(ratio {build / hnsw_build:.2f}); server RSS {rss:.0f} MiB (raw vectors {raw_mib:.0f} MiB + level-0 links {links_mib:.0f} MiB)")
            print(f"{'ef':>5} {'recall':>7} {'q/s (1 client)':>15} {'CPU/query':>10} {'q/s ({} clients)'.format(CLIENTS):>16} "
                  f"{'hnswlib recall':>15} {'hnswlib q/s':>12} {'hnswlib µs/query':>17} {'hnswlib q/s ({} thr)'.format(CLIENTS):>19} {'CPU ratio':>10}")
            for ef in EFS:
                bodies = [orjson.dumps({"collectionName": name, "data": [q], "limit": K, "searchParams": {"params": {"ef": ef}}},
                                       option=orjson.OPT_SERIALIZE_NUMPY) for q in queries]
                for b in bodies[:20]:
                    client.call("entities/search", b)
                cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
                found = [[h["id"] for h in client.call("entities/search", b)["data"]] for b in bodies]
                elapsed, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
                loaded_qps = saturate(port, bodies, CLIENTS)

                index.set_ef(ef)
                index.set_num_threads(1)
                t0 = time.perf_counter()
                theirs = [index.knn_query(q[None, :], k=K)[0][0].tolist() for q in queries]
                hnsw_elapsed = time.perf_counter() - t0
                index.set_num_threads(CLIENTS)
                t0 = time.perf_counter()
                rounds = 0
                while time.perf_counter() - t0 < 3:
                    index.knn_query(queries, k=K)
                    rounds += 1
                hnsw_loaded = rounds * Q / (time.perf_counter() - t0)
                per_query = hnsw_elapsed / Q
                print(f"{ef:>5} {recall(found, truth):>7.3f} {Q / elapsed:>15.0f} {cpu / Q * 1e6:>8.0f}µs {loaded_qps:>16.0f} "
                      f"{recall(theirs, truth):>15.3f} {Q / hnsw_elapsed:>12.0f} {per_query * 1e6:>17.0f} {hnsw_loaded:>19.0f} "
                      f"{(cpu / Q) / per_query:>10.2f}")
            client.call("collections/release", {"collectionName": name})
            client.call("collections/drop", {"collectionName": name})

            # IVF_FLAT next to faiss IndexIVFFlat, same nlist and nprobe.
            name = f"ivf_{dim}"
            _, build = load_and_build(client, name, base, {"indexType": "IVF_FLAT", "params": {"nlist": NLIST}})
            quantizer = faiss.IndexFlatL2(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, NLIST)
            t0 = time.perf_counter()
            ivf.train(base)
            ivf.add(base)
            faiss_build = time.perf_counter() - t0
            print(f"\nIVF_FLAT nlist={NLIST}, {N}x{dim}: build swiftvec {build:.1f} s, faiss {faiss_build:.1f} s (ratio {build / faiss_build:.2f})")
            print(f"{'nprobe':>7} {'recall':>7} {'q/s (1 client)':>15} {'CPU/query':>10} {'faiss recall':>13} {'faiss q/s':>10} "
                  f"{'faiss 1-thread q/s':>19} {'q/s ratio (1 thread)':>21}")
            for nprobe in NPROBES:
                bodies = [orjson.dumps({"collectionName": name, "data": [q], "limit": K, "searchParams": {"params": {"nprobe": nprobe}}},
                                       option=orjson.OPT_SERIALIZE_NUMPY) for q in queries]
                for b in bodies[:20]:
                    client.call("entities/search", b)
                cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
                found = [[h["id"] for h in client.call("entities/search", b)["data"]] for b in bodies]
                elapsed, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
                ivf.nprobe = nprobe
                t0 = time.perf_counter()
                theirs = [ivf.search(q[None, :], K)[1][0].tolist() for q in queries]
                faiss_elapsed = time.perf_counter() - t0
                threads = faiss.omp_get_max_threads()
                faiss.omp_set_num_threads(1)
                t0 = time.perf_counter()
                for q in queries:
                    ivf.search(q[None, :], K)
                single = time.perf_counter() - t0
                faiss.omp_set_num_threads(threads)
                print(f"{nprobe:>7} {recall(found, truth):>7.3f} {Q / elapsed:>15.0f} {cpu / Q * 1e6:>8.0f}µs {recall(theirs, truth):>13.3f} "
                      f"{Q / faiss_elapsed:>10.0f} {Q / single:>19.0f} {(Q / elapsed) / (Q / single):>21.2f}")
            client.call("collections/release", {"collectionName": name})
            client.call("collections/drop", {"collectionName": name})
    finally:
        proc.terminate()
        proc.wait()
        subprocess.run(["rm", "-rf", data_dir])


main()
