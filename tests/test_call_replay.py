"""A desktop that reconnects catches up: ``incomingCalls(since:)`` sends the changes made after
the cursor it last saw, each once and in order, then goes on live; ``recentCalls`` gives a
desktop that starts its latest calls and a cursor to subscribe from.

The first tests drive the in-process app over an in-memory WebSocket; the last one restarts the
``crm serve`` process the desktop is connected to while calls are reported through another.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from beanie import PydanticObjectId
from starlette.types import ASGIApp

from models.call_event import CallDirection, CallEvent, CallStatus, new_call
from resolvers.calls import replay
from tests.calls import FOREIGN_PROJECTS, CallDesk, call_desk, foreign_project_id
from tests.conftest import running_service
from tests.operations import document
from tests.test_call_subscriptions import (
    call_probe,
    client_of,
    subscription,
    until_subscribed,
)

WAIT = 20.0
SINCE = "IncomingCallsSince"
FIELD = "incomingCalls"


class AppSocket:
    """A graphql-transport-ws socket to the in-process app, over ASGI messages."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def open(self, token: str) -> asyncio.Task[None]:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "headers": [(b"host", b"test")],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
        }
        await self._inbox.put({"type": "websocket.connect"})
        task = asyncio.create_task(self._app(scope, self._inbox.get, self._outbox.put))
        accepted = await asyncio.wait_for(self._outbox.get(), WAIT)
        assert accepted["type"] == "websocket.accept", accepted
        await self.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert (await self.message())["type"] == "connection_ack"
        return task

    async def send(self, message: dict[str, Any]) -> None:
        await self._inbox.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def message(self) -> dict[str, Any]:
        sent = await asyncio.wait_for(self._outbox.get(), WAIT)
        assert sent["type"] == "websocket.send", sent
        return json.loads(sent["text"])

    async def subscribe(self, name: str, **variables: Any) -> None:
        payload = {"query": document(name), "operationName": name, "variables": variables}
        await self.send({"id": "1", "type": "subscribe", "payload": payload})

    async def next(self) -> dict[str, Any]:
        message = await self.message()
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        return message["payload"]["data"][FIELD]

    async def refusal(self) -> dict[str, Any]:
        """The error that refused the subscription."""
        message = await self.message()
        assert message["type"] == "error", message
        return message["payload"][0]

    async def close(self) -> None:
        await self._inbox.put({"type": "websocket.disconnect", "code": 1000})


@asynccontextmanager
async def app_socket(app: ASGIApp, token: str) -> AsyncIterator[AppSocket]:
    socket = AppSocket(app)
    task = await socket.open(token)
    try:
        yield socket
    finally:
        await socket.close()
        await asyncio.wait_for(task, WAIT)


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def report(desk: CallDesk, *call_ids: str) -> None:
    for call_id in call_ids:
        result = await desk.report(call_id, "anonymous")
        assert not result.errors, result.errors


async def start_cursor(desk: CallDesk) -> str:
    """What a desktop that starts subscribes from: the cursor of its recent calls."""
    await report(desk, "before")
    recent = await desk.agent.client.op("RecentCalls")
    return recent.data["recentCalls"][0]["cursor"]


async def test_a_desktop_that_resubscribes_receives_what_it_missed_once_then_live_calls(desk, app):
    since = await start_cursor(desk)
    await report(desk, "missed-1", "missed-2")
    await desk.telephony.op("ReportCallAnswered", callId="missed-1", agentId=desk.agent.id)
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=since)
        missed = [await socket.next() for _ in range(3)]
        assert [(e["callId"], e["status"]) for e in missed] == [
            ("missed-1", "RINGING"),
            ("missed-2", "RINGING"),
            ("missed-1", "ANSWERED"),
        ]
        await report(desk, "live-1")
        await report(desk, "live-2")
        assert [(await socket.next())["callId"] for _ in range(2)] == ["live-1", "live-2"]
        # Resuming from an event's own cursor sends what came after it only.
        resumed_from = missed[1]["cursor"]
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=resumed_from)
        after = [await socket.next() for _ in range(3)]
        assert [(e["callId"], e["status"]) for e in after] == [
            ("missed-1", "ANSWERED"),
            ("live-1", "RINGING"),
            ("live-2", "RINGING"),
        ]


async def test_calls_reported_while_the_desktop_resubscribes_arrive_once_each_in_order(desk, app):
    """The replay and the live changes overlap while the subscription starts: each change is
    sent once, none is skipped between them."""
    since = await start_cursor(desk)
    call_ids = [f"during-{i}" for i in range(30)]
    async with app_socket(app, desk.agent.client.token) as socket:
        reporting = asyncio.create_task(report(desk, *call_ids))
        await asyncio.sleep(0)  # the first reports are written while the subscription starts
        await socket.subscribe(SINCE, since=since)
        received = [(await socket.next())["callId"] for _ in call_ids]
        await reporting
        await report(desk, "marker")
        assert (await socket.next())["callId"] == "marker"
    assert received == call_ids


async def test_a_desktop_receives_only_its_projects_calls_when_it_catches_up(desk, app):
    elsewhere = await desk.admin.op("CreateProject", input={"name": "Serwis", "crmId": desk.crm_id})
    since = await start_cursor(desk)
    await desk.report("not-mine", "anonymous", projectId=elsewhere.data["createProject"]["id"])
    await report(desk, "mine")
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=since)
        assert (await socket.next())["callId"] == "mine"


