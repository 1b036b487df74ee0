#!/usr/bin/env python3
"""Calls every route on its success path and checks each answer against openapi.yaml.

Usage: contract_check.py BASE_URL openapi.yaml [--exclude PATH_REGEX]

Random requests (schemathesis) rarely reach a route's success answer, so this script builds real state (a
database, a collection with every field type and every vector index, rows, partitions, aliases, users,
roles, privilege groups) and checks that each answer is HTTP 200, JSON, valid against the route's response
schema in the document, and the expected code (0 unless said otherwise), with some checks of the values.
Data routes are called twice, the second time with `Accept-Type-Allow-Int64: false`.
Routes whose path matches --exclude are skipped (and counted as such).
"""
import argparse
import base64
import json
import re
import struct
import sys

import httpx
import yaml
from jsonschema import Draft202012Validator
from fixtures import ALL_TYPES_FIELDS

parser = argparse.ArgumentParser()
parser.add_argument("url")
parser.add_argument("spec")
parser.add_argument("--exclude", default="")
parser.add_argument("--max-body-size", type=int, default=0, help="the server's --max-body-size, to check 413")
args = parser.parse_args()

with open(args.spec, encoding="utf-8") as f:
    SPEC_TEXT = f.read()
SPEC = yaml.safe_load(SPEC_TEXT)
http = httpx.Client(base_url=args.url, timeout=120)
passed, failed, skipped = 0, [], 0
validators = {}


def response_validator(path, status="200", method="post"):
    key = (path, status, method)
    if key not in validators:
        response = SPEC["paths"][path][method]["responses"][status]
        if "$ref" in response:
            response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = dict(response["content"]["application/json"]["schema"])
        schema["components"] = SPEC["components"]  # so that '#/components/...' resolves
        validators[key] = Draft202012Validator(schema)
    return validators[key]


def excluded(path):
    return bool(args.exclude) and re.search(args.exclude, path) is not None


def call(route, body, code=0, headers=None, check=None, int64=True):
    """POSTs `body` to `route`; returns the parsed answer (None when skipped or not JSON)."""
    global passed, skipped
    path = f"/v2/vectordb/{route}"
    if excluded(path):
        skipped += 1
        return None
    headers = dict(headers or {})
    if not int64:
        headers["Accept-Type-Allow-Int64"] = "false"
    what = f"{route} {json.dumps(body)[:300]}" + ("" if int64 else " [Int64 as strings]")
    problems = []
    response = http.post(path, json=body, headers=headers)
    answer = None
    if response.status_code != 200:
        problems.append(f"HTTP {response.status_code}")
    if not response.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content type {response.headers.get('content-type')}")
    try:
        answer = response.json()
    except ValueError:
        problems.append(f"not JSON: {response.text[:200]!r}")
    if answer is not None:
        errors = sorted(response_validator(path).iter_errors(answer), key=lambda e: list(e.absolute_path))
        problems += [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]]
        if code is not None and answer.get("code") != code:
            problems.append(f"code {answer.get('code')} (expected {code}): {answer.get('message')}")
        elif check and not problems:
            try:
                problem = check(answer)
            except (KeyError, IndexError, TypeError, AssertionError) as e:
                problem = f"{type(e).__name__}: {e}"
            if problem:
                problems.append(problem)
    if problems:
        failed.append(what)
        print(f"  FAIL {what}\n       answer: {response.text[:600]}")
        for p in problems:
            print(f"       {p}")
    else:
        passed += 1
    return answer


def both(route, body, **kwargs):
    """Calls `route` with Int64 values as numbers, then as strings."""
    first = call(route, body, **kwargs)
    call(route, body, int64=False, **{k: v for k, v in kwargs.items() if k != "check"})
    return first


def f16(values):
    """Float16 values, little-endian, in base64 (the wire form of a Float16Vector)."""
    return base64.b64encode(struct.pack(f"<{len(values)}e", *values)).decode()


# ---- databases ----------------------------------------------------------------------------------------
call("databases/drop", {"dbName": "apicheck_db"})
call("databases/create", {"dbName": "apicheck_db", "properties": {"database.max.collections": 10}})
call("databases/list", {}, check=lambda a: None if "apicheck_db" in a["data"] else "apicheck_db not listed")
call("databases/describe", {"dbName": "apicheck_db"},
     check=lambda a: None if {"key": "database.max.collections", "value": "10"} in a["data"]["properties"] else "property")
