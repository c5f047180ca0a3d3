"""Login limits: attempts are counted before passwords are checked (so concurrent logins cannot
check more than allowed), per address and email, per address, per email from new addresses; the
records are bounded and expire."""

import asyncio
import dataclasses
import itertools
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from app.client_address import trusted_proxies
from models.login_throttle import LoginAttempts
from models.timestamps import utcnow
from tests.client import GraphQLClient, Result, field_paths
from tests.conftest import PASSWORD
from tests.operations import document

_addresses = itertools.count(1)


@asynccontextmanager
async def from_address(app, address: str | None = None) -> AsyncIterator[GraphQLClient]:
    """An anonymous client whose requests come from ``address`` (a fresh one when not given)."""
    n = next(_addresses)
    address = address or f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http)


def outcome(result) -> str:
    return "OK" if not result.errors else result.error_code


@pytest.fixture
def limits(services, monkeypatch) -> Callable[..., None]:
    """Lowers the service's login limits for one test."""
    throttle = services.login_throttle

    def lower(**changes: int) -> None:
        monkeypatch.setattr(throttle, "limits", dataclasses.replace(throttle.limits, **changes))

    return lower


async def test_concurrent_logins_check_at_most_the_allowed_passwords(app, tenant, settings):
    async with from_address(app) as client:
        attempts = [
            client.op("Login", email=tenant.admin_email, password=f"wrong password {i}")
            for i in range(39)
        ]
        attempts.append(client.op("Login", email=tenant.admin_email, password=PASSWORD))
        outcomes = Counter(outcome(r) for r in await asyncio.gather(*attempts))
    checked = outcomes["UNAUTHENTICATED"] + outcomes["OK"]
    assert checked <= settings.login_max_failures, outcomes
    assert outcomes["TOO_MANY_REQUESTS"] == 40 - checked


async def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(app, tenant, settings):
    async with from_address(app) as attacker:
        for _ in range(settings.login_max_failures):
            await attacker.op("Login", email=tenant.admin_email, password="bad password")
        refused = await attacker.op("Login", email=tenant.admin_email, password=PASSWORD)
        assert refused.error_code == "TOO_MANY_REQUESTS"
        assert refused.error["extensions"]["retryAfterSeconds"] > 0
    async with from_address(app) as user:
        assert (await user.op("Login", email=tenant.admin_email, password=PASSWORD)).data


async def test_one_address_is_limited_over_all_emails(app, tenant, limits):
    limits(per_address=4)
    async with from_address(app) as sprayer:
        for i in range(4):
            failed = await sprayer.op("Login", email=f"guess{i}@spray.example", password="x" * 10)
            assert failed.error_code == "UNAUTHENTICATED"
        refused = await sprayer.op("Login", email=tenant.admin_email, password=PASSWORD)
        assert refused.error_code == "TOO_MANY_REQUESTS"
    async with from_address(app) as other:
        assert (await other.op("Login", email=tenant.admin_email, password=PASSWORD)).data


async def test_many_addresses_lock_an_email_only_for_addresses_it_never_logged_in_from(
    app, tenant, limits
):
    limits(per_email=4)
    async with from_address(app, "192.0.2.10") as usual:  # where the user logs in
        assert (await usual.op("Login", email=tenant.admin_email, password=PASSWORD)).data
    for _ in range(4):
        async with from_address(app) as attacker:
            failed = await attacker.op("Login", email=tenant.admin_email, password="bad password")
            assert failed.error_code == "UNAUTHENTICATED"
    async with from_address(app) as new_place:
        refused = await new_place.op("Login", email=tenant.admin_email, password=PASSWORD)
        assert refused.error_code == "TOO_MANY_REQUESTS"
    async with from_address(app, "192.0.2.10") as usual:
        assert (await usual.op("Login", email=tenant.admin_email, password=PASSWORD)).data


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(
    app, tenant, services, settings, monkeypatch
):
    monkeypatch.setattr(services.login_throttle, "proxies", trusted_proxies("10.255.255.1"))
    async with from_address(app, "10.255.255.1") as proxy:

        async def login(client_ip: str, password: str) -> str:
            response = await proxy.http.post(
                "/graphql",
                json={
                    "query": "mutation($e: String!, $p: String!) "
                    "{ login(email: $e, password: $p) { token } }",
                    "variables": {"e": tenant.admin_email, "p": password},
                },
                headers={"X-Forwarded-For": f"6.6.6.6, {client_ip}"},
            )
            errors = response.json().get("errors")
            return errors[0]["extensions"]["code"] if errors else "OK"

        for _ in range(settings.login_max_failures):
            assert await login("203.0.113.5", "bad password") == "UNAUTHENTICATED"
        assert await login("203.0.113.5", PASSWORD) == "TOO_MANY_REQUESTS"
        assert await login("203.0.113.6", PASSWORD) == "OK"


@pytest.mark.parametrize(
    "email",
    ["a" * 1_000_000 + "@x.example", "a" * 60 + "@" + "b" * 190 + ".example", "\ud800@x.example"],
    ids=["1MB", "255 characters", "lone surrogate"],
)
async def test_an_email_no_user_can_have_is_refused_before_anything_is_stored(app, email):
    before = await LoginAttempts.get_pymongo_collection().count_documents({})
    payload = {"query": document("Login"), "variables": {"email": email, "password": "password"}}
    async with from_address(app) as client:
        response = await client.http.post(  # ASCII JSON: a lone surrogate travels escaped
            "/graphql", content=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
    assert field_paths(Result(response.status_code, response.json())) == {"email"}
    assert await LoginAttempts.get_pymongo_collection().count_documents({}) == before


async def test_attempt_records_expire(app, tenant, settings):
    collection = LoginAttempts.get_pymongo_collection()
    ttl = [i for i in (await collection.index_information()).values() if "expireAfterSeconds" in i]
    assert [(i["key"], i["expireAfterSeconds"]) for i in ttl] == [([("expires_at", 1)], 0)]

    async with from_address(app) as client:
        for _ in range(settings.login_max_failures):
            await client.op("Login", email=tenant.admin_email, password="bad password")
        assert (
            await client.op("Login", email=tenant.admin_email, password=PASSWORD)
        ).error_code == "TOO_MANY_REQUESTS"
        pair = {"key": {"$regex": f"^pair .* {re.escape(tenant.admin_email)}$"}}
        record = await collection.find_one(pair)
        window = timedelta(seconds=settings.login_lockout_seconds)
        assert utcnow() < record["expires_at"] <= utcnow() + window

        # Its window over, the record no longer counts, removed or not yet.
        await collection.update_many(pair, {"$set": {"expires_at": utcnow() - timedelta(1)}})
        assert (await client.op("Login", email=tenant.admin_email, password=PASSWORD)).data

        for _ in range(2):
            await client.op("Login", email=tenant.admin_email, password="bad password")
        await collection.update_many(pair, {"$set": {"expires_at": utcnow() - timedelta(1)}})
        await collection.database.client.admin.command("secantusAdmin.pruneTtl")
        assert await collection.count_documents(pair) == 0
