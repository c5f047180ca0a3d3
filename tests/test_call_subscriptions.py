"""Agent desktops and the telephony side subscribe over real WebSockets (graphql-transport-ws) to
the service run by uvicorn: incoming calls with their status changes, dial requests; across two
service processes on one database; and the call bus resuming after a lost database connection.

A subscription is registered on the server a moment after the client sends ``subscribe``, and
the protocol does not say when. So each test first sends probe events until one arrives; from
then on every event is delivered, in order, and a test can show that an event was NOT delivered
by sending it before one that is: the first to arrive must be the later one.
"""

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from bson import ObjectId
from pymongo import AsyncMongoClient
from websockets.asyncio.client import ClientConnection, connect

from app.call_bus import CallBus, CallChange
from models.call_event import CallEvent
from tests.calls import FOREIGN_PROJECTS, CallDesk, call_desk, foreign_project_id
from tests.client import GraphQLClient
from tests.conftest import LiveServer, running_service
from tests.operations import document

PROTOCOL = "graphql-transport-ws"
WAIT = 20.0  # bound of every wait for something that must happen
PROBE_WAIT = 0.5  # how long a probe may take before the next one is sent
MAX_PROBES = 40


class Subscriber:
    """One socket with one subscription (id "1")."""

    def __init__(self, socket: ClientConnection, field: str) -> None:
        self.socket = socket
        self.field = field

    async def message(self, within: float = WAIT) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), within))

    async def refusal(self) -> str:
        """The code of the error that refused the subscription."""
        message = await self.message()
        assert message["type"] == "error", message
        return message["payload"][0]["extensions"]["code"]

    async def next(self, within: float = WAIT) -> dict[str, Any]:
        message = await self.message(within)
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        return message["payload"]["data"][self.field]


async def until_subscribed(
    subscribers: list[Subscriber], probe: Callable[[int], Awaitable[str]], key: str
) -> None:
    """Sends probes (each makes one event, and answers its ``key``) until each subscriber has
    received one, then reads off the probes that followed, which must arrive in order."""
    sent: list[str] = []
    first: dict[int, str] = {}
    for attempt in range(MAX_PROBES):
        sent.append(await probe(attempt))
        for i, subscriber in enumerate(subscribers):
            if i not in first:
                try:
                    first[i] = (await subscriber.next(PROBE_WAIT))[key]
                except TimeoutError:
                    continue
        if len(first) == len(subscribers):
            break
    else:
        raise AssertionError("a subscription never received a probe")
    for i, subscriber in enumerate(subscribers):
        for later in sent[sent.index(first[i]) + 1 :]:
            assert (await subscriber.next())[key] == later


@asynccontextmanager
async def subscription(
    server: LiveServer, token: str, name: str, field: str, **variables: Any
) -> AsyncIterator[Subscriber]:
    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as socket:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT))["type"] == "connection_ack"
        payload = {"query": document(name), "operationName": name, "variables": variables}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield Subscriber(socket, field)


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    desk = await call_desk(tenant, services)
    await desk.settings(callerIdAuthentication=True)
    return desk


@pytest.fixture(scope="module")
def second_server(settings, data_dir) -> Iterator[LiveServer]:
    """Another ``crm serve`` process on the same database."""
    with running_service(settings, data_dir) as server:
        yield server


@asynccontextmanager
async def client_of(server: LiveServer, token: str) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of ``server`` over a real socket."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        yield GraphQLClient(http, token)


def call_probe(telephony: GraphQLClient, project_id: str) -> Callable[[int], Awaitable[str]]:
    async def probe(attempt: int) -> str:
        call_id = f"probe-{attempt}"
        result = await telephony.op(
            "ReportIncomingCall",
            input={"callId": call_id, "from": "anonymous", "projectId": project_id},
        )
        assert not result.errors, result.errors
        return call_id

    return probe