async def crafted(desk: CallDesk, services, how: str) -> str:
    if how == "sealed-not-a-position":
        return services.secrets.seal("[1, 2]").ciphertext
    if how == "sealed-text":
        return services.secrets.seal("not json").ciphertext
    real = await start_cursor(desk)
    if how == "altered":
        middle = len(real) // 2
        return real[:middle] + ("A" if real[middle] != "A" else "B") + real[middle + 1 :]
    return {"garbage": "garbage", "empty": "", "truncated": real[:-8]}[how]


@pytest.mark.parametrize(
    "how", ["garbage", "empty", "truncated", "altered", "sealed-not-a-position", "sealed-text"]
)
async def test_a_crafted_since_is_refused_at_since(desk, app, services, how):
    since = await crafted(desk, services, how)
    stored = await desk.stored_calls()
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=since)
        error = await socket.refusal()
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "VALIDATION_FAILED",
        "since",
    )
    assert await desk.stored_calls() == stored


async def test_more_missed_changes_than_the_replay_holds_answer_gone(desk, app):
    since = await start_cursor(desk)
    tenant_id, project_id = PydanticObjectId(desk.tenant.id), PydanticObjectId(desk.project_id)
    rows = [
        new_call(
            tenant_id,
            f"flood-{i}",
            direction=CallDirection.INBOUND.value,
            status=CallStatus.RINGING.value,
            project_id=project_id,
            crm_id=PydanticObjectId(desk.crm_id),
        )
        for i in range(replay.MAX_CHANGES + 1)
    ]
    await CallEvent.get_pymongo_collection().insert_many(rows)
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=since)
        assert (await socket.refusal())["extensions"]["code"] == "GONE"


async def test_changes_older_than_the_replay_keeps_answer_gone(desk, app, monkeypatch):
    since = await start_cursor(desk)
    await report(desk, "long-ago")
    monkeypatch.setattr(replay, "MAX_AGE", timedelta(0))  # every change is older than that
    async with app_socket(app, desk.agent.client.token) as socket:
        await socket.subscribe(SINCE, since=since)
        assert (await socket.refusal())["extensions"]["code"] == "GONE"


async def test_recent_calls_are_the_newest_of_the_callers_projects(desk, new_tenant, services):
    second = await desk.admin.op(
        "CreateProject",
        input={"name": "Druga", "crmId": desk.crm_id, "memberIds": [desk.agent.id]},
    )
    second_id = second.data["createProject"]["id"]
    elsewhere = await desk.admin.op("CreateProject", input={"name": "Serwis", "crmId": desk.crm_id})
    await report(desk, "first", "second")
    await desk.report("in-second", "anonymous", projectId=second_id)
    await desk.report("not-mine", "anonymous", projectId=elsewhere.data["createProject"]["id"])
    other = await call_desk(await new_tenant("Other"), services)
    await report(other, "other-company")
    agent = desk.agent.client
    everything = (await agent.op("RecentCalls")).data["recentCalls"]
    assert [c["callId"] for c in everything] == ["in-second", "second", "first"]
    assert all(c["cursor"] for c in everything)
    latest = await agent.op("RecentCalls", projectId=desk.project_id, first=1)
    assert [c["callId"] for c in latest.data["recentCalls"]] == ["second"]
    assert (await agent.op("RecentCalls", first=0)).data["recentCalls"] == []


@pytest.mark.parametrize("project", FOREIGN_PROJECTS)
async def test_recent_calls_of_a_project_one_is_not_in_are_forbidden(
    desk, new_tenant, services, project
):
    project_id = await foreign_project_id(desk, new_tenant, services, project)
    result = await desk.agent.client.op("RecentCalls", projectId=project_id)
    assert result.error_code == "FORBIDDEN"


@pytest.mark.parametrize("first", [-1, 201])
async def test_recent_calls_take_at_most_200(desk, first):
    result = await desk.agent.client.op("RecentCalls", first=first)
    assert (result.error_code, result.error["extensions"]["field"]) == (
        "VALIDATION_FAILED",
        "first",
    )


async def test_a_desktop_catches_up_across_a_restart_of_its_service_process(
    desk, settings, data_dir
):
    """The desktop's process stops; five calls are reported through another process; the
    desktop resubscribes to the restarted process with the cursor it last saw."""
    agent_token = desk.agent.client.token
    with running_service(settings, data_dir) as other:
        async with client_of(other, desk.telephony.token) as telephony:
            with running_service(settings, data_dir) as first:
                async with subscription(first, agent_token, SINCE, FIELD) as socket:
                    await until_subscribed(
                        [socket], call_probe(telephony, desk.project_id), "callId"
                    )
                    await report_through(telephony, desk, "seen")
                    last = await socket.next()
                    assert last["callId"] == "seen"
            missed = [f"gap-{i}" for i in range(5)]
            await report_through(telephony, desk, *missed)
            with running_service(settings, data_dir) as restarted:
                async with subscription(
                    restarted, agent_token, SINCE, FIELD, since=last["cursor"]
                ) as socket:
                    assert [(await socket.next())["callId"] for _ in missed] == missed
                    await report_through(telephony, desk, "live")
                    assert (await socket.next())["callId"] == "live"


async def report_through(telephony, desk: CallDesk, *call_ids: str) -> None:
    for call_id in call_ids:
        result = await telephony.op(
            "ReportIncomingCall",
            input={"callId": call_id, "from": "anonymous", "projectId": desk.project_id},
        )
        assert not result.errors, result.errors
