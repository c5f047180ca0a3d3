"""Reads kept between requests, for as long as what they were read from is unchanged.

Every request needs its principal (users, companies, projects) and most need a CRM (crms): a few
small documents that rarely change, each a round trip to the database, which costs as much as the
query the request is for. A :class:`KeptReads` serves such a read again only while both hold:

- this process has sent no write to the collections it was read from since. A pymongo command
  listener, registered for every client of the process, sees each such write as it is sent and
  as it completes, synchronously: a change made through this process (a deactivation, new roles,
  a project's members, a CRM's stages) takes effect on the very next request;
- the process's change stream on those collections (:class:`ChangeFeed`) is open and has
  reported no change of them since. Changes that other processes make (another service
  instance, the CLI) take effect as soon as the stream delivers them, within milliseconds. While
  the stream is not open, nothing is served.

A read made while either may have changed is used for its request but not kept.
"""

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any

from pymongo import monitoring
from pymongo.errors import InvalidOperation, PyMongoError

from models.company import Company
from models.crm import Crm
from models.project import Project
from models.user import User

log = logging.getLogger(__name__)

PRINCIPAL_SOURCES = frozenset(model.Settings.name for model in (User, Company, Project))
CRM_SOURCES = frozenset({Crm.Settings.name})
WATCHED = PRINCIPAL_SOURCES | CRM_SOURCES
_WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
MAX_ENTRIES = 10_000
RETRY_DELAY = 0.2
MAX_RETRY_DELAY = 5.0


class _LocalWrites(monitoring.CommandListener):
    """Counts the writes this process sends to each :data:`WATCHED` collection: once when sent,
    once when done, so that a read that overlapped the write in any order is never kept."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._pending: dict[int, str] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _WRITES:
            return
        collection = event.command.get(event.command_name)
        if collection in WATCHED:
            self._pending[event.request_id] = collection
            self.counts[collection] += 1

    def _finished(self, request_id: int) -> None:
        collection = self._pending.pop(request_id, None)
        if collection is not None:
            self.counts[collection] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finished(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finished(event.request_id)


LOCAL_WRITES = _LocalWrites()
# Taken by every client made from now on: this module is imported before the service connects.
monitoring.register(LOCAL_WRITES)


class ChangeFeed:
    """One change stream of the process on :data:`WATCHED` and the observed collections, opened
    by the first read that asks, followed until the database client is closed."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.epoch = 0  # bumped when the stream opens or is lost
        self.watching = False
        self._observers: dict[str, list[Callable[[Mapping[str, Any]], None]]] = {}
        self._task: asyncio.Task[None] | None = None

    def observe(self, collection: str, observer: Callable[[Mapping[str, Any]], None]) -> None:
        """Streams ``collection`` too, handing each of its change events to ``observer`` as it
        arrives. Observers are added before the feed starts."""
        assert self._task is None, "the stream is already open"
        self._observers.setdefault(collection, []).append(observer)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="kept-reads")

    async def _watch(self) -> None:
        delay = RETRY_DELAY
        streamed = sorted(WATCHED | self._observers.keys())
        pipeline = [{"$match": {"ns.coll": {"$in": streamed}}}]
        while True:
            try:
                database = User.get_pymongo_collection().database
                async with await database.watch(pipeline) as stream:
                    self.epoch += 1  # what was read before the stream opened is not kept
                    self.watching = True
                    delay = RETRY_DELAY
                    async for change in stream:
                        collection = change["ns"]["coll"]
                        self.counts[collection] += 1
                        for observer in self._observers.get(collection, ()):
                            observer(change)
            except InvalidOperation:  # the client was closed: the process is stopping...
                if User.get_pymongo_collection().database.client is database.client:
                    return
                # ...or the database moved to another port (app/db.py): reopened on the new one
            except PyMongoError:
                log.warning("kept reads: change stream lost; reopening in %.1f s", delay)
            finally:
                self.watching = False
                self.epoch += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)


class KeptReads:
    """Reads of ``sources`` (collection names, all of :data:`WATCHED`) kept by key, at most
    ``max_size`` of them, the least recently used going first."""

    def __init__(
        self, feed: ChangeFeed, sources: Iterable[str], max_size: int = MAX_ENTRIES
    ) -> None:
        self._feed = feed
        self._sources = sorted(sources)
        self._entries: OrderedDict[Hashable, tuple[Any, tuple[int, ...]]] = OrderedDict()
        self._max_size = max_size

    def _version(self) -> tuple[int, ...]:
        changes = self._feed.counts
        return (
            self._feed.epoch,
            *(LOCAL_WRITES.counts[source] + changes[source] for source in self._sources),
        )

    async def get(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        """What ``read()`` gives for ``key``: kept, or read now (its errors pass through)."""
        self._feed.start()
        version = self._version()
        watching = self._feed.watching
        kept = self._entries.get(key)
        if watching and kept is not None and kept[1] == version:
            self._entries.move_to_end(key)
            return kept[0]
        value = await read()
        if watching and self._feed.watching and self._version() == version:
            self._entries[key] = (value, version)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_size:
                self._entries.popitem(last=False)
        return value
