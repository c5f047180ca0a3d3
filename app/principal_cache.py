"""Principals kept between requests, for as long as what they were read from is unchanged.

A user's principal is read from three collections (users, companies, projects), a telephony
token's from one (companies). The cache serves a principal only while both hold:

- this process has sent no write to those collections since it was read. A pymongo command
  listener, registered for every client of the process, sees each such write as it is sent and
  as it completes, synchronously: a change made through this process (a deactivation, new roles,
  a project's members, the company's settings or fields) takes effect on the very next request;
- a change stream on those collections is open and has reported no change since. Changes that
  other processes make (another service instance, the CLI) take effect as soon as the stream
  delivers them, within milliseconds. While the stream is not open, nothing is served.

A principal read while either may have changed is used for its request but not kept.
"""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from pymongo import monitoring
from pymongo.errors import InvalidOperation, PyMongoError

from app.principal import Principal
from models.company import Company
from models.project import Project
from models.user import User

log = logging.getLogger(__name__)

SOURCES = frozenset(model.Settings.name for model in (User, Company, Project))
_WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
MAX_PRINCIPALS = 10_000
RETRY_DELAY = 0.2
MAX_RETRY_DELAY = 5.0


class _LocalWrites(monitoring.CommandListener):
    """Counts the writes this process sends to :data:`SOURCES`: once when sent, once when done,
    so that a read that overlapped the write in any order is never kept."""

    def __init__(self) -> None:
        self.count = 0
        self._pending: set[int] = set()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _WRITES and event.command.get(event.command_name) in SOURCES:
            self._pending.add(event.request_id)
            self.count += 1

    def _finished(self, request_id: int) -> None:
        if request_id in self._pending:
            self._pending.discard(request_id)
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finished(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finished(event.request_id)


LOCAL_WRITES = _LocalWrites()
# Taken by every client made from now on: this module is imported before the service connects.
monitoring.register(LOCAL_WRITES)

Version = tuple[int, int]


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    version: Version


class PrincipalCache:
    def __init__(self, max_size: int = MAX_PRINCIPALS) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._max_size = max_size
        self._changes = 0  # changes the stream reported, and its openings and losses
        self._watching = False
        self._task: asyncio.Task[None] | None = None

    def _version(self) -> Version:
        return (LOCAL_WRITES.count, self._changes)

    async def principal(self, key: Hashable, read: Callable[[], Awaitable[Principal]]) -> Principal:
        """The principal ``key`` names: kept, or ``read()`` (whose errors pass through)."""
        self._start_watching()
        version = self._version()
        entry = self._entries.get(key)
        if self._watching and entry is not None and entry.version == version:
            self._entries.move_to_end(key)
            return entry.principal
        watching = self._watching
        principal = await read()
        if watching and self._watching and self._version() == version:
            self._entries[key] = _Entry(principal, version)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_size:
                self._entries.popitem(last=False)
        return principal

    def _start_watching(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._watch(), name="principal-cache"
            )

    async def _watch(self) -> None:
        """Follows the changes of :data:`SOURCES` until the client is closed."""
        delay = RETRY_DELAY
        pipeline = [{"$match": {"ns.coll": {"$in": sorted(SOURCES)}}}]
        while True:
            try:
                database = User.get_pymongo_collection().database
                async with await database.watch(pipeline) as stream:
                    self._changes += 1  # what was read before the stream opened is not kept
                    self._watching = True
                    delay = RETRY_DELAY
                    async for _ in stream:
                        self._changes += 1
            except InvalidOperation:  # the client was closed: the process is stopping
                return
            except PyMongoError:
                log.warning("principal cache: change stream lost; reopening in %.1f s", delay)
            finally:
                self._watching = False
                self._changes += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
