"""WebSocket connections (graphql-transport-ws) against the service run by uvicorn."""

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.operations import document

PROTOCOL = "graphql-transport-ws"


async def _init(socket, authorization: str | None) -> dict:
    payload = {"authorization": authorization} if authorization else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return json.loads(await socket.recv())


async def test_a_valid_token_in_connection_init_is_acknowledged_and_identifies_the_user(
    live_server, tenant
):
    async with connect(live_server.ws_url, subprotocols=[PROTOCOL]) as socket:
        assert (await _init(socket, f"Bearer {tenant.admin.token}"))["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": document("WhoAmIOverSocket"),
                        "operationName": "WhoAmIOverSocket",
                    },
                }
            )
        )
        message = json.loads(await socket.recv())
        assert message["type"] == "next"
        assert message["payload"]["data"]["me"]["email"] == tenant.admin_email


@pytest.mark.parametrize("authorization", [None, "Bearer forged", "Basic abc"])
async def test_connection_init_without_a_valid_token_is_closed_with_4403(
    live_server, authorization
):
    async with connect(live_server.ws_url, subprotocols=[PROTOCOL]) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await _init(socket, authorization)
    assert closed.value.rcvd.code == 4403


async def test_a_message_before_connection_init_is_closed_with_4401(live_server):
    async with connect(live_server.ws_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd.code == 4401


async def test_only_the_graphql_transport_ws_protocol_is_spoken(live_server):
    with pytest.raises(InvalidStatus):
        async with connect(live_server.ws_url, subprotocols=["graphql-ws"]):
            pass


async def test_pages_of_unlisted_origins_cannot_open_a_socket(live_server, tenant):
    with pytest.raises(InvalidStatus):
        async with connect(
            live_server.ws_url, subprotocols=[PROTOCOL], origin="https://evil.example"
        ):
            pass
    async with connect(
        live_server.ws_url, subprotocols=[PROTOCOL], origin="https://app.example"
    ) as socket:
        assert (await _init(socket, f"Bearer {tenant.admin.token}"))["type"] == "connection_ack"
