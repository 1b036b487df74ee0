#!/usr/bin/env python3
"""Drives the server with the client that openapi-python-client generated from openapi.yaml.

Usage: client_check.py BASE_URL CLIENT_DIR

Creates a quick-setup collection (dimension 4, L2), inserts rows, queries them with a filter (also with
Int64 values as strings), gets them by id, searches (the nearest row must come first), checks an error
answer, and drops the collection. Every call goes through the generated typed models and api functions,
so a spec the generator or the server disagree with fails here.
"""
import sys

BASE_URL, CLIENT_DIR = sys.argv[1], sys.argv[2]
sys.path.insert(0, CLIENT_DIR)

from swiftvec_client import Client  # noqa: E402
from swiftvec_client.api.collections import (  # noqa: E402
    collections_create, collections_describe, collections_drop, collections_get_load_state)
from swiftvec_client.api.entities import entities_get, entities_insert, entities_query, entities_search  # noqa: E402
from swiftvec_client.api.service import healthz  # noqa: E402
from swiftvec_client.models import (  # noqa: E402
    BooleanText, CollectionDataReq, CollectionDescribeReply, CollectionIDReq, CollectionNameReq, CollectionReq,
    EmptyReply, ErrorResponse, InsertReply, LoadStateName, LoadStateReply, QueryReqV2, Row, RowsReply, SearchReply,
    SearchReqV2)

NAME = "apicheck_client"
VECTORS = {1: [1.0, 0.0, 0.0, 0.0], 2: [0.0, 1.0, 0.0, 0.0], 3: [0.0, 0.0, 1.0, 0.0],
           4: [0.0, 0.0, 0.0, 1.0], 5: [0.5, 0.5, 0.5, 0.5]}
BIG = 9007199254740993  # 2^53 + 1: survives only if no double is involved
failures = []


def check(condition, what):
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        failures.append(what)


def expect(reply, kind, what):
    """The reply must be the success model `kind`; an error envelope is reported with its message."""
    if isinstance(reply, ErrorResponse):
        check(False, f"{what}: code {reply.code}: {reply.message}")
        return None
    check(isinstance(reply, kind), f"{what} -> {type(reply).__name__}")
    return reply if isinstance(reply, kind) else None


client = Client(base_url=BASE_URL, raise_on_unexpected_status=True, timeout=60)
with client:
    check(healthz.sync_detailed(client=client).content == b"OK", "GET /healthz is OK")
    collections_drop.sync(client=client, body=CollectionNameReq(collection_name=NAME))

    reply = collections_create.sync(client=client, body=CollectionReq(collection_name=NAME, dimension=4, metric_type="L2"))
    expect(reply, EmptyReply, "collections/create (quick setup, dimension 4, L2)")

    reply = collections_get_load_state.sync(client=client, body=CollectionNameReq(collection_name=NAME))
    if expect(reply, LoadStateReply, "collections/get_load_state"):
        check(reply.data.load_state == LoadStateName.LOADSTATELOADED, f"loaded ({reply.data.load_state})")

    reply = collections_describe.sync(client=client, body=CollectionNameReq(collection_name=NAME))
    if expect(reply, CollectionDescribeReply, "collections/describe"):
        check([f.name for f in reply.data.fields] == ["id", "vector"], "fields id and vector")
        check(reply.data.enable_dynamic_field is True, "dynamic field on")
        check([i.metric_type for i in reply.data.indexes] == ["L2"], "an L2 index on the vector")

    rows = [Row.from_dict({"id": i, "vector": v, "color": "red" if i % 2 else "blue", "likes": BIG + i})
            for i, v in VECTORS.items()]
    reply = entities_insert.sync(client=client, body=CollectionDataReq(collection_name=NAME, data=rows))
    if expect(reply, InsertReply, "entities/insert of 5 rows"):
        check(reply.data.insert_count == 5, f"insertCount 5 ({reply.data.insert_count})")
        check(reply.data.insert_ids == list(VECTORS), f"insertIds are the ids sent ({reply.data.insert_ids})")

    query = QueryReqV2(collection_name=NAME, filter_='color == "red" and id > 1', output_fields=["id", "color", "likes"])
    reply = entities_query.sync(client=client, body=query)
    if expect(reply, RowsReply, "entities/query with a filter"):
        found = sorted((r["id"], r["color"], r["likes"]) for r in reply.data)
        check(found == [(3, "red", BIG + 3), (5, "red", BIG + 5)], f"rows 3 and 5, exact Int64 values ({found})")

    reply = entities_query.sync(client=client, body=query, accept_type_allow_int_64=BooleanText.FALSE)
    if expect(reply, RowsReply, "entities/query with Accept-Type-Allow-Int64: false"):
        found = sorted((r["id"], r["likes"]) for r in reply.data)
        # The primary key is an Int64 field; dynamic keys are JSON values and stay numbers (as in Milvus).
        check(found == [("3", BIG + 3), ("5", BIG + 5)], f"Int64 primary keys as strings ({found})")

    reply = entities_query.sync(client=client, body=QueryReqV2(collection_name=NAME, output_fields=["count(*)"]))
    if expect(reply, RowsReply, "entities/query count(*)"):
        check(reply.data[0]["count(*)"] == 5, f"count(*) is 5 ({reply.data[0].additional_properties})")

    reply = entities_get.sync(client=client, body=CollectionIDReq(collection_name=NAME, id=[2, 4], output_fields=["vector"]))
    if expect(reply, RowsReply, "entities/get of ids 2 and 4"):
        got = {r["id"]: r["vector"] for r in reply.data}
        check(got == {2: VECTORS[2], 4: VECTORS[4]}, f"the stored vectors ({got})")

    near3 = [0.1, 0.0, 0.9, 0.05]
    reply = entities_search.sync(client=client, body=SearchReqV2(
        collection_name=NAME, data=[near3, VECTORS[1]], limit=3, output_fields=["color"]))
    if expect(reply, SearchReply, "entities/search with two query vectors"):
        hits = [(h["id"], h.distance) for h in reply.data]
        check(reply.topks == [3, 3], f"topks [3, 3] ({reply.topks})")
        check(hits[0][0] == 3 and hits[3][0] == 1, f"nearest rows first: 3 for query 0, 1 for query 1 ({hits})")
        check(abs(hits[0][1] - sum((a - b) ** 2 for a, b in zip(near3, VECTORS[3]))) < 1e-5,
              f"distance is the squared L2 ({hits[0][1]})")
        check(hits[0][1] <= hits[1][1] <= hits[2][1], "distances ascending")
        check(all("color" in h.additional_properties for h in reply.data), "output field color in every hit")

    reply = entities_search.sync(client=client, body=SearchReqV2(collection_name=NAME, data=[near3], filter_="id < 0"))
    if expect(reply, SearchReply, "entities/search matching nothing"):
        check(reply.data == [] and not reply.topks, "no hits, no topks")

    reply = collections_describe.sync(client=client, body=CollectionNameReq(collection_name="apicheck_missing"))
    check(isinstance(reply, ErrorResponse) and reply.code == 100, f"describe of a missing collection is code 100 ({reply})")

    reply = collections_drop.sync(client=client, body=CollectionNameReq(collection_name=NAME))
    expect(reply, EmptyReply, "collections/drop")

print(f"  client check: {len(failures)} failed")
sys.exit(1 if failures else 0)
