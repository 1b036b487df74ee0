#!/usr/bin/env python3
"""Checks openapi.yaml against the real server (run through Scripts/apicheck/run, which provides the venv).

Steps, each reported as passed or failed; the run exits 1 if any failed:
  1. spec        openapi.yaml is a valid OpenAPI 3.1 document, with no stray keys from YAML flow-style slips.
  2. json        Sources/API/Resources/openapi.json is exactly what Scripts/openapi-json makes of openapi.yaml.
  3. client      openapi-python-client generates a client (into .build/apicheck-client) without warnings.
  4. server      the server starts (temporary data directory, free port) and answers GET /healthz.
  5. use-client  client_check.py drives the server with the generated client.
  6. contract    contract_check.py calls every route on its success path and checks each answer against the
                 document (also 404, OPTIONS, 413, and the documents served at /v2/vectordb/openapi.{yaml,json}).
  7. fuzz        schemathesis runs every operation (bounded examples, fixed seed) with the checks
                 not_a_server_error, status_code_conformance, content_type_conformance,
                 response_schema_conformance, and no_internal_error_code (schemathesis_hooks.py).
     fuzz-seeded the same over seeded collections (seeded_fuzz.py): request schemas narrowed to their
                 names, fields and indexes, so that requests reach the data paths.
  8. alive       afterwards GET /healthz still answers OK and the process is still running.
  9. auth        (when the binary has --auth) auth_check.py: the 401/403 answers of a second server with --auth.

Environment:
  SWIFTVEC_BIN                  server binary (default .build/debug/swiftvec)
  APICHECK_EXCLUDE_PATH_REGEX   operations whose path matches are skipped by steps 6 and 7 (routes the binary
                                does not serve yet)
  APICHECK_MAX_EXAMPLES         schemathesis examples per operation and phase (default 50)
  APICHECK_SEED                 schemathesis seed (default 20261122)
  APICHECK_WORKERS              schemathesis workers (default 2)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "Scripts" / "apicheck"
SPEC = ROOT / "openapi.yaml"
SPEC_JSON = ROOT / "Sources" / "API" / "Resources" / "openapi.json"
BUILD = ROOT / ".build"
CLIENT_DIR = BUILD / "apicheck-client"
REPORT_DIR = BUILD / "apicheck-report"
MAX_BODY_SIZE = 1 << 20  # small, so that the contract check can send a body over it cheaply
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "no_internal_error_code")


class Server:
    """A swiftvec process on a free port with a temporary data directory."""

    def __init__(self, binary: str, name: str = "server", extra: tuple = ()):
        self.data_dir = tempfile.mkdtemp(prefix="apicheck-data-")
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = REPORT_DIR / f"{name}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", self.data_dir,
             "--log-level", "warning", "--threads", "2", "--index-threads", "1",
             "--max-body-size", str(MAX_BODY_SIZE), *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.url = None
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        match = re.search(r"listening on (http://\S+)", line[0] or "")
        if not match:
            self.stop()
            raise RuntimeError(f"the server did not report its address (stdout: {line[0]!r}); log: {self.log_path}")
        self.url = match.group(1).rstrip("/")
        # Keep draining stdout so that the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + 30
        while not self.healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"GET /healthz did not answer OK; log: {self.log_path}")
            time.sleep(0.1)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                return r.status == 200 and r.read() == b"OK"
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    print("  $ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kwargs)


def step_spec() -> bool:
    return run([sys.executable, HERE / "spec_check.py", SPEC, SPEC_JSON]).returncode == 0


def step_client() -> bool:
    if CLIENT_DIR.exists():
        shutil.rmtree(CLIENT_DIR)
    result = run(["openapi-python-client", "generate", "--path", SPEC, "--output-path", CLIENT_DIR,
                  "--config", HERE / "client-config.yaml", "--overwrite", "--fail-on-warning"],
                 capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:])
    return result.returncode == 0


def schemathesis(server: Server, spec, label: str, extra: list, counts: dict) -> bool:
    cmd = ["schemathesis", "run", spec, "--url", server.url, "--checks", CHECKS,
           "--phases", "examples,coverage,fuzzing",
           "--max-examples", os.environ.get("APICHECK_MAX_EXAMPLES", "50"),
           "--seed", os.environ.get("APICHECK_SEED", "20261122"),
           "--workers", os.environ.get("APICHECK_WORKERS", "2"),
           "--generation-database", "none", "--request-timeout", "30", "--no-color",
           "--report", "junit", "--report-junit-path", REPORT_DIR / f"{label}-junit.xml", *extra]
    env = dict(os.environ, PYTHONPATH=str(HERE), SCHEMATHESIS_HOOKS="schemathesis_hooks")
    print("  $ " + " ".join(str(c) for c in cmd), flush=True)
    process = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = []
    for line in process.stdout:
        output.append(line)
        print("  | " + line, end="", flush=True)
    process.wait()
    match = re.search(r"(\d+) generated", "".join(output))
    counts[label] = int(match.group(1)) if match else 0
    print(f"  schemathesis generated {counts[label]} test cases")
    return process.returncode == 0


def step_fuzz(server: Server, exclude: str, counts: dict) -> bool:
    return schemathesis(server, SPEC, "fuzz", ["--mode", "all"] + (["--exclude-path-regex", exclude] if exclude else []),
                        counts)


# The seeded run: routes that read or add to the seeded collections (nothing that drops, renames, releases or
# deletes them).
SEEDED_ROUTES = (r"^/v2/vectordb/(entities/(search|hybrid_search|advanced_search|query|get|insert|upsert)"
                 r"|collections/(describe|has|get_load_state|get_stats|load|refresh_load|flush|compact"
                 r"|alter_properties|drop_properties)|partitions/(list|has|get_stats|create|load)"
                 r"|indexes/(list|describe|create|alter_properties|drop_properties))$")


def step_fuzz_seeded(server: Server, exclude: str, counts: dict) -> bool:
    derived = REPORT_DIR / "seeded-openapi.json"
    if run([sys.executable, HERE / "seeded_fuzz.py", server.url, SPEC, derived]).returncode != 0:
        return False
    extra = ["--mode", "positive", "--include-path-regex", SEEDED_ROUTES]
    return schemathesis(server, derived, "fuzz-seeded", extra + (["--exclude-path-regex", exclude] if exclude else []),
                        counts)


def step_auth(binary: str) -> bool:
    server = Server(binary, "server-auth", ("--auth",))
    try:
        return run([sys.executable, HERE / "auth_check.py", server.url, SPEC]).returncode == 0
    finally:
        server.stop()


def main() -> int:
    binary = os.environ.get("SWIFTVEC_BIN") or str(BUILD / "debug" / "swiftvec")
    exclude = os.environ.get("APICHECK_EXCLUDE_PATH_REGEX", "")
    results: list[tuple[str, bool]] = []
    counts: dict = {}
    started = time.monotonic()

    def record(name, function, *args) -> bool:
        print(f"apicheck: {name}", flush=True)
        t = time.monotonic()
        try:
            ok = bool(function(*args))
        except Exception as e:  # a step that crashes has failed
            print(f"  {type(e).__name__}: {e}")
            ok = False
        results.append((name, ok))
        print(f"apicheck: {name} {'passed' if ok else 'FAILED'} ({time.monotonic() - t:.1f} s)", flush=True)
        return ok

    record("spec", step_spec)
    client_ok = record("client", step_client)
    server: list = []
    if record("server", lambda: server.append(Server(binary)) or True):
        s = server[0]
        print(f"  {binary} at {s.url}")
        try:
            if client_ok:
                record("use-client", lambda: run([sys.executable, HERE / "client_check.py", s.url, CLIENT_DIR]).returncode == 0)
            contract = [sys.executable, HERE / "contract_check.py", s.url, SPEC, "--max-body-size", MAX_BODY_SIZE]
            record("contract", lambda: run(contract + (["--exclude", exclude] if exclude else [])).returncode == 0)
            record("fuzz", step_fuzz, s, exclude, counts)
            record("fuzz-seeded", step_fuzz_seeded, s, exclude, counts)
            record("alive", lambda: s.alive() and s.healthy())
        finally:
            s.stop()
            if not all(ok for _, ok in results):
                print(f"  server log: {s.log_path}")
    try:
        has_auth = "--auth" in subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    except OSError:
        has_auth = False
    if has_auth and not (exclude and re.search(exclude, "/v2/vectordb/users/create")):
        record("auth", step_auth, binary)
    else:
        print("apicheck: auth skipped (this binary has no --auth, or the users routes are excluded)")
    failed = [name for name, ok in results if not ok]
    print(f"apicheck: {time.monotonic() - started:.0f} s; schemathesis cases: {sum(counts.values())} "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())})"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    print(f"apicheck: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
