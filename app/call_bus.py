"""The call bus: ONE change stream per process on ``call_events``, fanned out in memory.

Every service process watches the collection once and hands each new version of a call to the
subscribers of that call's company in this process (agent desktops, the telephony side). A call
reported to any process thus reaches the subscribers of every process, and the number of
database cursors does not grow with the number of subscribers.

The stream's resume token is kept after every batch, empty ones included. When the stream fails
(a lost database connection, a failover) it is reopened from that token, so no change is skipped
and none is delivered twice; pymongo's own single resume attempt comes first. Only when the
database no longer holds the token's position (``ChangeStreamHistoryLost``) does the bus start
again from the present, and it logs that changes were lost.

A token names a position in one server's history. A server that was killed may come back without
the last writes it acknowledged before (the embedded server flushes its journal every few
moments), and so without the position a token names: resumed from such a token, the stream
would silently skip the changes that reuse those positions. When the server answering is not the
one the token came from (``hello``'s ``topologyVersion.processId``), the stream is reopened at
the time of the last change delivered (``startAtOperationTime``) instead, skipping the changes of
that very time it delivered already.

Stopping waits at most :data:`STOP_SECONDS`; a cancellation that pymongo swallows (it can turn
one into a server-selection error) does not keep the stream reopening.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bson import Timestamp
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure, PyMongoError

log = logging.getLogger(__name__)

_PIPELINE = [{"$match": {"operationType": {"$in": ["insert", "replace", "update"]}}}]
# Server error codes after which the token cannot be used again.
_TOKEN_UNUSABLE = frozenset({260, 280, 286})  # InvalidResumeToken, ChangeStreamFatalError, …Lost
# Changes waiting for one subscriber; a subscriber that falls this far behind is dropped.
MAX_PENDING = 1000
STOP_SECONDS = 2.0


@dataclass(frozen=True)
class CallChange:
    """One new version of a call. ``shared`` is the same dict for every subscriber of this
    process that receives the change: work derived from it (rows it refers to) is done once.
    ``position``: the change's resume token, where a subscriber who saw it resumes from."""

    operation: str
    document: dict[str, Any]
    position: dict[str, Any]
    shared: dict[str, Any] = field(default_factory=dict)


class SubscriberFellBehind(Exception):
    """The subscriber did not take its changes as fast as they came; it must subscribe again."""


_END = object()
_FELL_BEHIND = object()


class Subscription:
    """The changes of one company that ``accept`` lets through, in the order they happened."""

    def __init__(self, accept: Callable[[CallChange], bool], max_pending: int) -> None:
        self._accept = accept
        self._queue: asyncio.Queue[Any] = asyncio.Queue(max_pending + 1)
        self._max_pending = max_pending
        self._done = False

    def offer(self, change: CallChange) -> None:
        if self._done or not self._accept(change):
            return
        if self._queue.qsize() >= self._max_pending:
            self.finish(_FELL_BEHIND)
            return
        self._queue.put_nowait(change)

    def finish(self, reason: object = _END) -> None:
        if self._done:
            return
        self._done = True
        if reason is _FELL_BEHIND:  # what is queued is dropped: the subscriber starts over
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(reason)

    def __aiter__(self) -> AsyncIterator[CallChange]:
        return self

    async def __anext__(self) -> CallChange:
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)
            raise StopAsyncIteration
        if item is _FELL_BEHIND:
            raise SubscriberFellBehind("Too many call events were waiting; subscribe again.")
        return item


class CallBus:
    def __init__(
        self,
        collection: Callable[[], AsyncCollection],
        *,
        retry_delay: float = 0.2,
        max_retry_delay: float = 2.0,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._collection = collection
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._max_pending = max_pending
        self._subscribers: dict[Any, set[Subscription]] = {}
        self._resume_token: dict[str, Any] | None = None
        # The server the token came from, the time of the last change delivered (or of the
        # first opening) and the changes of that time delivered: where a restarted server
        # resumes from.
        self._server: Any = None
        self._time: Timestamp | None = None
        self._delivered_at_time: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._first_attempt = asyncio.Event()
        self.is_watching = False

    @property
    def position(self) -> dict[str, Any] | None:
        """The stream's resume token: every change at or before it is already stored."""
        return self._resume_token

    async def start(self) -> None:
        """Opens the stream; returns once the first attempt is made, so that every change
        written after ``start`` is delivered."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call-bus")
        await self._first_attempt.wait()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_SECONDS)
            self._task = None
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                subscription.finish()
        self._subscribers.clear()

    @contextlib.contextmanager
    def subscribe(
        self, tenant_id: Any, accept: Callable[[CallChange], bool]
    ) -> Iterator[Subscription]:
        """The changes of ``tenant_id``'s calls that ``accept`` takes, while the block runs."""
        subscription = Subscription(accept, self._max_pending)
        self._subscribers.setdefault(tenant_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscription.finish()
            subscribers = self._subscribers.get(tenant_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[tenant_id]

    def publish(self, change: CallChange) -> None:
        for subscription in list(self._subscribers.get(change.document.get("tenant_id"), ())):
            subscription.offer(change)

    async def _run(self) -> None:
        delay = self._retry_delay
        while not self._stopping:
            try:
                async with await self._open() as stream:
                    self.is_watching = True
                    self._first_attempt.set()
                    delay = self._retry_delay
                    await self._follow(stream)
            except OperationFailure as error:
                if error.code in _TOKEN_UNUSABLE:
                    log.error(
                        "call bus: the change stream cannot resume (%s); starting from now, "
                        "call events written meanwhile are not delivered",
                        error,
                    )
                    self._resume_token = None
                else:
                    log.warning("call bus: change stream failed; reopening", exc_info=True)
            except PyMongoError:
                log.warning("call bus: change stream lost; reopening in %.1f s", delay)
            self.is_watching = False
            self._first_attempt.set()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_delay)

    async def _open(self) -> AsyncChangeStream:
        collection = self._collection()
        hello = await collection.database.client.admin.command("hello")
        server = (hello.get("topologyVersion") or {}).get("processId")
        if self._resume_token is not None and self._time is not None and server != self._server:
            log.warning(
                "call bus: the database server was restarted; resuming from the time of the "
                "last call event delivered"
            )
            stream = await collection.watch(
                _PIPELINE, full_document="updateLookup", start_at_operation_time=self._time
            )
        else:
            stream = await collection.watch(
                _PIPELINE, full_document="updateLookup", resume_after=self._resume_token
            )
        if self._resume_token is None:
            self._resume_token = stream.resume_token
            self._time = hello.get("operationTime")
        self._server = server
        return stream

    async def _follow(self, stream: AsyncChangeStream) -> None:
        while stream.alive and not self._stopping:
            change = await stream.try_next()
            # Kept after empty batches too: the position stays recent in a quiet collection.
            self._resume_token = stream.resume_token
            if (
                change is not None
                and self._first_time_delivered(change)
                and change.get("fullDocument") is not None
            ):
                document, position = change["fullDocument"], change["_id"]
                self.publish(CallChange(change["operationType"], document, position))

    def _first_time_delivered(self, change: dict[str, Any]) -> bool:
        """Records ``change`` as delivered; False when it was already (a stream reopened at
        the time of the last change delivered sees the changes of that time again)."""
        time, token = change.get("clusterTime"), change["_id"]["_data"]
        if time is None:
            return True
        if self._time is None or time > self._time:
            self._time, self._delivered_at_time = time, {token}
            return True
        if time < self._time:  # a server whose clock went back: nothing to tell it by
            return True
        if token in self._delivered_at_time:
            return False
        self._delivered_at_time.add(token)
        return True