async def test_an_agent_receives_the_calls_of_their_projects_as_they_change(desk, live_server):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    elsewhere = await desk.admin.op("CreateProject", input={"name": "Serwis", "crmId": desk.crm_id})
    async with (
        client_of(live_server, desk.telephony.token) as telephony,
        subscription(
            live_server, desk.agent.client.token, "IncomingCalls", "incomingCalls"
        ) as agent,
    ):
        await until_subscribed([agent], call_probe(telephony, desk.project_id), "callId")
        await telephony.op(
            "ReportIncomingCall",
            input={
                "callId": "not-mine",
                "from": "500000001",
                "projectId": elsewhere.data["createProject"]["id"],
            },
        )
        await telephony.op(
            "ReportIncomingCall",
            input={"callId": "c-1", "from": "+48 500 000 001", "projectId": desk.project_id},
        )
        ringing = await agent.next()
        assert (ringing["callId"], ringing["status"]) == ("c-1", "RINGING")
        assert ringing["contact"]["id"] == jan
        assert [c["id"] for c in ringing["match"]["contacts"]] == [jan]
        assert ringing["project"]["id"] == desk.project_id
        await telephony.op("ReportCallAnswered", callId="c-1", agentId=desk.agent.id)
        await telephony.op("ReportCallEnded", callId="c-1", cause="NORMAL_CLEARING")
        answered, ended = await agent.next(), await agent.next()
        assert (answered["status"], answered["agent"]["id"]) == ("ANSWERED", desk.agent.id)
        assert (ended["status"], ended["endCause"]) == ("ENDED", "NORMAL_CLEARING")
        assert ended["contact"]["id"] == jan


async def test_a_call_reported_to_one_process_reaches_a_subscriber_of_another(
    desk, live_server, second_server, http
):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    async with (
        client_of(live_server, desk.telephony.token) as first_process,
        subscription(
            second_server, desk.agent.client.token, "IncomingCalls", "incomingCalls"
        ) as agent,
    ):
        await until_subscribed([agent], call_probe(first_process, desk.project_id), "callId")
        response = await httpx.AsyncClient(base_url=live_server.base_url).post(
            "/telephony/events",
            json={
                "type": "INCOMING",
                "callId": "across",
                "from": "0048500000001",
                "projectId": desk.project_id,
            },
            headers={"Authorization": f"Bearer {desk.telephony.token}"},
        )
        assert response.status_code == 200, response.text
        delivered = await agent.next()
        assert (delivered["callId"], delivered["contact"]["id"]) == ("across", jan)


async def test_a_subscriber_names_projects_they_are_members_of(desk, live_server, new_tenant):
    second = await desk.admin.op(
        "CreateProject",
        input={"name": "Druga", "crmId": desk.crm_id, "memberIds": [desk.agent.id]},
    )
    second_id = second.data["createProject"]["id"]
    async with subscription(
        live_server,
        desk.agent.client.token,
        "IncomingCalls",
        "incomingCalls",
        projectIds=[second_id],
    ) as agent:
        await until_subscribed([agent], call_probe(desk.telephony, second_id), "callId")
        await desk.report("first-project", "500000001")
        await desk.report("second-project", "500000001", projectId=second_id)
        assert (await agent.next())["callId"] == "second-project"


async def test_subscribers_who_may_see_different_things_get_their_own_answers(desk, live_server):
    """One event's execution is shared only among subscribers who would get the same answer."""
    answering = await desk.tenant.add_user(["AGENT"])
    teammate_user = await desk.tenant.add_user(["AGENT"])
    admin = await desk.tenant.add_user(["ADMIN"])
    members = [desk.agent.id, answering.id, teammate_user.id, admin.id]
    await desk.admin.op("UpdateProject", id=desk.project_id, input={"memberIds": members})
    await desk.admin.op(
        "CreateProject",
        input={"name": "Serwis", "crmId": desk.crm_id, "memberIds": [answering.id]},
    )
    name, field = "IncomingCallAgentProjects", "incomingCalls"
    async with (
        subscription(live_server, desk.agent.client.token, name, field) as agent,
        subscription(live_server, teammate_user.client.token, name, field) as teammate,
        subscription(live_server, admin.client.token, name, field) as overseer,
    ):
        subscribers = [agent, teammate, overseer]
        await until_subscribed(subscribers, call_probe(desk.telephony, desk.project_id), "callId")
        await desk.report("shared", "500000001")
        await desk.telephony.op("ReportCallAnswered", callId="shared", agentId=answering.id)
        answered = []
        for subscriber in subscribers:
            assert (await subscriber.next())["status"] == "RINGING"
            answered.append(await subscriber.next())
    seen = [sorted(p["name"] for p in event["agent"]["projects"]) for event in answered]
    assert seen == [["Infolinia"], ["Infolinia"], ["Infolinia", "Serwis"]]


