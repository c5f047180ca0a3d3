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
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure, PyMongoError

log = logging.getLogger(__name__)

_PIPELINE = [{"$match": {"operationType": {"$in": ["insert", "replace", "update"]}}}]
# Server error codes after which the token cannot be used again.
_TOKEN_UNUSABLE = frozenset({260, 280, 286})  # InvalidResumeToken, ChangeStreamFatalError, …Lost
# Changes waiting for one subscriber; a subscriber that falls this far behind is dropped.
MAX_PENDING = 1000


@dataclass(frozen=True)
class CallChange:
    """One new version of a call. ``shared`` is the same dict for every subscriber of this
    process that receives the change: work derived from it (rows it refers to) is done once."""

    operation: str
    document: dict[str, Any]
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
        max_retry_delay: float = 5.0,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._collection = collection
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._max_pending = max_pending
        self._subscribers: dict[Any, set[Subscription]] = {}
        self._resume_token: dict[str, Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self.is_watching = False

    async def start(self) -> None:
        """Opens the stream; returns once the first attempt is made, so that every change
        written after ``start`` is delivered."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call-bus")
        await self._first_attempt.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
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
        while True:
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
        stream = await self._collection().watch(
            _PIPELINE, full_document="updateLookup", resume_after=self._resume_token
        )
        if self._resume_token is None:
            self._resume_token = stream.resume_token
        return stream

    async def _follow(self, stream: AsyncChangeStream) -> None:
        while stream.alive:
            change = await stream.try_next()
            # Kept after empty batches too: the position stays recent in a quiet collection.
            self._resume_token = stream.resume_token
            if change is not None and change.get("fullDocument") is not None:
                self.publish(CallChange(change["operationType"], change["fullDocument"]))
