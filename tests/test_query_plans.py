"""Every main query shape of the lists and lookups runs on an index (DESIGN.md: "Keep a test that
runs ``explain`` on each main query shape and asserts an index scan").

The queries are the service's own: each request goes through the API, and the collection the
service reads is wrapped so that the exact cursor it ran (filter, sort, limit, hint) can be
explained afterwards. The embedded engine's explain looks like MongoDB's::

    {"queryPlanner": {"winningPlan": {"stage": "SORT", "inputStage": {"stage": "FETCH",
        "inputStage": {"stage": "IXSCAN", "indexName": "filter", "keyPattern": {...}}}}}, ...}

and an unindexed query's winning plan is ``{"stage": "COLLSCAN", ...}``.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from bson import ObjectId

import resolvers.records.roots as roots
import resolvers.records.store as store
from app.crm_pushes import DUE_ORDER, call_filter, due_filter, expired_filter
from models.phones import normalize_phone
from models.timestamps import utcnow
from resolvers.calls.matching import MAX_READ
from tests.test_contact_filters import DataSet, build_data_set, module_tenant


@dataclass
class Recorder:
    """A collection that runs everything on the real one and keeps each cursor it handed out,
    and each count, to explain them afterwards."""

    collection: Any
    cursors: list[Any] = field(default_factory=list)
    counts: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        cursor = self.collection.find(*args, **kwargs)
        self.cursors.append(cursor)
        return cursor

    async def find_one(self, filter_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        async for row in self.find(filter_, *args, **kwargs).limit(-1):
            return row
        return None

    async def count_documents(self, filter_: dict[str, Any], **kwargs: Any) -> int:
        self.counts.append((filter_, kwargs))
        return await self.collection.count_documents(filter_, **kwargs)

    @property
    def name(self) -> str:
        return self.collection.name


@pytest.fixture
def recorded(monkeypatch) -> list[Recorder]:
    """The collections the service reads lists, unique lookups and conflicts from, recorded."""
    recorders: list[Recorder] = []

    def wrap(function):
        async def spy(collection, *args, **kwargs):
            recorder = Recorder(collection)
            recorders.append(recorder)
            return await function(recorder, *args, **kwargs)

        return spy

    monkeypatch.setattr(roots, "keyset_page", wrap(roots.keyset_page))
    monkeypatch.setattr(roots, "find_by_unique_value", wrap(roots.find_by_unique_value))
    monkeypatch.setattr(store, "unique_conflict", wrap(store.unique_conflict))
    return recorders


@pytest_asyncio.fixture(scope="module")
async def data(http, services) -> DataSet:
    return await build_data_set(await module_tenant(http, services, "Plans"), count=30)


def stages(plan: Any) -> Iterator[dict[str, Any]]:
    """Every stage of a plan tree (``inputStage``, ``inputStages``, ... at any depth)."""
    if isinstance(plan, dict):
        if "stage" in plan:
            yield plan
        for value in plan.values():
            yield from stages(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from stages(item)


def assert_index_scan(explained: dict[str, Any], index: str) -> None:
    planner = explained.get("queryPlanner") or explained["stages"][0]["$cursor"]["queryPlanner"]
    found = list(stages(planner["winningPlan"]))
    kinds = [stage["stage"] for stage in found]
    assert "COLLSCAN" not in kinds, planner["winningPlan"]
    scans = [stage for stage in found if stage["stage"] == "IXSCAN"]
    assert scans, planner["winningPlan"]
    assert {scan["indexName"] for scan in scans} == {index}


async def explain_list(recorder: Recorder, services, index: str) -> None:
    """The page's query and the count of ``totalCount``, both on ``index``."""
    (cursor,) = recorder.cursors
    assert_index_scan(await cursor.explain(), index)
    (count,) = recorder.counts
    query, options = count
    # What count_documents sends: an aggregate of $match and $group.
    command = {
        "aggregate": recorder.name,
        "pipeline": [{"$match": query}, {"$group": {"_id": 1, "n": {"$sum": 1}}}],
        "cursor": {},
        **({"hint": options["hint"]} if "hint" in options else {}),
    }
    assert_index_scan(await services.database.db.command("explain", command), index)


