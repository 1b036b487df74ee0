"""Helpers shared by the Python benches."""
import os


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
