"""A WebSocket's identity, checked for as long as the socket is open.

The token arrives once, in ``connection_init``; what it allows may change while the socket stays
open. The session checks it again (``Authenticator.session_for``: the kept principal, so without
a database read while nothing it was read from has changed) before each message the client sends
(a ``subscribe`` among them), before each message sent to the client (every event), every
``RECHECK_SECONDS``, and when the token expires. The first check that fails closes the socket
with 4403 and tells the GraphQL app the client left.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from pymongo.errors import PyMongoError
from starlette.types import Message, Receive, Scope, Send

from app.authenticator import Authenticator
from app.principal import Principal
from models.errors import Unauthenticated

SESSION_KEY = "crm.session"
WS_FORBIDDEN = 4403
# How soon a socket is closed after its user is deactivated or its token expires.
RECHECK_SECONDS = 0.5


class SocketSession:
    def __init__(
        self,
        authenticator: Authenticator,
        authorization: str,
        principal: Principal,
        expires_at: float,
        send: Send,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._authenticator = authenticator
        self._authorization = authorization
        self.principal = principal
        self._expires_at = expires_at
        self._send = send
        self._clock = clock
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.closed = False

    async def current(self) -> Principal:
        """The socket's principal now. When its token no longer holds, the socket is closed
        and Unauthenticated raised."""
        if self.closed:
            raise Unauthenticated("The connection is closed.")
        try:
            self.principal, self._expires_at = await self._authenticator.session_for(
                self._authorization
            )
        except Unauthenticated as error:
            await self.close(error.message)
            raise
        return self.principal

    async def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        await self._send({"type": "websocket.close", "code": WS_FORBIDDEN, "reason": reason})
        self._incoming.put_nowait({"type": "websocket.disconnect", "code": WS_FORBIDDEN})

    @contextlib.asynccontextmanager
    async def running(
        self, scope: Scope, receive: Receive, replay: list[Message]
    ) -> AsyncIterator[tuple[Receive, Send]]:
        """The ``receive`` and ``send`` of the GraphQL app, ``replay`` first (the handshake was
        already answered: the app's ``accept`` is dropped)."""
        scope[SESSION_KEY] = self
        for message in replay:
            self._incoming.put_nowait(message)
        tasks = [asyncio.create_task(self._pump(receive)), asyncio.create_task(self._watch())]
        try:
            yield self._app_receive(len(replay)), self._app_send
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _app_receive(self, replayed: int) -> Receive:
        unchecked = replayed

        async def receive() -> Message:
            nonlocal unchecked
            message = await self._incoming.get()
            if unchecked:
                unchecked -= 1
            elif message["type"] == "websocket.receive" and not await self._holds():
                return {"type": "websocket.disconnect", "code": WS_FORBIDDEN}
            return message

        return receive

    async def _app_send(self, message: Message) -> None:
        if message["type"] == "websocket.accept" or self.closed:
            return
        if message["type"] == "websocket.send" and not await self._holds():
            return
        await self._send(message)

    async def _holds(self) -> bool:
        try:
            await self.current()
        except Unauthenticated:
            return False
        except PyMongoError:
            # The database is away (app/db.py brings it back): the identity last read holds
            # until it answers again, never past the token's expiry.
            if self._clock() < self._expires_at:
                return True
            await self.close("The token expired.")
            return False
        return True

    async def _pump(self, receive: Receive) -> None:
        """Hands the client's messages to the app, through a queue that ``close`` can end."""
        while True:
            message = await receive()
            self._incoming.put_nowait(message)
            if message["type"] == "websocket.disconnect":
                return

    async def _watch(self) -> None:
        """Checks the token when it expires and every ``RECHECK_SECONDS`` until then."""
        while await self._holds():
            until_expiry = self._expires_at - self._clock()
            await asyncio.sleep(max(0.0, min(RECHECK_SECONDS, until_expiry)))