call("databases/alter", {"dbName": "apicheck_db", "properties": {"database.force.deny.writing": False}})
call("databases/alter_properties", {"dbName": "apicheck_db", "properties": {"database.diskQuota.mb": 100}})
call("databases/drop_properties", {"dbName": "apicheck_db", "propertyKeys": ["database.diskQuota.mb"]})
db = {"DB-Name": "apicheck_db"}
call("collections/create", {"collectionName": "quick", "dimension": 4}, headers=db)
call("collections/list", {}, headers=db, check=lambda a: None if a["data"] == ["quick"] else "quick not listed")
call("collections/list", {"dbName": "apicheck_db"}, check=lambda a: None if a["data"] == ["quick"] else "quick not listed")
call("collections/drop", {"collectionName": "quick", "dbName": "apicheck_db"})
call("databases/drop", {"dbName": "apicheck_db"})
call("databases/describe", {"dbName": "apicheck_db"}, code=800)

# ---- a collection with every field type ---------------------------------------------------------------
C = "apicheck_all"
call("collections/drop", {"collectionName": C})
fields = ALL_TYPES_FIELDS
index_params = [
    {"fieldName": "fv", "indexName": "fv", "indexType": "HNSW", "metricType": "L2", "params": {"M": 8, "efConstruction": 64}},
    {"fieldName": "bv", "indexName": "bv", "indexType": "BIN_FLAT", "metricType": "HAMMING"},
    {"fieldName": "hv", "indexName": "hv", "indexType": "FLAT", "metricType": "IP"},
    {"fieldName": "bfv", "indexName": "bfv", "metricType": "COSINE"},
    {"fieldName": "sv", "indexName": "sv", "indexType": "SPARSE_INVERTED_INDEX", "metricType": "IP"},
    {"fieldName": "i8v", "indexName": "i8v", "indexType": "HNSW", "metricType": "COSINE"},
]
call("collections/create", {"collectionName": C, "description": "every type",
                            "schema": {"enableDynamicField": True, "fields": fields}, "indexParams": index_params,
                            "params": {"consistencyLevel": "Strong"}})


def describe_check(a):
    d = a["data"]
    defaults = {f["name"]: f["defaultValue"]["Data"] for f in d["fields"] if "defaultValue" in f}
    want = {"b": {"BoolData": True}, "i8": {"IntData": 3}, "i64": {"LongData": 7}, "f": {"FloatData": 1.5},
            "s": {"StringData": "x"}}
    if defaults != want:
        return f"default values {defaults}"
    if d["consistencyLevel"] != "Strong" or d["load"] != "LoadStateLoaded" or a["message"] != "":
        return "consistency, load or message"
    if sorted(i["fieldName"] for i in d["indexes"]) != sorted(p["fieldName"] for p in index_params):
        return "indexes"
    types = {f["name"]: (f["type"], f.get("elementType")) for f in d["fields"]}
    if types["ai"] != ("Array", "Int64") or types["sv"] != ("SparseFloatVector", None):
        return f"types {types}"


both("collections/describe", {"collectionName": C}, check=describe_check)
call("collections/has", {"collectionName": C}, check=lambda a: None if a["data"]["has"] else "has is false")
call("collections/has", {"collectionName": "apicheck_none"}, check=lambda a: None if not a["data"]["has"] else "has")
call("collections/get_load_state", {"collectionName": C},
     check=lambda a: None if a["data"] == {"loadProgress": 100, "loadState": "LoadStateLoaded"} and a["message"] == "" else "state")


def row(i):
    return {"id": i, "b": i % 2 == 0, "i8": i, "i16": -i, "i32": i % 3, "i64": 2 ** 62 + i, "f": i / 4, "d": i * 1e100,
            "s": f"s{i}", "j": {"n": i, "tags": ["a", "b"], "big": 2 ** 60}, "ai": [i, 2 ** 62], "av": ["x", f"v{i}"],
            "fv": [float(i), 1.0, 0.0, -1.0], "bv": base64.b64encode(bytes([i, 255 - i])).decode(),
            "hv": [0.5 * i, 1.0, 0.0, 0.25], "bfv": [1.0, float(i), 0.0, 0.5],
            "sv": {str(i): 0.5, "100": 1.0}, "i8v": [i, -i, 1, 127], "color": ["red", "blue"][i % 2], "n": i}


