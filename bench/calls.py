"""Caller-ID matching and incoming-call delivery, with 100,000 contacts in the project's CRM.

Prints, each beside a baseline measured in the same run:

- ``matchCaller(phone, projectId)`` over HTTP, as an agent of the project, p50 and p99;
  baseline: the raw pymongo lookup on ``phone_keys`` (``{tenant_id, phone_keys}``, the
  ``caller_id`` index), returning the documents. Both are timed turn by turn on the same numbers,
  each with a lean client: pymongo, and the standard library's ``http.client`` on one kept-alive
  connection (``bench/graphql_client.py``), the JSON encoding and decoding included.
- the latency from sending ``reportIncomingCall`` (the telephony side, over HTTP) to the event's
  arrival at each of 100 agent desktops subscribed to ``incomingCalls`` over WebSockets, p50 and
  p99 over all deliveries; baseline: a raw pymongo change stream on the same database, from an
  insert to its arrival.

Bars: matchCaller p50 at most 2 ms above the raw lookup; delivery p99 at most 100 ms.

The service runs as ``crm serve`` in a child process on an embedded database (another child), as
in production; the company, its CRM, project and users are made through the API. The contacts are
written straight into the collection with ``models.contact_keys.derive_contact`` (the keys the
service computes): loading is not what is measured. The desktops select ``CallEventFields`` of
graphql/calls.graphql, match and contact included.

    python bench/calls.py [--contacts N]
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bson import ObjectId
from pymongo import AsyncMongoClient, MongoClient

from app.tokens import TokenKind, TokenService
from bench.documents import operation
from bench.graphql_client import GraphQLClient
from bench.service import running_service
from models.contact_keys import derive_contact
from models.phones import normalize_phone
from models.record_rows import new_record_row

CONTACTS = 100_000
BATCH = 2_000
MATCHES = 1_000
WARMUP = 100
SUBSCRIBERS = 100
CALLS = 60
STREAM_ROUNDS = 200
MATCH_BAR_MS = 2.0  # matchCaller p50 at most this above the raw lookup
DELIVERY_BAR_MS = 100.0  # delivery p99 at most this
WAIT = 30.0

SECRET = "bench-jwt-secret-of-sufficient-length-0123456789"
PASSWORD = "correct horse battery"
DATABASE = f"crm_bench_{uuid.uuid4().hex[:8]}"
# The ways an exchange writes a number: the service must meet every one.
FORMATS = ["+48 {a} {b} {c}", "0048{n}", "{n}", "{a}-{b}-{c}", "(+48) {a} {b} {c}", "tel:+48{n}"]


SETUP = {
    "company": "mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id } }",
    "login": "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
    "crm": "mutation ($input: CreateCrmInput!) { createCrm(input: $input) { id } }",
    "settings": "mutation ($input: UpdateCompanySettingsInput!) "
    "{ updateCompanySettings(input: $input) { callerIdAuthentication } }",
    "user": "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }",
    "project": "mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }",
}


# --- the company and its contacts -------------------------------------------------------------


@dataclass
class Desk:
    tenant_id: ObjectId
    crm_id: ObjectId
    project_id: str
    agent_token: str
    telephony_token: str


def make_company(gql: GraphQLClient, name: str = "Bench") -> Desk:
    tokens = TokenService(SECRET, 3600)
    operator = tokens.issue(TokenKind.OPERATOR, "operator")
    domain = f"{name.lower()}.example"
    admin, agent = f"admin@{domain}", f"agent@{domain}"
    company = gql.op(
        operator,
        SETUP["company"],
        input={"name": name, "adminEmail": admin, "adminPassword": PASSWORD},
    )["createCompany"]["id"]
    token = gql.op(None, SETUP["login"], e=admin, p=PASSWORD)["login"]["token"]
    crm_id = gql.op(token, SETUP["crm"], input={"name": "Infolinia"})["createCrm"]["id"]
    gql.op(token, SETUP["settings"], input={"defaultCrmId": crm_id, "callerIdAuthentication": True})
    agent_id = gql.op(
        token,
        SETUP["user"],
        input={"email": agent, "password": PASSWORD, "displayName": "Agent", "roles": ["AGENT"]},
    )["createUser"]["id"]
    project_id = gql.op(
        token,
        SETUP["project"],
        input={"name": "Infolinia", "crmId": crm_id, "memberIds": [agent_id]},
    )["createProject"]["id"]
    agent_token = gql.op(None, SETUP["login"], e=agent, p=PASSWORD)["login"]["token"]
    telephony = tokens.issue(TokenKind.TELEPHONY, company, company)
    return Desk(ObjectId(company), ObjectId(crm_id), project_id, agent_token, telephony)


def number(i: int) -> str:
    """Contact ``i``'s mobile number, nine digits."""
    return f"5{i:08d}"