@pytest.mark.parametrize("project", FOREIGN_PROJECTS)
async def test_subscribing_to_a_project_one_is_not_in_is_forbidden(
    desk, live_server, new_tenant, services, project
):
    project_id = await foreign_project_id(desk, new_tenant, services, project)
    async with subscription(
        live_server,
        desk.agent.client.token,
        "IncomingCalls",
        "incomingCalls",
        projectIds=[desk.project_id, project_id],
    ) as agent:
        assert await agent.refusal() == "FORBIDDEN"


async def test_the_telephony_side_receives_the_dial_requests_of_its_company(
    desk, live_server, new_tenant, services
):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    other = await call_desk(await new_tenant("Other"), services)
    theirs = await other.contact("Jan", "Obcy", "500 000 001")

    async def dial(attempt: int) -> str:
        result = await desk.agent.client.op("DialContact", contactId=jan)
        return result.data["dialContact"]["id"]

    async with subscription(
        live_server, desk.telephony.token, "DialRequests", "dialRequests"
    ) as pbx:
        await until_subscribed([pbx], dial, "id")
        assert not (await other.agent.client.op("DialContact", contactId=theirs)).errors
        await desk.report("an-incoming-call", "500000001")
        mine = (await desk.agent.client.op("DialContact", contactId=jan)).data["dialContact"]
        request = await pbx.next()
        assert request["id"] == mine["id"]
        assert request["phone"] == "+48500000001"
        assert request["contact"] == {"id": jan, "firstName": "Jan", "lastName": "Kowalski"}
        assert request["requestedBy"]["id"] == desk.agent.id


@pytest.mark.parametrize(
    ("who", "name", "field"),
    [
        ("agent", "DialRequests", "dialRequests"),
        ("telephony", "IncomingCalls", "incomingCalls"),
    ],
)
async def test_each_side_subscribes_only_to_its_own_stream(desk, live_server, who, name, field):
    token = desk.agent.client.token if who == "agent" else desk.telephony.token
    async with subscription(live_server, token, name, field) as subscriber:
        assert await subscriber.refusal() == "FORBIDDEN"


# --- the call bus after a lost database connection ---------------------------------------------


class CuttableProxy:
    """A TCP proxy in front of the database whose connections can be cut and restored."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers.update({writer, up_writer})

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def _eventually(condition: Callable[[], bool]) -> None:
    async def wait() -> None:
        # A flag of the bus under test, read from outside it.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), WAIT)


async def test_the_bus_resumes_from_its_token_and_skips_no_call(settings, mongodb_uri, app):
    proxy = CuttableProxy(int(mongodb_uri.split(":")[2].split("/")[0]))
    await proxy.open()
    client: AsyncMongoClient = AsyncMongoClient(
        proxy.uri, serverSelectionTimeoutMS=300, connectTimeoutMS=300, tz_aware=True
    )
    bus = CallBus(
        lambda: client[settings.database][CallEvent.Settings.name],
        retry_delay=0.05,
        max_retry_delay=0.2,
    )
    writes = CallEvent.get_pymongo_collection()  # the test's own connection, not the proxy
    tenant_id = ObjectId()

    async def write(call_id: str) -> None:
        await writes.insert_one({"tenant_id": tenant_id, "call_id": call_id})

    async def received(subscription) -> str:
        change: CallChange = await asyncio.wait_for(anext(subscription), WAIT)
        return change.document["call_id"]

    await bus.start()
    try:
        with bus.subscribe(tenant_id, lambda change: True) as calls:
            await write("before")
            assert await received(calls) == "before"
            await proxy.cut()
            await _eventually(lambda: not bus.is_watching)
            for i in range(3):
                await write(f"while-cut-{i}")
            await proxy.open()
            await _eventually(lambda: bus.is_watching)
            await write("after")
            assert [await received(calls) for _ in range(4)] == [
                "while-cut-0",
                "while-cut-1",
                "while-cut-2",
                "after",
            ]
    finally:
        await bus.stop()
        await proxy.cut()
        await client.close()
