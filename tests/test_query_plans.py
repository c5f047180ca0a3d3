"""Every main query shape of the lists and lookups runs on an index, within the caller's CRM.

The queries are the service's own: each request goes through the API, and the collection the
service reads is wrapped so that the exact pipeline or cursor it ran can be explained afterwards.
The embedded engine's explain looks like MongoDB's::

    {"queryPlanner": {"winningPlan": {"stage": "FETCH",
        "inputStage": {"stage": "IXSCAN", "indexName": "filter", "keyPattern": {...}}}},
     "executionStats": {"totalDocsExamined": ...}}

and an unindexed query's winning plan is ``{"stage": "COLLSCAN", ...}``. An aggregation is
planned on its first ``$match`` (the engine lifts it into the fetch), which is what the lists
send: see resolvers/common/pagination.match_stages. No query names an index (``hint``): on the
embedded engine a hint walks the whole index, every company's records, while its explain reports
only the documents returned; so the tests also check that nothing is hinted.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from beanie import PydanticObjectId
from bson import ObjectId

import resolvers.kanban.schema as kanban
import resolvers.records.roots as roots
import resolvers.records.store as store
from app.crm_pushes import DUE_ORDER, call_filter, due_filter, expired_filter
from models.contact_keys import derive_contact
from models.phones import normalize_phone
from models.record_rows import new_record_row
from models.timestamps import utcnow
from resolvers.calls.matching import MAX_READ
from tests.test_contact_filters import DataSet, build_data_set, module_tenant

CROWD = 20_000
BATCH = 2_000


@dataclass
class Recorder:
    """A collection that runs everything on the real one and keeps each cursor it handed out,
    and each aggregation pipeline, to explain them afterwards."""

    collection: Any
    cursors: list[Any] = field(default_factory=list)
    pipelines: list[list[dict[str, Any]]] = field(default_factory=list)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        assert "hint" not in kwargs
        cursor = self.collection.find(*args, **kwargs)
        self.cursors.append(cursor)
        return cursor

    async def find_one(self, filter_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        async for row in self.find(filter_, *args, **kwargs).limit(-1):
            return row
        return None

    async def aggregate(self, pipeline: list[dict[str, Any]], **kwargs: Any) -> Any:
        assert "hint" not in kwargs
        self.pipelines.append(pipeline)
        return await self.collection.aggregate(pipeline, **kwargs)

    async def count_documents(self, filter_: dict[str, Any], **kwargs: Any) -> int:
        assert "hint" not in kwargs
        self.pipelines.append([{"$match": filter_}, {"$count": "n"}])
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
    monkeypatch.setattr(kanban, "keyset_page", wrap(kanban.keyset_page))
    monkeypatch.setattr(roots, "find_by_unique_value", wrap(roots.find_by_unique_value))
    monkeypatch.setattr(store, "unique_conflict", wrap(store.unique_conflict))
    return recorders


@pytest_asyncio.fixture(scope="module")
async def data(http, services) -> DataSet:
    return await build_data_set(await module_tenant(http, services, "Plans"), count=30)


@pytest_asyncio.fixture(scope="module")
async def crowd(http, services) -> PydanticObjectId:
    """Another company with 20,000 contacts in one CRM, written straight into the collection in
    the shape the service writes them (loading is not what is tested); its CRM's id."""
    tenant = await module_tenant(http, services, "Crowd")
    created = await tenant.admin.op("CreateCrm", input={"name": "Tłum"})
    tenant_id = PydanticObjectId(tenant.id)
    crm_id = PydanticObjectId(created.data["createCrm"]["id"])
    contacts = services.database.db["contacts"]
    for start in range(0, CROWD, BATCH):
        rows = []
        for i in range(start, start + BATCH):
            row = {
                **new_record_row(tenant_id, crm_id),
                # The names, words and values of company A's contacts: only the CRM differs.
                "first_name": ["Łukasz", "Anna", "Zofia"][i % 3],
                "last_name": ["Kowalski", "Nowak", "Żak"][i % 3],
                "address": {"city": "Kraków"},
                "tags": ["vip"],
                "custom": {"rokZalozenia": 1990},
            }
            rows.append({**row, **derive_contact(row, [], None)})
        await contacts.insert_many(rows)
    return crm_id


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


def assert_index_scan(explained: dict[str, Any], index: str | None = None) -> None:
    """An index scan, on ``index`` if given, else on one that leads with the CRM."""
    planner = explained.get("queryPlanner") or explained["stages"][0]["$cursor"]["queryPlanner"]
    found = list(stages(planner["winningPlan"]))
    kinds = [stage["stage"] for stage in found]
    assert "COLLSCAN" not in kinds, planner["winningPlan"]
    scans = [stage for stage in found if stage["stage"] == "IXSCAN"]
    assert scans, planner["winningPlan"]
    if index is not None:
        assert {scan["indexName"] for scan in scans} == {index}
    else:
        for scan in scans:
            assert list(scan["keyPattern"])[:2] == ["crm_id", "deleted"], scan


def examined(explained: dict[str, Any]) -> int:
    stats = explained.get("executionStats") or explained["stages"][0]["$cursor"]["executionStats"]
    return stats["totalDocsExamined"]


async def explain_pipeline(services, recorder: Recorder, pipeline: list[dict]) -> dict[str, Any]:
    command = {"aggregate": recorder.name, "pipeline": pipeline, "cursor": {}}
    return await services.database.db.command("explain", command, verbosity="executionStats")