def load_contacts(contacts: Any, desk: Desk, count: int) -> None:
    batch: list[dict[str, Any]] = []
    for i in range(count):
        raw = number(i)
        document: dict[str, Any] = {
            **new_record_row(desk.tenant_id, desk.crm_id),
            "first_name": f"Imię{i}",
            "last_name": f"Nazwisko{i}",
            "phones": [{"number": normalize_phone(raw, "PL"), "raw": raw}],
        }
        batch.append({**document, **derive_contact(document, [], None)})
        if len(batch) == BATCH:
            contacts.insert_many(batch, ordered=False)
            batch = []
    if batch:
        contacts.insert_many(batch, ordered=False)


# --- measuring ----------------------------------------------------------------------------------


def percentile(times: list[float], pct: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def ms(times: list[float]) -> str:
    return (
        f"p50 {statistics.median(times) * 1000:.2f} ms, p99 {percentile(times, 99) * 1000:.2f} ms"
        f" (n={len(times)})"
    )


def written(i: int) -> str:
    n = number(i)
    layout = FORMATS[i % len(FORMATS)]
    return layout.format(n=n, a=n[:3], b=n[3:6], c=n[6:])


def measure_match(
    gql: GraphQLClient, contacts: Any, desk: Desk, count: int
) -> tuple[list[float], list[float]]:
    query = operation("MatchCaller")
    rng = random.Random(11)
    picks = [rng.randrange(count) for _ in range(WARMUP + MATCHES)]

    def api(i: int) -> list[str]:
        match = gql.op(desk.agent_token, query, phone=written(i), projectId=desk.project_id)
        return [c["id"] for c in match["matchCaller"]["contacts"]]

    def raw(i: int) -> list[str]:
        key = normalize_phone(number(i), "PL")
        cursor = contacts.find({"tenant_id": desk.tenant_id, "phone_keys": key})
        return [str(row["_id"]) for row in cursor.to_list()]

    for i in picks[:WARMUP]:
        got, expected = api(i), raw(i)
        assert got == expected, (written(i), got, expected)
        assert len(got) == 1, got
    service: list[float] = []
    baseline: list[float] = []
    for i in picks[WARMUP:]:
        started = time.perf_counter()
        api(i)
        service.append(time.perf_counter() - started)
        started = time.perf_counter()
        raw(i)
        baseline.append(time.perf_counter() - started)
    return service, baseline


async def _subscribe(ws_url: str, token: str, query: str) -> ClientConnection:
    socket_ = await connect(ws_url, subprotocols=["graphql-transport-ws"], max_queue=None)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await socket_.send(json.dumps(init))
    assert json.loads(await socket_.recv())["type"] == "connection_ack"
    payload = {"query": query, "variables": {}}
    await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return socket_


async def _arrivals(socket_: ClientConnection, call_id: str) -> float:
    """When the event of ``call_id`` arrived (other events, e.g. late probes, are skipped)."""
    while True:
        message = json.loads(await socket_.recv())
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        if message["payload"]["data"]["incomingCalls"]["callId"] == call_id:
            return time.perf_counter()


async def measure_delivery(base_url: str, desk: Desk) -> list[float]:
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    report = operation("ReportIncomingCall")
    async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=base_url) as http:
        sockets = [
            await stack.enter_async_context(
                await _subscribe(ws_url, desk.agent_token, operation("IncomingCalls"))
            )
            for _ in range(SUBSCRIBERS)
        ]

        async def call(call_id: str, caller: str) -> list[float]:
            waiting = [asyncio.ensure_future(_arrivals(s, call_id)) for s in sockets]
            await asyncio.sleep(0)
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={
                    "query": report,
                    "variables": {
                        "input": {"callId": call_id, "from": caller, "projectId": desk.project_id}
                    },
                },
                headers={"Authorization": f"Bearer {desk.telephony_token}"},
            )
            assert not response.json().get("errors"), response.text
            arrived = await asyncio.wait_for(asyncio.gather(*waiting), WAIT)
            return [at - started for at in arrived]

        for attempt in range(20):  # until every subscription is registered on the server
            try:
                await asyncio.wait_for(call(f"probe-{attempt}", "anonymous"), 2)
                break
            except TimeoutError:
                continue
        else:
            raise RuntimeError("the subscriptions never received a call")
        latencies: list[float] = []
        for i in range(CALLS):
            latencies.extend(await call(f"call-{i}", written(i)))
        return latencies