rows = [row(i) for i in range(1, 9)]
rows[7] = {k: v for k, v in rows[7].items() if k not in ("b", "i8", "i64", "f", "s", "d", "j")}  # defaults, nulls
call("entities/insert", {"collectionName": C, "data": rows},
     check=lambda a: None if a["data"] == {"insertCount": 8, "insertIds": list(range(1, 9))} and a["cost"] == 0 else "ids")
call("entities/upsert", {"collectionName": C, "data": [dict(row(8), s="upserted")]},
     check=lambda a: None if a["data"] == {"upsertCount": 1, "upsertIds": [8]} else "upsert ids")
call("entities/upsert", {"collectionName": C, "partialUpdate": True, "data": [{"id": 7, "s": "partial"}]},
     int64=False, check=None)
call("collections/get_stats", {"collectionName": C}, check=lambda a: None if a["data"]["rowCount"] == 8 else "rowCount")


def all_rows_check(a):
    by_id = {r["id"]: r for r in a["data"]}
    r1 = by_id[1]
    if r1["i64"] != 2 ** 62 + 1 or r1["ai"] != [1, 2 ** 62] or r1["j"]["big"] != 2 ** 60 or r1["color"] != "blue":
        return f"row 1 {r1}"
    if not isinstance(r1["bv"], str) or not isinstance(r1["hv"], str) or not isinstance(r1["i8v"], str):
        return "byte vectors must be base64 strings"
    if r1["sv"] != {"1": 0.5, "100": 1}:
        return f"sparse {r1['sv']}"
    if by_id[7]["s"] != "partial" or by_id[8]["s"] != "upserted":
        return "upserts"


both("entities/query", {"collectionName": C, "filter": "id > 0", "outputFields": ["*"], "limit": 10}, check=all_rows_check)
both("entities/query", {"collectionName": C, "filter": "color == {c}", "exprParams": {"c": "red"}, "outputFields": ["count(*)"]},
     check=lambda a: None if a["data"] == [{"count(*)": 4}] else "count")
both("entities/query", {"collectionName": C, "filter": "i32 == 1 and j[\"n\"] > 2", "outputFields": ["id", "$meta"],
                        "offset": 1, "limit": 1, "consistencyLevel": "Bounded"})
both("entities/get", {"collectionName": C, "id": [1, "2"], "outputFields": ["s", "ai", "color"]},
     check=lambda a: None if sorted(r["id"] for r in a["data"]) == [1, 2] else "get ids")
q = [2.0, 1.0, 0.0, -1.0]
both("entities/search", {"collectionName": C, "annsField": "fv", "data": [q, [8.0, 1.0, 0.0, -1.0]], "limit": 3,
                         "outputFields": ["*"], "searchParams": {"params": {"ef": 32}}},
     check=lambda a: None if a["topks"] == [3, 3] and a["data"][0]["id"] == 2 and a["data"][0]["distance"] == 0 else "hits")
both("entities/search", {"collectionName": C, "annsField": "bv", "data": [base64.b64encode(bytes([3, 252])).decode()],
                         "limit": 2}, check=lambda a: None if a["data"][0]["id"] == 3 else "binary nearest")
both("entities/search", {"collectionName": C, "annsField": "hv", "data": [f16([1.0, 1.0, 0.0, 0.25])], "limit": 2})
both("entities/search", {"collectionName": C, "annsField": "bfv", "data": [[1.0, 2.0, 0.0, 0.5]], "limit": 2})
both("entities/search", {"collectionName": C, "annsField": "sv", "data": [{"3": 1.0}], "limit": 2,
                         "searchParams": {"drop_ratio_search": 0.0}})
both("entities/search", {"collectionName": C, "annsField": "i8v", "data": [[1, -1, 1, 127]], "limit": 2, "outputFields": ["i8v"]})
both("entities/search", {"collectionName": C, "annsField": "fv", "data": [q], "groupingField": "i32", "groupSize": 2,
                         "limit": 2, "outputFields": ["i32"]})
both("entities/search", {"collectionName": C, "annsField": "fv", "data": [q], "limit": 10,
                         "searchParams": {"metricType": "L2", "params": {"radius": 5.0, "range_filter": 0.5}}},
     check=lambda a: None if all(0.5 <= h["distance"] < 5 for h in a["data"]) else "range")