async def explain_list(recorder: Recorder, services, index: str | None) -> None:
    """The page's query and the count of ``totalCount``, both on ``index``."""
    page, count = recorder.pipelines
    assert count[-1] == {"$count": "n"}
    for pipeline in (page, count):
        assert_index_scan(await explain_pipeline(services, recorder, pipeline), index)


SHAPES = {
    "list by name": ({}, None),
    "list by creation time": ({"orderBy": [{"field": "CREATED_AT"}]}, None),
    "list by update time, descending": (
        {"orderBy": [{"field": "UPDATED_AT", "direction": "DESC"}]},
        None,
    ),
    "custom equality": ({"filter": {"custom": {"rokZalozenia": {"eq": 1990}}}}, "filter"),
    "custom range ($elemMatch)": (
        {"filter": {"custom": {"rokZalozenia": {"gte": 1950, "lt": 1951}}}},
        "filter",
    ),
    "decimal range": ({"filter": {"custom": {"obrot": {"gt": "-1", "lte": "0.5"}}}}, "filter"),
    "text prefix": ({"filter": {"lastName": {"startsWith": "kow"}}}, "filter"),
    "multi-select": ({"filter": {"custom": {"zainteresowania": {"hasAll": ["kino"]}}}}, None),
    "phone": ({"filter": {"phone": {"eq": "500 000 001"}}}, "filter"),
    "in": ({"filter": {"city": {"in": ["krakow", "lodz"]}}}, "filter"),
    "or and not": (
        {
            "filter": {
                "or": [{"city": {"eq": "krakow"}}, {"tags": {"hasAny": ["vip"]}}],
                "not": {"custom": {"vip": {"eq": True}}},
            }
        },
        None,
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
    page, _count = recorder.pipelines
    assert_index_scan(await explain_pipeline(services, recorder, page))


async def test_organization_lists_scan_their_indexes(data, services, recorded):
    await data.admin.op("OrganizationsList", first=5)
    await data.admin.op("OrganizationsList", first=5, search="kopalnia")
    await data.admin.op("OrganizationsList", first=5, filter={"name": {"startsWith": "fab"}})
    assert [r.name for r in recorded] == ["organizations"] * 3
    for recorder, index in zip(recorded, [None, "search", "filter"], strict=True):
        await explain_list(recorder, services, index)


async def test_a_unique_lookup_and_a_conflict_scan_the_unique_indexes(data, recorded):
    nip = next(row.custom["nip"] for row in data.rows if row.custom["nip"])
    found = await data.admin.op("CustomContactBy", by={"nip": nip.lower()})
    assert found.data["contactBy"]["custom"]["nip"] == nip
    taken = await data.admin.op(
        "CreateCustomContact", input={"firstName": "A", "lastName": "B", "custom": {"nip": nip}}
    )
    assert taken.error_code == "CONFLICT"
    assert taken.errors[0]["extensions"]["field"] == "nip"
    lookup, conflict = recorded
    for recorder in (lookup, conflict):
        (cursor,) = recorder.cursors
        assert_index_scan(await cursor.explain(), "unique_lookup")


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
        (pushes.find(call_filter(push)), "by_call_event"),
    ]:
        assert_index_scan(await cursor.explain(), index)
    # The lease release is not hinted: its equality on ``status`` leads, the due index's first
    # field, which the engine looks up (explain reports only whole-filter plans).
    assert next(iter(expired_filter(now))) == "status"


# --- a company beside one with 20,000 contacts ---------------------------------------------------

CROWDED_SHAPES = {
    "first page": ("FilteredContacts", {}),
    "later page": ("FilteredContacts", {"after": True}),
    "search": ("FilteredContacts", {"search": "łukasz kow"}),
    "filter equality": ("FilteredContacts", {"filter": {"tags": {"hasAny": ["vip"]}}}),
    "filter range": ("FilteredContacts", {"filter": {"custom": {"rokZalozenia": {"gte": 1950}}}}),
    "filter or": (
        "FilteredContacts",
        {"filter": {"or": [{"city": {"eq": "krakow"}}, {"lastName": {"startsWith": "ż"}}]}},
    ),
    "kanban": ("Kanban", {}),
}


@pytest.mark.parametrize("shape", list(CROWDED_SHAPES))
async def test_a_list_examines_only_its_own_companys_contacts(
    data, crowd, services, recorded, shape
):
    """Company A's lists (its CRM holds about 30 contacts) beside a CRM of 20,000 with the same
    names and values: every query of the request, count included, examines only A's contacts."""
    contacts = services.database.db["contacts"]
    own = await contacts.count_documents({"crm_id": PydanticObjectId(data.crm.crm_id)})
    assert await contacts.count_documents({"crm_id": crowd}) == CROWD
    operation, variables = CROWDED_SHAPES[shape]
    if variables.pop("after", False):
        first = await data.admin.op(operation, first=5)
        variables["after"] = first.data["contacts"]["pageInfo"]["endCursor"]
        recorded.clear()
    result = await data.admin.op(operation, first=5, **variables)
    assert not result.errors, result.errors
    pipelines = [(r, p) for r in recorded for p in r.pipelines]
    assert pipelines
    assert all(not r.cursors for r in recorded)
    for recorder, pipeline in pipelines:
        explained = await explain_pipeline(services, recorder, pipeline)
        assert_index_scan(explained, None if shape != "search" else "search")
        assert examined(explained) <= own, (pipeline, examined(explained))