SHAPES = {
    "list by name": ({}, "list_by_name"),
    "list by creation time": ({"orderBy": [{"field": "CREATED_AT"}]}, "list_by_created"),
    "list by update time, descending": (
        {"orderBy": [{"field": "UPDATED_AT", "direction": "DESC"}]},
        "list_by_updated",
    ),
    "custom equality": ({"filter": {"custom": {"rokZalozenia": {"eq": 1990}}}}, "filter"),
    "custom range ($elemMatch)": (
        {"filter": {"custom": {"rokZalozenia": {"gte": 1950, "lt": 1951}}}},
        "filter",
    ),
    "decimal range": ({"filter": {"custom": {"obrot": {"gt": "-1", "lte": "0.5"}}}}, "filter"),
    "text prefix": ({"filter": {"lastName": {"startsWith": "kow"}}}, "filter"),
    "multi-select": ({"filter": {"custom": {"zainteresowania": {"hasAll": ["kino"]}}}}, "filter"),
    "phone": ({"filter": {"phone": {"eq": "500 000 001"}}}, "filter"),
    "or and not": (
        {
            "filter": {
                "or": [{"city": {"eq": "krakow"}}, {"tags": {"hasAny": ["vip"]}}],
                "not": {"custom": {"vip": {"eq": True}}},
            }
        },
        "filter",
    ),
    "search": ({"search": "lukasz kow"}, "search"),
    "search with a filter": ({"search": "kow", "filter": {"city": {"exists": True}}}, "search"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_each_list_shape_scans_its_index(data, services, recorded, shape):
    variables, index = SHAPES[shape]
    result = await data.admin.op("FilteredContacts", first=5, **variables)
    assert "totalCount" in result.data["contacts"]  # asked for, so counted: explained too
    (recorder,) = recorded
    await explain_list(recorder, services, index)


async def test_a_later_page_still_scans_the_index(data, services, recorded):
    first = await data.admin.op("FilteredContacts", first=5)
    after = first.data["contacts"]["pageInfo"]["endCursor"]
    recorded.clear()
    await data.admin.op("FilteredContacts", first=5, after=after)
    (recorder,) = recorded
    (cursor,) = recorder.cursors
    assert_index_scan(await cursor.explain(), "list_by_name")


async def test_organization_lists_scan_their_indexes(data, services, recorded):
    await data.admin.op("OrganizationsList", first=5)
    await data.admin.op("OrganizationsList", first=5, search="kopalnia")
    await data.admin.op("OrganizationsList", first=5, filter={"name": {"startsWith": "fab"}})
    assert [r.name for r in recorded] == ["organizations"] * 3
    for recorder, index in zip(recorded, ["list_by_name", "search", "filter"], strict=True):
        await explain_list(recorder, services, index)


async def test_a_unique_lookup_and_a_conflict_scan_the_unique_indexes(data, recorded):
    nip = next(row.custom["nip"] for row in data.rows if row.custom["nip"])
    found = await data.admin.op("CustomContactBy", by={"nip": nip.lower()})
    assert found.data["contactBy"]["custom"]["nip"] == nip
    taken = await data.admin.op(
        "CreateCustomContact", input={"firstName": "A", "lastName": "B", "custom": {"nip": nip}}
    )
    assert taken.error_code == "CONFLICT"
    lookup, conflict = recorded
    for recorder, index in ((lookup, "unique_lookup"), (conflict, "unique_values")):
        (cursor,) = recorder.cursors
        assert_index_scan(await cursor.explain(), index)


async def test_a_caller_id_lookup_scans_the_phone_index(data, services):
    """``matchCaller``'s lookup (resolvers/calls/matching.py): the index's fields, no hint."""
    contacts = services.database.db["contacts"]
    query = {
        "tenant_id": ObjectId(data.crm.tenant.id),
        "phone_keys": normalize_phone("500 000 001", "PL"),
    }
    rows = await contacts.find(query).limit(MAX_READ).to_list()
    assert rows, "the data set has contacts with this number"
    assert_index_scan(await contacts.find(query).limit(MAX_READ).explain(), "caller_id")


async def test_the_call_push_worker_scans_its_indexes(services):
    pushes = services.database.db["crm_pushes"]
    now = utcnow()
    push = {"tenant_id": ObjectId(), "call_id": "c-plan", "event": "newCall", "order": 0}
    await pushes.insert_one({**push, "status": "DONE", "due_at": now})  # none for the worker
    for cursor, index in [
        (pushes.find(due_filter(now)).sort(DUE_ORDER), "due"),
        (pushes.find(expired_filter(now)).hint("due"), "due"),
        (pushes.find(call_filter(push)), "by_call_event"),
    ]:
        assert_index_scan(await cursor.explain(), index)