both("entities/search", {"collectionName": C, "annsField": "fv", "data": [q], "filter": "id < 0"},
     check=lambda a: None if a["data"] == [] and "topks" not in a else "no hits")
hybrid = {"collectionName": C, "limit": 3, "outputFields": ["s"],
          "search": [{"annsField": "fv", "data": [q], "limit": 5},
                     {"annsField": "hv", "data": [[1.0, 1.0, 0.0, 0.25]], "limit": 5, "filter": "id > 1"}]}
both("entities/hybrid_search", dict(hybrid, rerank={"strategy": "weighted", "params": {"weights": [0.7, 0.3]}}),
     check=lambda a: None if a["topks"] == [3] else "topks")
both("entities/advanced_search", dict(hybrid, rerank={"strategy": "rrf", "params": {"k": 10}}))

# ---- indexes --------------------------------------------------------------------------------------
call("indexes/list", {"collectionName": C}, check=lambda a: None if sorted(a["data"]) == sorted(p["indexName"] for p in index_params) else "list")
# Index progress counts sealed rows (Milvus: flushed segments); the flush seals the 8 rows.
call("collections/flush", {"collectionName": C})
both("indexes/describe", {"collectionName": C, "indexName": "fv"},
     check=lambda a: None if a["data"][0]["indexType"] == "HNSW" and a["data"][0]["totalRows"] == 8 else "describe")
call("indexes/create", {"collectionName": C, "indexParams": [{"fieldName": "i32", "indexName": "i32_idx", "indexType": "STL_SORT"}]})
call("indexes/alter_properties", {"collectionName": C, "indexName": "i32_idx", "properties": {"mmap.enabled": True}})
both("indexes/describe", {"collectionName": C, "indexName": "i32_idx"},
     check=lambda a: None if a["data"][0]["mmap.enabled"] == "true" and a["data"][0]["metricType"] == "" else "scalar index")
call("indexes/drop_properties", {"collectionName": C, "indexName": "i32_idx", "propertyKeys": ["mmap.enabled"]})
call("indexes/drop", {"collectionName": C, "indexName": "i32_idx"}, code=65535)  # loaded: release first
call("collections/release", {"collectionName": C})
call("indexes/drop", {"collectionName": C, "indexName": "i32_idx"})
call("indexes/describe", {"collectionName": C, "indexName": "i32_idx"}, code=700)
call("collections/load", {"collectionName": C})

# ---- partitions -----------------------------------------------------------------------------------
call("partitions/create", {"collectionName": C, "partitionName": "p1"})
call("partitions/list", {"collectionName": C}, check=lambda a: None if a["data"] == ["_default", "p1"] else "partitions")
call("partitions/has", {"collectionName": C, "partitionName": "p1"}, check=lambda a: None if a["data"]["has"] else "has")
call("entities/insert", {"collectionName": C, "partitionName": "p1", "data": [row(20)]})
call("partitions/get_stats", {"collectionName": C, "partitionName": "p1"}, check=lambda a: None if a["data"]["rowCount"] == 1 else "rows")
call("partitions/release", {"collectionName": C, "partitionNames": ["p1"]})
call("partitions/load", {"collectionName": C, "partitionNames": ["p1"]})
call("entities/query", {"collectionName": C, "partitionNames": ["p1"], "filter": "", "outputFields": ["id"]},
     check=lambda a: None if a["data"] == [{"id": 20}] else "partition rows")
call("entities/delete", {"collectionName": C, "partitionName": "p1", "filter": "id == 20"},
     check=lambda a: None if a["data"] == {"deleteCount": 1} else "deleteCount")
call("partitions/release", {"collectionName": C, "partitionNames": ["p1"]})
call("partitions/drop", {"collectionName": C, "partitionName": "p1"})

# ---- collection maintenance -------------------------------------------------------------------------
call("collections/alter_properties", {"collectionName": C, "properties": {"collection.ttl.seconds": 3600}})
call("collections/describe", {"collectionName": C},
     check=lambda a: None if {"key": "collection.ttl.seconds", "value": "3600"} in a["data"]["properties"] else "property")
call("collections/drop_properties", {"collectionName": C, "propertyKeys": ["collection.ttl.seconds"]})
call("collections/flush", {"collectionName": C})
compaction = call("collections/compact", {"collectionName": C, "isClustering": False})
if compaction and compaction.get("code") == 0:
    call("collections/get_compaction_state", {"jobID": compaction["data"]["compactionID"]},
         check=lambda a: None if a["data"]["state"] in ("Executing", "Completed") else "state")
