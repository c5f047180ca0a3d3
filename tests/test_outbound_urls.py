"""Issue 11, item 12: the URLs an admin stores for a CRM keep to the outbound rules
(app/outbound.py), when saved and again when the service connects; what a push met is told in
detail to admins only.

The session's service allows http and private addresses (its vendors run on loopback), so the
rules are tested against a child service with the defaults, and the connect-time check against
one of its own (tests/isolated_service.py).
"""

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from app.outbound import (
    OutboundPolicy,
    OutboundRefused,
    address_kind,
    log_safe_url,
    outbound_client,
)
from resolvers.calls.types import PUSH_NOT_ACCEPTED
from tests.client import GraphQLClient, field_paths
from tests.conftest import LiveServer, running_service
from tests.isolated_service import isolated_desk
from tests.zammad_cti import CtiEndpoint, cti_endpoint

TOKEN = "cti-token-outbound-0123456789"
POLLS = 200

# --- the rules ------------------------------------------------------------------------------------

REFUSED = {
    "127.0.0.1": "loopback",
    "127.1.2.3": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.10": "private",
    "169.254.169.254": "link-local",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "100.64.0.1": "not public",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "fec0::1": "private",
    "2001:db8::1": "private",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "link-local",
    "64:ff9b::a00:1": "private",
    "2002:7f00:1::1": "loopback",
}


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_non_public_addresses_are_refused(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind
    assert OutboundPolicy().address_problem(ipaddress.ip_address(address)) is not None
    assert OutboundPolicy(allow_private=True).address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert address_kind(ipaddress.ip_address(address)) is None


def test_urls_must_be_https_without_user_info():
    strict, with_http = OutboundPolicy(), OutboundPolicy(allow_http=True)
    assert strict.url_problem("https://zammad.example/api") is None
    assert strict.url_problem("http://zammad.example/api") is not None
    assert with_http.url_problem("http://zammad.example/api") is None
    assert strict.url_problem("https://user:pw@zammad.example/api") is not None
    assert strict.url_problem("https://user@zammad.example/api") is not None
    assert strict.url_problem("https://x.example/{id}?p={phone}", template=True) is None
    assert strict.url_problem("https://{id}.example/", template=True) is not None


def test_a_logged_url_keeps_its_origin_only():
    url = httpx.URL(f"https://zammad.example:8443/api/v1/cti/{TOKEN}?q=1")
    assert log_safe_url(url) == "https://zammad.example:8443/…"
    assert log_safe_url(httpx.URL(f"http://[::1]/{TOKEN}")) == "http://[::1]/…"


# --- at connect time ------------------------------------------------------------------------------


@pytest.fixture
def zammad() -> Iterator[CtiEndpoint]:
    with cti_endpoint(TOKEN) as endpoint:
        yield endpoint


def body(call_id: str = "c-1") -> dict[str, Any]:
    return {"event": "newCall", "from": "1", "to": "2", "direction": "in", "callId": call_id}


async def test_a_name_resolving_to_loopback_is_refused_at_connect(zammad):
    url = f"http://localhost:{zammad.port}/api/v1/cti/{TOKEN}"
    async with outbound_client(OutboundPolicy(allow_http=True), 5) as client:
        with pytest.raises(OutboundRefused, match="loopback"):
            await client.post(url, json=body())
        with pytest.raises(OutboundRefused, match="user name"):
            await client.post(url.replace("//", f"//admin:{TOKEN}@"), json=body())
    assert zammad.requests == []

    allowed = OutboundPolicy(allow_http=True, allow_private=True)
    async with outbound_client(allowed, 5) as client:
        assert (await client.post(url, json=body())).status_code == 200
    assert zammad.accepted == [body()]


async def test_the_http_clients_request_log_holds_no_secret(zammad, caplog):
    caplog.set_level(logging.DEBUG)
    policy = OutboundPolicy(allow_http=True, allow_private=True)
    async with outbound_client(policy, 5) as client:
        await client.post(zammad.url(), json=body())
    assert zammad.accepted == [body()]
    assert f"POST http://127.0.0.1:{zammad.port}/…" in caplog.text
    assert TOKEN not in caplog.text


# --- when saved -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_service(settings, data_dir) -> Iterator[LiveServer]:
    """A service with the default outbound rules, on the session's database."""
    defaults = {"CRM_OUTBOUND_ALLOW_HTTP": "false", "CRM_OUTBOUND_ALLOW_PRIVATE": "false"}
    with running_service(settings, data_dir, **defaults) as server:
        yield server


@pytest_asyncio.fixture
async def strict_admin(strict_service, tenant) -> AsyncIterator[GraphQLClient]:
    """The tenant's admin, talking to the strict service."""
    async with httpx.AsyncClient(base_url=strict_service.base_url, timeout=30) as http:
        yield GraphQLClient(http, tenant.admin.token)


REFUSED_AT_SAVE = [
    ({"zammad": {"ctiEndpointUrl": f"https://127.0.0.1/api/v1/cti/{TOKEN}"}}, "ctiEndpointUrl"),
    ({"zammad": {"ctiEndpointUrl": f"https://localhost/api/v1/cti/{TOKEN}"}}, "ctiEndpointUrl"),
    ({"zammad": {"zammadUrl": "https://10.0.0.5"}}, "zammadUrl"),
    ({"zammad": {"zammadUrl": "https://2130706433/"}}, "zammadUrl"),
    ({"livespace": {"apiUrl": "https://169.254.169.254/latest"}}, "apiUrl"),
    ({"salesforce": {"apiUrl": "https://[::1]:8443/"}}, "apiUrl"),
    ({"dynamics": {"url": "https://[::ffff:127.0.0.1]/"}}, "url"),
    ({"dynamics": {"url": "https://[fe80::1]/"}}, "url"),
    ({"customExt": {"url": "https://192.168.0.1/find?phone={phone}"}}, "url"),
    ({"customExt": {"profileUrl": "https://{id}.lookup.example/"}}, "profileUrl"),
    ({"zammad": {"zammadUrl": "https://admin:secret@zammad.example"}}, "zammadUrl"),
    ({"zammad": {"ctiEndpointUrl": f"http://zammad.example/api/v1/cti/{TOKEN}"}}, "ctiEndpointUrl"),
]


@pytest.mark.parametrize(("backend", "setting"), REFUSED_AT_SAVE)
async def test_urls_outside_the_rules_are_refused_when_saved(strict_admin, backend, setting):
    result = await strict_admin.op("CreateCrm", input={"name": "Out", "backend": backend})
    member = next(iter(backend))
    assert field_paths(result) == {f"input.backend.{member}.{setting}"}
    assert (await strict_admin.op("Crms")).data["crms"] == []


async def test_an_update_outside_the_rules_changes_nothing(strict_admin):
    good = {"ctiEndpointUrl": f"https://zammad.example/api/v1/cti/{TOKEN}"}
    crm = await strict_admin.op("CreateCrm", input={"name": "Z", "backend": {"zammad": good}})
    crm = crm.data["createCrm"]
    bad = {"ctiEndpointUrl": f"https://127.0.0.1/api/v1/cti/{TOKEN}", "ctiPushEnabled": True}
    result = await strict_admin.op("UpdateCrm", id=crm["id"], input={"backend": {"zammad": bad}})
    assert field_paths(result) == {"input.backend.zammad.ctiEndpointUrl"}
    assert (await strict_admin.op("Crm", id=crm["id"])).data["crm"] == crm


async def test_public_hosts_and_names_that_do_not_resolve_yet_are_accepted(strict_admin):
    backend = {
        "zammad": {
            "ctiEndpointUrl": f"https://zammad.example/api/v1/cti/{TOKEN}",
            "zammadUrl": "https://93.184.216.34:8443",
        }
    }
    result = await strict_admin.op("CreateCrm", input={"name": "Public", "backend": backend})
    assert result.data["createCrm"]["backend"]["zammadUrl"] == "https://93.184.216.34:8443"


async def test_http_and_private_addresses_are_accepted_where_the_settings_allow(tenant):
    """The session's service allows both (CRM_OUTBOUND_ALLOW_HTTP, _PRIVATE)."""
    backend = {"zammad": {"ctiEndpointUrl": f"http://127.0.0.1:8080/api/v1/cti/{TOKEN}"}}
    result = await tenant.admin.op("CreateCrm", input={"name": "Local", "backend": backend})
    masked = "http://127.0.0.1:8080/api/v1/cti/****6789"
    assert result.data["createCrm"]["backend"]["ctiEndpointUrl"] == masked


# --- through a push -------------------------------------------------------------------------------


async def test_a_push_refused_at_connect_fails_with_the_detail_for_admins_only(
    settings, data_dir, services, zammad
):
    """A CRM saved while its host was public, which now resolves to loopback (DNS rebinding):
    stored past the API, since saving it now is refused."""
    async with isolated_desk(
        settings,
        data_dir,
        services,
        CRM_OUTBOUND_ALLOW_HTTP="true",
        CRM_OUTBOUND_ALLOW_PRIVATE="false",
    ) as isolated:
        desk = isolated.desk
        url = f"http://localhost:{zammad.port}/api/v1/cti/{TOKEN}"
        sealed = services.secrets.seal(url, url=True).model_dump()
        await isolated.database["crms"].update_one(
            {"_id": PydanticObjectId(desk.crm_id)},
            {"$set": {"backend.cti_endpoint_url": sealed, "backend.cti_push_enabled": True}},
        )
        assert not (await desk.report("c-rebound", "500 000 001")).errors

        pushes = await settled(desk.admin, "c-rebound")
        assert [(p["status"], p["attempts"]) for p in pushes] == [("FAILED", 1)]
        refused = "Refused by the outbound rules: Resolves to an address that is loopback"
        assert pushes[0]["error"].startswith(refused)
        agent_view = await desk.agent.client.op("Call", callId="c-rebound")
        assert [p["error"] for p in agent_view.data["call"]["crmPushes"]] == [PUSH_NOT_ACCEPTED]
        assert zammad.requests == []


async def settled(client: GraphQLClient, call_id: str) -> list[dict[str, Any]]:
    for _ in range(POLLS):
        pushes = (await client.op("Call", callId=call_id)).data["call"]["crmPushes"]
        if pushes and all(push["status"] in ("DONE", "FAILED") for push in pushes):
            break
        await asyncio.sleep(0.05)
    return pushes
