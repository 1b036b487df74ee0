#!/usr/bin/env python3
"""Seeds collections for a second, deeper schemathesis run, and writes the document that run uses.

Usage: seeded_fuzz.py BASE_URL openapi.yaml OUTPUT.json

Random names almost never hit an existing collection, so the plain fuzz run mostly meets "collection not
found". This creates collections with every field type, index and rows (`fuzz_all`; `fuzz_quick`, a quick
setup one; `fuzz_varchar`, VarChar keys), then writes a copy of the document whose request schemas name
only those collections, their fields, partitions and indexes, and whose filters are either random text or
one of a set of real expressions. Responses are still checked against the unchanged response schemas.
"""
import base64
import json
import sys

import httpx
import yaml
from fixtures import ALL_TYPES_FIELDS

URL, SPEC_PATH, OUTPUT = sys.argv[1], sys.argv[2], sys.argv[3]
http = httpx.Client(base_url=URL, timeout=120)

FIELDS = ALL_TYPES_FIELDS
INDEXES = [
    {"fieldName": "fv", "indexName": "fv", "indexType": "HNSW", "metricType": "L2", "params": {"M": 8, "efConstruction": 64}},
    {"fieldName": "bv", "indexName": "bv", "indexType": "BIN_IVF_FLAT", "metricType": "HAMMING", "params": {"nlist": 4}},
    {"fieldName": "hv", "indexName": "hv", "indexType": "IVF_FLAT", "metricType": "IP", "params": {"nlist": 4}},
    {"fieldName": "bfv", "indexName": "bfv", "metricType": "COSINE"},
    {"fieldName": "sv", "indexName": "sv", "indexType": "SPARSE_INVERTED_INDEX", "metricType": "IP"},
    {"fieldName": "i8v", "indexName": "i8v", "indexType": "HNSW", "metricType": "COSINE"},
    {"fieldName": "i32", "indexName": "i32", "indexType": "STL_SORT"},
    {"fieldName": "s", "indexName": "s", "indexType": "Trie"},
]
FILTERS = [
    "id > 5", "i32 in [1, 2]", 's like "s1%"', 'j["n"] > 3', "array_contains(ai, 3)", 'color == "red" and n < 10',
    "b is null", "not (i8 < 3)", "i64 % 7 == 1", 'json_contains(j["tags"], "a")', 'exists j["big"]', "d / 0 > 1",
    "{x} < id", "f ** 2 > 4", 'av[0] == "x"', "id in {ids}", "id == 9223372036854775807", "array_length(av) == 2",
    "1 < i16 + 300 <= 200", "id < 10 or b", "vector is not null", 'tags[1] == "x"', "$meta[\"n\"] >= 2",
]


def post(route, body):
    answer = http.post(f"/v2/vectordb/{route}", json=body).json()
    if answer.get("code") != 0:
        raise SystemExit(f"seeding failed: {route}: {answer}")


def row(i):
    return {"id": i, "b": i % 2 == 0, "i8": i % 100, "i16": -i, "i32": i % 3, "i64": 2 ** 62 + i, "f": i / 4,
            "d": i * 1e100, "s": f"s{i}", "j": {"n": i, "tags": ["a", "b"], "big": 2 ** 60}, "ai": [i, 2 ** 62],
            "av": ["x", f"v{i}"], "fv": [float(i), 1.0, 0.0, -1.0],
            "bv": base64.b64encode(bytes([i % 256, 255 - i % 256])).decode(), "hv": [0.5 * i, 1.0, 0.0, 0.25],
            "bfv": [1.0, float(i), 0.0, 0.5], "sv": {str(i): 0.5, "100": 1.0}, "i8v": [i % 100, -(i % 100), 1, 127],
            "color": ["red", "blue"][i % 2], "n": i}


for name in ("fuzz_all", "fuzz_quick", "fuzz_varchar"):
    post("collections/drop", {"collectionName": name})
post("collections/create", {"collectionName": "fuzz_all", "schema": {"enableDynamicField": True, "fields": FIELDS},
                            "indexParams": INDEXES})
post("entities/insert", {"collectionName": "fuzz_all", "data": [row(i) for i in range(1, 150)]})
post("entities/insert", {"collectionName": "fuzz_all", "data": [
    {k: v for k, v in row(i).items() if k not in ("b", "d", "j", "s", "i8")} for i in range(150, 160)]})
post("partitions/create", {"collectionName": "fuzz_all", "partitionName": "p1"})
post("collections/create", {"collectionName": "fuzz_quick", "dimension": 4})
post("entities/insert", {"collectionName": "fuzz_quick", "data": [
    {"id": i, "vector": [i, 1, 0, 0], "color": "red", "tags": [1, "x"], "n": i} for i in range(50)]})
post("collections/create", {"collectionName": "fuzz_varchar", "dimension": 4, "idType": "VarChar",
                            "params": {"max_length": 8}, "metricType": "IP"})
post("entities/insert", {"collectionName": "fuzz_varchar", "data": [{"id": f"k{i}", "vector": [i, 1, 0, 0]} for i in range(50)]})

with open(SPEC_PATH, encoding="utf-8") as f:
    spec = yaml.safe_load(f)
schemas = spec["components"]["schemas"]
names = [f["fieldName"] for f in FIELDS] + ["vector", "color", "n", "tags"]
vectors = ["fv", "bv", "hv", "bfv", "sv", "i8v", "vector"]
for name, schema in schemas.items():
    props = schema.get("properties", {})
    if "collectionName" in props and name != "OptionalCollectionNameReq":
        props["collectionName"] = {"type": "string", "enum": ["fuzz_all", "fuzz_quick", "fuzz_varchar"]}
    if "dbName" in props:
        props.pop("dbName")
    if "annsField" in props:
        props["annsField"] = {"type": "string", "enum": vectors}
    if "groupingField" in props:
        props["groupingField"] = {"type": "string", "enum": names}
    if "outputFields" in props:
        props["outputFields"] = {"type": "array", "items": {"type": "string", "enum": names + ["*", "count(*)", "$meta"]}}
    if "partitionNames" in props:
        props["partitionNames"] = {"type": "array", "items": {"type": "string", "enum": ["_default", "p1"]}}
    if "partitionName" in props:
        props["partitionName"] = {"type": "string", "enum": ["_default", "p1"]}
    if "indexName" in props and name != "IndexParam":
        props["indexName"] = {"type": "string", "enum": [i["indexName"] for i in INDEXES] + ["vector"]}
    if name == "IndexParam":
        props["fieldName"] = {"type": "string", "enum": names}
# Dense query vectors of the seeded dimension; the search parameters without range search.
schemas["QueryVector"]["anyOf"][0] = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}
schemas["SearchParams"] = {"type": "object", "additionalProperties": False, "properties": {
    "params": {"type": "object", "additionalProperties": False,
               "properties": {"ef": {"type": "integer"}, "nprobe": {"type": "integer"}}}}}
schemas["Filter"] = {"anyOf": [{"type": "string"}, {"type": "string", "enum": FILTERS}]}
for item in spec["paths"].values():
    if "post" in item:  # no DB-Name: every request uses the seeded database
        item["post"]["parameters"] = [{"$ref": "#/components/parameters/AcceptTypeAllowInt64"}]
with open(OUTPUT, "w", encoding="utf-8") as f:
    json.dump(spec, f, indent=1)
print(f"  seeded fuzz_all, fuzz_quick, fuzz_varchar; wrote {OUTPUT}")