async def measure_raw_stream(uri: str) -> list[float]:
    """Baseline: a raw change stream on the same database, insert to arrival."""
    client: AsyncMongoClient = AsyncMongoClient(uri)
    collection = client[DATABASE]["bench_stream"]
    latencies: list[float] = []
    try:
        async with await collection.watch() as stream:
            for i in range(STREAM_ROUNDS):
                started = time.perf_counter()
                await collection.insert_one({"i": i})
                change = await stream.next()
                latencies.append(time.perf_counter() - started)
                assert change["fullDocument"]["i"] == i
    finally:
        await client.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--contacts", type=int, default=CONTACTS, help=f"contacts in the CRM (default {CONTACTS:,})"
    )
    count = parser.parse_args().contacts
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_service(Path(tmp), DATABASE, SECRET) as (uri, base_url),
    ):
        gql = GraphQLClient(base_url)
        desk = make_company(gql)
        database = MongoClient(uri)[DATABASE]
        started = time.perf_counter()
        load_contacts(database.contacts, desk, count)
        loaded = time.perf_counter() - started
        print(f"loaded {count:,} contacts in {loaded:.1f} s ({count / loaded:,.0f}/s)")
        service, raw = measure_match(gql, database.contacts, desk, count)
        delivery = asyncio.run(measure_delivery(base_url, desk))
        stream = asyncio.run(measure_raw_stream(uri))

    match_gap = (statistics.median(service) - statistics.median(raw)) * 1000
    delivery_p99 = percentile(delivery, 99) * 1000
    print(f"matchCaller over HTTP:             {ms(service)}")
    print(f"  baseline raw lookup on phone_keys: {ms(raw)}")
    verdict = "PASS" if match_gap <= MATCH_BAR_MS else "FAIL"
    print(f"  p50 above the raw lookup: {match_gap:.2f} ms | bar <= {MATCH_BAR_MS:g} ms: {verdict}")
    print(f"reportIncomingCall to delivery, {SUBSCRIBERS} subscribers: {ms(delivery)}")
    print(f"  baseline raw change stream, insert to arrival: {ms(stream)}")
    verdict = "PASS" if delivery_p99 <= DELIVERY_BAR_MS else "FAIL"
    print(f"  p99 {delivery_p99:.2f} ms | bar <= {DELIVERY_BAR_MS:g} ms: {verdict}")


if __name__ == "__main__":
    main()
