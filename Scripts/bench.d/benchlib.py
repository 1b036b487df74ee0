"""Helpers shared by the Python benches."""
import http.client
import os

import orjson


def call(port, route, body):
    """One POST to /v2/vectordb/<route> on a fresh connection; `body` as bytes or as a value to encode."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v2/vectordb/" + route, body=body if isinstance(body, bytes) else orjson.dumps(body))
    reply = orjson.loads(conn.getresponse().read())
    conn.close()
    return reply


def cpu_seconds(pid):
    """The process's exact CPU time: the sum of its threads' on-CPU nanoseconds (schedstat). The tick-sampled
    utime/stime of /proc/<pid>/stat misattributes a server that runs in short bursts."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{task}/schedstat").read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9