call("collections/get_compaction_state", {"jobID": 123456789},
     check=lambda a: None if a["data"]["state"] == "UndefiedState" else "unknown job")
call("entities/delete", {"collectionName": C, "id": [1, 2]}, check=lambda a: None if a["data"] == {"deleteCount": 2} else "deleteCount")
call("collections/release", {"collectionName": C})
call("collections/get_load_state", {"collectionName": C},
     check=lambda a: None if a["data"] == {"loadState": "LoadStateNotLoad"} and "message" not in a else "not loaded")
call("entities/query", {"collectionName": C, "filter": "id > 0"}, code=101)
call("collections/load", {"collectionName": C})
call("collections/refresh_load", {"collectionName": C})
call("collections/rename", {"collectionName": C, "newCollectionName": C + "_renamed"})
call("collections/rename", {"collectionName": C + "_renamed", "newCollectionName": C})

# ---- quick setup variants: VarChar and generated keys ---------------------------------------------------
call("collections/create", {"collectionName": "apicheck_varchar", "dimension": 2, "idType": "VarChar",
                            "params": {"max_length": 16, "enableDynamicField": False}, "metricType": "IP"})
call("entities/insert", {"collectionName": "apicheck_varchar", "data": [{"id": "a", "vector": [1, 0]}, {"id": "b", "vector": [0, 1]}]},
     check=lambda a: None if a["data"]["insertIds"] == ["a", "b"] else "varchar ids")
both("entities/search", {"collectionName": "apicheck_varchar", "data": [[1, 0.1]], "limit": 1},
     check=lambda a: None if a["data"][0]["id"] == "a" else "varchar hit")
call("collections/drop", {"collectionName": "apicheck_varchar"})
call("collections/create", {"collectionName": "apicheck_auto", "dimension": 8, "autoID": True,
                            "vectorFieldType": "BinaryVector", "metricType": "JACCARD"})
both("entities/insert", {"collectionName": "apicheck_auto", "data": [{"vector": [1]}, {"vector": "Ag=="}]},
     check=lambda a: None if a["data"]["insertCount"] == 2 else "auto ids")
call("collections/drop", {"collectionName": "apicheck_auto"})

# ---- aliases ------------------------------------------------------------------------------------------
call("aliases/create", {"collectionName": C, "aliasName": "apicheck_alias"})
call("aliases/list", {}, check=lambda a: None if "apicheck_alias" in a["data"] else "alias not listed")
call("aliases/list", {"collectionName": C}, check=lambda a: None if a["data"] == ["apicheck_alias"] else "aliases of C")
call("aliases/describe", {"aliasName": "apicheck_alias"},
     check=lambda a: None if a["data"] == {"dbName": "default", "collectionName": C, "aliasName": "apicheck_alias"} else "alias")
call("collections/describe", {"collectionName": C},
     check=lambda a: None if a["data"]["aliases"] == ["apicheck_alias"] or excluded("/v2/vectordb/aliases/create") else "aliases")
call("collections/create", {"collectionName": "apicheck_other", "dimension": 2})
call("aliases/alter", {"collectionName": "apicheck_other", "aliasName": "apicheck_alias"})
call("aliases/describe", {"aliasName": "apicheck_alias"},
     check=lambda a: None if a["data"]["collectionName"] == "apicheck_other" else "altered alias")
call("aliases/drop", {"aliasName": "apicheck_alias"})
call("collections/drop", {"collectionName": "apicheck_other"})

