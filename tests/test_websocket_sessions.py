"""An open WebSocket follows its user: it is closed (4403) when the user is deactivated or the
token expires, stops delivering the calls of a project the user left, and a malformed
``connection_init`` is closed with 4400. Tokens issued before a password change stop working."""

import asyncio
import json
from typing import Any

import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.tokens import TokenKind, TokenService
from tests.calls import CallDesk, call_desk
from tests.conftest import PASSWORD, login
from tests.test_call_subscriptions import (
    PROTOCOL,
    WAIT,
    Subscriber,
    call_probe,
    subscription,
    until_subscribed,
)


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def closed_code(subscriber: Subscriber) -> tuple[int, list[dict[str, Any]]]:
    """The close code of the socket and the messages that came before it closed."""
    received = []
    while True:
        try:
            received.append(await subscriber.message())
        except ConnectionClosed as closed:
            return closed.rcvd.code, received


async def live_projects(live_server, token: str) -> list[str] | None:
    """The user's projects as the service process of the sockets sees them (None: refused)."""
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ me { projects { id } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    if response.status_code == 401:
        return None
    return [p["id"] for p in response.json()["data"]["me"]["projects"]]


async def test_a_deactivated_users_socket_is_closed_with_4403(desk, live_server):
    async with subscription(
        live_server, desk.agent.client.token, "IncomingCalls", "incomingCalls"
    ) as agent:
        await until_subscribed([agent], call_probe(desk.telephony, desk.project_id), "callId")
        deactivated = await desk.admin.op("UpdateUser", id=desk.agent.id, input={"active": False})
        assert deactivated.data["updateUser"]["active"] is False
        await desk.report("after-deactivation", "500000001")
        code, received = await closed_code(agent)
    assert code == 4403
    assert "after-deactivation" not in json.dumps(received)


async def test_an_expired_token_closes_its_socket(desk, live_server, settings):
    short = TokenService(settings.jwt_secret, 2).issue(
        TokenKind.USER, desk.agent.id, desk.tenant.id
    )
    async with subscription(live_server, short, "IncomingCalls", "incomingCalls") as agent:
        code, _ = await closed_code(agent)
    assert code == 4403


async def test_a_user_who_leaves_a_project_stops_receiving_its_calls(desk, live_server):
    other = await desk.admin.op(
        "CreateProject",
        input={"name": "Druga", "crmId": desk.crm_id, "memberIds": [desk.agent.id]},
    )
    other_id = other.data["createProject"]["id"]
    token = desk.agent.client.token
    async with subscription(live_server, token, "IncomingCalls", "incomingCalls") as agent:
        await until_subscribed([agent], call_probe(desk.telephony, desk.project_id), "callId")
        left = await desk.admin.op("UpdateProject", id=desk.project_id, input={"memberIds": []})
        assert not left.errors, left.errors
        for _ in range(100):  # until the sockets' process has seen the change
            if await live_projects(live_server, token) == [other_id]:
                break
            await asyncio.sleep(0.05)
        await desk.report("left-project", "500000001")
        await desk.report("still-member", "500000001", projectId=other_id)
        assert (await agent.next())["callId"] == "still-member"


async def test_tokens_issued_before_a_password_change_stop_working(desk, anonymous):
    old = desk.agent.client
    changed = await desk.admin.op(
        "UpdateUser", id=desk.agent.id, input={"password": "a brand new password"}
    )
    assert not changed.errors, changed.errors
    assert (await old.op("Me")).status == 401
    new = await login(anonymous, desk.agent.email, "a brand new password")
    assert (await new.op("Me")).data["me"]["email"] == desk.agent.email
    assert (await anonymous.op("Login", email=desk.agent.email, password=PASSWORD)).errors


@pytest.mark.parametrize(
    "payload",
    ['"str"', "42", '["Bearer x"]', '{"authorization": ["Bearer x"]}', '{"authorization": 7}'],
)
async def test_a_malformed_connection_init_is_closed_with_4400(live_server, payload):
    async with connect(live_server.ws_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(f'{{"type": "connection_init", "payload": {payload}}}')
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)
    assert closed.value.rcvd.code == 4400
