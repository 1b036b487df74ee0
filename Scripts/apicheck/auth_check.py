#!/usr/bin/env python3
"""Checks the documented authentication answers against a server started with --auth.

Usage: auth_check.py BASE_URL openapi.yaml

No credential or a wrong one: HTTP 401, code 1800 (and WWW-Authenticate after a Basic attempt);
`Bearer root:Milvus` and Basic root:Milvus: accepted; a user without the privilege: HTTP 403, code 1401;
/healthz and the documents need no credential. Every JSON answer is checked against the document.
"""
import base64
import sys

import httpx
import yaml
from jsonschema import Draft202012Validator

URL, SPEC_PATH = sys.argv[1], sys.argv[2]
with open(SPEC_PATH, encoding="utf-8") as f:
    SPEC = yaml.safe_load(f)
http = httpx.Client(base_url=URL, timeout=60)
failures, passed = [], 0


def validator(path, status):
    response = SPEC["paths"][path]["post"]["responses"][status]
    if "$ref" in response:
        response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = dict(response["content"]["application/json"]["schema"], components=SPEC["components"])
    return Draft202012Validator(schema)


def expect(what, route, body, status, code, auth=None, header=None):
    global passed
    path = f"/v2/vectordb/{route}"
    headers = {"Authorization": auth} if auth else {}
    r = http.post(path, json=body, headers=headers)
    problems = [] if r.status_code == status else [f"HTTP {r.status_code} (expected {status})"]
    try:
        answer = r.json()
        problems += [e.message for e in validator(path, str(r.status_code)).iter_errors(answer)] if not problems else []
        problems += [] if answer.get("code") == code else [f"code {answer.get('code')} (expected {code})"]
    except (ValueError, KeyError) as e:
        problems.append(f"{type(e).__name__}: {r.text[:200]!r}")
    if header and header.lower() not in {k.lower() for k in r.headers}:
        problems.append(f"no {header} header")
    if problems:
        failures.append(what)
        print(f"  FAIL {what}: {'; '.join(problems)}\n       answer: {r.text[:300]}")
    else:
        passed += 1


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


ROOT = "Bearer root:Milvus"
expect("no credential", "collections/list", {}, 401, 1800)
expect("wrong password (Bearer)", "collections/list", {}, 401, 1800, auth="Bearer root:wrong")
expect("wrong password (Basic)", "collections/list", {}, 401, 1800, auth=basic("root", "wrong"), header="WWW-Authenticate")
expect("root (Bearer)", "collections/list", {}, 200, 0, auth=ROOT)
expect("root (Basic)", "collections/list", {}, 200, 0, auth=basic("root", "Milvus"))
http.post("/v2/vectordb/users/drop", json={"userName": "apicheck_plain"}, headers={"Authorization": ROOT})
expect("create a user", "users/create", {"userName": "apicheck_plain", "password": "plain123"}, 200, 0, auth=ROOT)
expect("a user without the privilege", "databases/create", {"dbName": "apicheck_denied"}, 403, 1401,
       auth="Bearer apicheck_plain:plain123")
expect("drop the user", "users/drop", {"userName": "apicheck_plain"}, 200, 0, auth=ROOT)
for path in ("/healthz", "/v2/vectordb/openapi.yaml", "/v2/vectordb/openapi.json"):
    r = http.get(path)
    if r.status_code == 200:
        passed += 1
    else:
        failures.append(f"GET {path} without credential")
        print(f"  FAIL GET {path} without credential: HTTP {r.status_code}")
print(f"  auth check: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
