"""A WebSocket session while the database is away (a rule of app/socket_sessions.py): the
identity last read holds until the database answers again, but never past the token's expiry.
Before, the first database error ended the session's periodic check for good."""

import asyncio

from pymongo.errors import AutoReconnect

from app.principal import ANONYMOUS
from app.socket_sessions import WS_FORBIDDEN, SocketSession


class DatabaseAway:
    """An authenticator whose principal reads fail as pymongo's do while the server is down."""

    async def session_for(self, authorization: str):
        raise AutoReconnect("connection refused")


def session(now: float, expires_at: float, sent: list) -> SocketSession:
    async def send(message):
        sent.append(message)

    return SocketSession(DatabaseAway(), "Bearer x", ANONYMOUS, expires_at, send, clock=lambda: now)


async def test_a_socket_outlives_a_database_outage_while_its_token_holds():
    sent: list = []
    live = session(now=100.0, expires_at=200.0, sent=sent)
    async with live.running({}, asyncio.Queue().get, []) as (_, app_send):
        await app_send({"type": "websocket.send", "text": "event"})
        await asyncio.sleep(0.7)  # past one periodic check
    assert not live.closed
    assert sent == [{"type": "websocket.send", "text": "event"}]


async def test_a_socket_whose_token_expired_during_an_outage_is_closed():
    sent: list = []
    expired = session(now=300.0, expires_at=200.0, sent=sent)
    async with expired.running({}, asyncio.Queue().get, []) as (_, app_send):
        await app_send({"type": "websocket.send", "text": "event"})
    assert expired.closed
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == WS_FORBIDDEN
