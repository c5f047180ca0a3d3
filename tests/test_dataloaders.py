"""A page of contacts with their stage, position, source and organization costs a constant number
of database commands, whatever its size: related records are read in batches (DataLoaders).

The commands are counted from pymongo's command monitoring as the driver logs it: every command
a client sends is logged (logger ``pymongo.command``, "Command started") with its name and
database. The application's client exists before any test runs, and pymongo takes command
listeners only when a client is made, so the test reads that log rather than adding a listener.
Only the request's own commands count: the service's background workers (jobs, call pushes)
poll the database meanwhile. A context variable set around the request tells them apart: the
driver logs in the task that sends the command, and the request's tasks inherit the variable.
"""

import json
import logging
import re
from collections import Counter
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

import pytest
import pytest_asyncio

from tests.client import Result
from tests.records import CrmTenant, with_default_crm

_COLLECTION = re.compile(r'^\{"\w+": "([^"]+)"')


_IN_REQUEST: ContextVar[bool] = ContextVar("in_request", default=False)


def _mark_request(record: logging.LogRecord) -> bool:
    record.in_request = _IN_REQUEST.get()
    return True


@pytest.fixture
def commands(caplog, settings):
    """``await commands(request)``: the request's result and the commands it sent to the test
    database, as a Counter of (command, collection)."""
    driver_log = logging.getLogger("pymongo.command")
    driver_log.addFilter(_mark_request)

    async def run(request: Awaitable[Result]) -> tuple[Result, Counter]:
        caplog.set_level(logging.DEBUG, logger="pymongo.command")
        caplog.clear()
        token = _IN_REQUEST.set(True)
        try:
            result = await request
        finally:
            _IN_REQUEST.reset(token)
        sent: Counter = Counter()
        for record in caplog.records:
            if record.name != "pymongo.command" or not getattr(record, "in_request", False):
                continue
            event = json.loads(record.getMessage())
            if event["message"] != "Command started":
                continue
            if event["databaseName"] != settings.database:
                continue
            found = _COLLECTION.match(event["command"])
            sent[(event["commandName"], found.group(1) if found else None)] += 1
        caplog.set_level(logging.WARNING, logger="pymongo.command")
        return result, sent

    yield run
    driver_log.removeFilter(_mark_request)


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    """A CRM whose 50 contacts each have a stage, a position, a source and an organization,
    several of each, so that a page refers to many different records."""
    crm = await with_default_crm(tenant)
    admin = crm.admin
    stages = [
        (await admin.op("CreateStage", input={"name": f"Etap {i}"})).data["createStage"]["id"]
        for i in range(3)
    ]
    positions = [
        (await admin.op("CreatePosition", input={"name": f"Stanowisko {i}"})).data[
            "createPosition"
        ]["id"]
        for i in range(4)
    ]
    listed = await admin.op("CrmAcquisitionSources", id=crm.crm_id)
    sources = [s["id"] for s in listed.data["crm"]["acquisitionSources"]]
    organizations = [
        (await admin.op("CreateOrganization", input={"name": f"Firma {i}"})).data[
            "createOrganization"
        ]["id"]
        for i in range(10)
    ]
    for i in range(50):
        created = await admin.op(
            "CreateContact",
            input={
                "firstName": f"Imię{i}",
                "lastName": f"Nazwisko{i:02d}",
                "stageId": stages[i % len(stages)],
                "positionId": positions[i % len(positions)],
                "acquisitionSourceId": sources[i % len(sources)],
                "organizationId": organizations[i % len(organizations)],
            },
        )
        assert not created.errors, created.errors
    return crm


def _related(result: Result) -> list[dict[str, Any]]:
    nodes = [edge["node"] for edge in result.data["contacts"]["edges"]]
    for node in nodes:
        for member in ("crm", "stage", "position", "acquisitionSource", "organization"):
            assert node[member] is not None, (member, node)
    return nodes


async def test_a_page_of_50_costs_the_commands_of_a_page_of_5(crm, commands):
    small, few = await commands(crm.admin.op("ContactsWithRelations", first=5))
    large, many = await commands(crm.admin.op("ContactsWithRelations", first=50))
    assert len(_related(small)) == 5
    nodes = _related(large)
    assert len(nodes) == 50
    assert len({n["organization"]["id"] for n in nodes}) == 10
    assert len({n["position"]["id"] for n in nodes}) == 4
    assert few, "no command was counted: the command log is not reaching the test"
    assert many == few
    # One read per kind of related record, for the whole page.
    assert many[("find", "organizations")] == 1
    assert many[("find", "positions")] == 1
    assert many[("aggregate", "contacts")] == 1  # the page (resolvers/common/pagination.py)


async def test_total_count_is_counted_only_when_asked_for(crm, commands):
    _, without = await commands(crm.admin.op("OrderedContacts", first=10))
    counted, with_count = await commands(crm.admin.op("CountedContacts", first=10))
    assert counted.data["contacts"]["totalCount"] == 50
    # The page is one aggregation; the count would be another.
    assert without[("aggregate", "contacts")] == 1, without
    assert not [name for name, _ in without if name == "count"], without
    assert with_count - without == Counter({("aggregate", "contacts"): 1})
