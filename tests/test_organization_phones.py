"""Caller-ID matching reads organizations only when one may have the number, from the phone keys
the service keeps per company (``app/organization_phones.py``). Whatever writes an organization's
number, and from whichever process, the next match finds it: the kept keys never hide one.

The API tests first wait until the company's keys are kept and answer "no organization has this
number" (``may_have`` is False): otherwise the match would read organizations anyway, and the
test could not fail."""

import asyncio

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId
from bson import ObjectId

from app.organization_phones import UNKNOWN, changed_keys, written_keys
from models.contact import Organization
from tests.calls import CallDesk, call_desk
from tests.client import GraphQLClient
from tests.conftest import LiveServer

COMPANY = ObjectId()
OTHER = ObjectId()
NUMBER, NUMBER_AS_WRITTEN = "+48221234567", "22 123 45 67"
NEW_NUMBER, NEW_NUMBER_AS_WRITTEN = "+48227654321", "22 765 43 21"
# Bounded polling, 10 ms apart: loading the keys and a stream's delivery take milliseconds.
POLLS = 500


# --- what a write or a change adds ---------------------------------------------------------------


def test_inserted_and_replaced_documents_add_their_keys():
    documents = [{"tenant_id": COMPANY, "phone_keys": [NUMBER]}, {"tenant_id": OTHER}]
    insert = {"insert": "organizations", "documents": documents}
    assert written_keys("insert", insert) == [(COMPANY, [NUMBER]), (OTHER, [])]
    replacement = {"tenant_id": COMPANY, "phone_keys": [NUMBER]}
    replace = {"update": "organizations", "updates": [{"q": {"_id": 1}, "u": replacement}]}
    assert written_keys("update", replace) == [(COMPANY, [NUMBER])]
    found_and_replaced = {"findAndModify": "organizations", "update": replacement}
    assert written_keys("findAndModify", found_and_replaced) == [(COMPANY, [NUMBER])]


def test_updates_that_leave_the_keys_alone_deletes_and_other_collections_add_nothing():
    soft_delete = {"update": "organizations", "updates": [{"q": {}, "u": {"$set": {"deleted": 1}}}]}
    assert written_keys("update", soft_delete) == []
    assert written_keys("findAndModify", {"findAndModify": "organizations", "remove": True}) == []
    delete = {"delete": "organizations", "deletes": [{"q": {}, "limit": 1}]}
    assert written_keys("delete", delete) == []
    contact = {"insert": "contacts", "documents": [{"tenant_id": COMPANY, "phone_keys": [NUMBER]}]}
    assert written_keys("insert", contact) == []
    other = {"bulkWrite": 1, "nsInfo": [{"ns": "crm.contacts"}], "ops": []}
    assert written_keys("bulkWrite", other) == []


@pytest.mark.parametrize(
    "update",
    [
        {"$set": {"phone_keys": [NUMBER]}},
        {"$set": {"phone_keys.1": NUMBER}},
        {"$addToSet": {"phone_keys": NUMBER}},
        {"$rename": {"old_keys": "phone_keys"}},
        [{"$set": {"phone_keys": [NUMBER]}}],  # a pipeline
    ],
)
def test_an_update_that_sets_keys_without_naming_the_company_is_unknown(update):
    statements = {"update": "organizations", "updates": [{"q": {"_id": 1}, "u": update}]}
    assert written_keys("update", statements) is UNKNOWN
    assert written_keys("findAndModify", {"findAndModify": "organizations", "update": update}) is (
        UNKNOWN
    )


def test_a_client_bulk_write_to_organizations_is_unknown():
    bulk = {"bulkWrite": 1, "nsInfo": [{"ns": "crm.contacts"}, {"ns": "crm.organizations"}]}
    assert written_keys("bulkWrite", bulk) is UNKNOWN


def test_change_events_add_what_their_documents_hold():
    document = {"_id": 1, "tenant_id": COMPANY, "phone_keys": [NUMBER]}
    for operation in ("insert", "replace"):
        change = {"operationType": operation, "fullDocument": document}
        assert changed_keys(change) == [(COMPANY, [NUMBER])]
    untouched = {"updatedFields": {"deleted": True}, "removedFields": []}
    assert changed_keys({"operationType": "update", "updateDescription": untouched}) == []
    assert changed_keys({"operationType": "delete"}) == []
    touched = {"updatedFields": {"phone_keys": [NUMBER]}, "removedFields": []}
    assert changed_keys({"operationType": "update", "updateDescription": touched}) is UNKNOWN
    assert changed_keys({"operationType": "drop"}) is UNKNOWN


# --- through the API ------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def organizations_matched(client: GraphQLClient, phone: str) -> list[str]:
    result = await client.op("MatchCaller", phone=phone)
    assert not result.errors, result.errors
    return [row["id"] for row in result.data["matchCaller"]["organizations"]]


async def keys_kept(desk: CallDesk, services) -> None:
    """Matches until the company's keys are kept and rule NEW_NUMBER out without a query."""
    company = PydanticObjectId(desk.tenant.id)
    for _ in range(POLLS):
        assert await organizations_matched(desk.agent.client, NEW_NUMBER) == []
        if services.organization_phones.may_have(company, NEW_NUMBER) is False:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the company's organization phones were never kept")


async def create_organization(client: GraphQLClient, desk: CallDesk, *phones: str) -> str:
    created = await client.op(
        "CreateOrganization",
        input={"crmId": desk.crm_id, "name": "Acme", "phones": [{"number": p} for p in phones]},
    )
    assert not created.errors, created.errors
    return created.data["createOrganization"]["id"]


async def test_a_number_written_through_the_api_is_matched_by_the_next_request(desk, services):
    await keys_kept(desk, services)
    agent = desk.agent.client

    acme = await create_organization(desk.admin, desk, NUMBER_AS_WRITTEN)
    assert await organizations_matched(agent, NUMBER) == [acme]

    phones = {"phones": [{"number": NEW_NUMBER_AS_WRITTEN}]}
    assert not (await desk.admin.op("UpdateOrganization", id=acme, input=phones)).errors
    assert await organizations_matched(agent, NEW_NUMBER) == [acme]
    assert await organizations_matched(agent, NUMBER) == []

    assert not (await desk.admin.op("DeleteOrganization", id=acme)).errors
    assert await organizations_matched(agent, NEW_NUMBER) == []
    assert not (await desk.admin.op("RestoreOrganization", id=acme)).errors
    assert await organizations_matched(agent, NEW_NUMBER) == [acme]


async def test_a_number_set_without_naming_the_company_is_matched_too(desk, services):
    """A bulk ``$set`` of ``phone_keys`` (as a rebuild of derived keys sends) names no company:
    every kept key set is dropped and read again."""
    acme = await desk.organization("Acme")
    await keys_kept(desk, services)

    await Organization.get_pymongo_collection().update_one(
        {"_id": PydanticObjectId(acme)}, {"$set": {"phone_keys": [NEW_NUMBER]}}
    )
    assert await organizations_matched(desk.agent.client, NEW_NUMBER) == [acme]


async def test_a_number_written_by_another_process_is_matched_here(
    desk, services, live_server: LiveServer
):
    await keys_kept(desk, services)
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        elsewhere = GraphQLClient(http, desk.admin.token)
        acme = await create_organization(elsewhere, desk, NEW_NUMBER_AS_WRITTEN)

    matched: list[list[str]] = []
    for _ in range(POLLS):
        matched.append(await organizations_matched(desk.agent.client, NEW_NUMBER))
        if matched[-1]:
            break
        await asyncio.sleep(0.01)
    assert matched[-1] == [acme], matched