# ---- users, roles, privilege groups ------------------------------------------------------------------
call("users/drop", {"userName": "apicheck_user"}, code=None)
call("roles/drop", {"roleName": "apicheck_role"}, code=None)
call("users/create", {"userName": "apicheck_user", "password": "secret123"})
call("users/list", {}, check=lambda a: None if {"root", "apicheck_user"} <= set(a["data"]) else "users")
call("roles/create", {"roleName": "apicheck_role"})
call("roles/list", {}, check=lambda a: None if {"admin", "public", "apicheck_role"} <= set(a["data"]) else "roles")
call("users/grant_role", {"userName": "apicheck_user", "roleName": "apicheck_role"})
call("users/describe", {"userName": "apicheck_user"}, check=lambda a: None if a["data"] == ["apicheck_role"] else "user roles")
call("users/update_password", {"userName": "apicheck_user", "password": "secret123", "newPassword": "secret456"})
call("roles/grant_privilege", {"roleName": "apicheck_role", "objectType": "Collection", "objectName": C, "privilege": "Search"})
call("roles/grant_privilege_v2", {"roleName": "apicheck_role", "privilege": "Query", "collectionName": C})
call("roles/describe", {"roleName": "apicheck_role"},
     check=lambda a: None if {(g["objectName"], g["privilege"]) for g in a["data"]} >= {(C, "Search"), (C, "Query")} else "grants")
call("roles/revoke_privilege", {"roleName": "apicheck_role", "objectType": "Collection", "objectName": C, "privilege": "Search"})
call("roles/revoke_privilege_v2", {"roleName": "apicheck_role", "privilege": "Query", "collectionName": C})
call("users/revoke_role", {"userName": "apicheck_user", "roleName": "apicheck_role"})
call("users/drop", {"userName": "apicheck_user"})
call("roles/drop", {"roleName": "apicheck_role"})
call("privilege_groups/create", {"privilegeGroupName": "apicheck_group"})
call("privilege_groups/add_privileges_to_group", {"privilegeGroupName": "apicheck_group", "privileges": ["Search", "Query"]})
call("privilege_groups/list", {},
     check=lambda a: None if {"privilegeGroupName": "apicheck_group", "privileges": "Search,Query"} in a["data"]["privilegeGroups"] else "groups")
call("privilege_groups/remove_privileges_from_group", {"privilegeGroupName": "apicheck_group", "privileges": ["Query"]})
call("privilege_groups/drop", {"privilegeGroupName": "apicheck_group"})

call("collections/drop", {"collectionName": C})

# ---- the documents ------------------------------------------------------------------------------------
for name in ("openapi.yaml", "openapi.json"):
    path = f"/v2/vectordb/{name}"
    if excluded(path):
        skipped += 1
        continue
    response = http.get(path)
    ok = response.status_code == 200
    if name.endswith("yaml"):
        ok = ok and response.headers.get("content-type", "").startswith("application/yaml") and response.text == SPEC_TEXT
    else:
        ok = ok and response.headers.get("content-type", "").startswith("application/json") and response.json() == SPEC
    if ok:
        passed += 1
    else:
        failed.append(f"GET {path}")
        print(f"  FAIL GET {path}: HTTP {response.status_code} {response.headers.get('content-type')}: differs from {args.spec}")

# ---- transport: unknown route, preflight, oversized body -------------------------------------------------
def transport(what, ok, detail):
    global passed
    if ok:
        passed += 1
    else:
        failed.append(what)
        print(f"  FAIL {what}: {detail}")


r = http.post("/v2/vectordb/collections/nonexistent", json={})
transport("unknown route is 404 text", r.status_code == 404 and r.text == "404 page not found"
          and r.headers.get("content-type", "").startswith("text/plain"), f"HTTP {r.status_code} {r.text[:100]!r}")
r = http.get("/v2/vectordb/collections/list")
transport("GET on a POST route is 404", r.status_code == 404, f"HTTP {r.status_code}")
r = http.options("/v2/vectordb/collections/list")
transport("OPTIONS is 204 with CORS headers", r.status_code == 204 and r.headers.get("access-control-allow-origin") == "*",
          f"HTTP {r.status_code} {dict(r.headers)}")
if args.max_body_size:
    big = json.dumps({"collectionName": "x", "pad": "x" * (args.max_body_size + 1)})
    r = http.post("/v2/vectordb/collections/has", content=big)
    problems = [] if r.status_code == 413 else [f"HTTP {r.status_code}"]
    try:
        answer = r.json()
        problems += [e.message for e in response_validator("/v2/vectordb/collections/has", "413").iter_errors(answer)]
        problems += [] if answer.get("code") == 1102 else [f"code {answer.get('code')}"]
    except ValueError:
        problems.append(f"not JSON: {r.text[:100]!r}")
    transport("a body over --max-body-size is 413 with code 1102", not problems, "; ".join(problems))

print(f"  contract check: {passed} passed, {len(failed)} failed, {skipped} skipped (excluded)")
sys.exit(1 if failed else 0)
