"""The database connection: ``CRM_MONGODB_URI``, or the embedded server when it is unset.

A watchdog pings the database every :data:`CHECK_SECONDS` and keeps :attr:`Database.available`,
the last known state that ``/healthz`` reports. On the embedded server it also gets the database
back when it goes away: the child this process started is started again on the same port when it
exits; a server another process ran is started again by the first process to take the data
directory's lock, and the others follow the port it records (``app/embedded.py``), with a new
client when the port changed. A process that cannot get it back within
``CRM_DATABASE_LOST_EXIT_SECONDS`` calls :attr:`Database.on_gone` (``crm serve`` then exits with
the reason).

Requests wait at most ``CRM_DATABASE_WAIT_SECONDS`` for an unreachable database (pymongo's
default is 30 s); the error they then get is answered ``SERVICE_UNAVAILABLE``.
"""

import asyncio
import logging
import time
from collections.abc import Callable

import pymongo
from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from app.embedded import EmbeddedServer, EmbeddedServerError
from app.settings import Settings
from models.registry import DOCUMENT_MODELS

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.5
# The longest a ping waits: /readyz answers within it.
PING_SECONDS = 0.5
# One attempt to get the embedded database back waits this long for another process's server.
RECOVERY_WAIT_SECONDS = 2.0
CLOSE_SECONDS = 1.0


class Database:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedded: EmbeddedServer | None = None
        self._client: AsyncMongoClient | None = None
        self._watchdog: asyncio.Task[None] | None = None
        # Last known: False from the first failed ping until one succeeds again.
        self.available = False
        # Why the process gave the database up; ``on_gone`` is called with it.
        self.gone: str | None = None
        self.on_gone: Callable[[str], None] | None = None

    @property
    def db(self) -> AsyncDatabase:
        if self._client is None:
            raise RuntimeError("the database is not connected")
        return self._client[self._settings.database]

    async def connect(self) -> None:
        uri = self._settings.mongodb_uri
        if uri is None:
            self._embedded = EmbeddedServer(self._settings.data_dir / "embedded")
            await asyncio.to_thread(self._embedded.attach_or_start)
            uri = self._embedded.uri
        await self._use(uri)
        self.available = True
        self._watchdog = asyncio.create_task(self._watch(), name="database-watchdog")

    async def _use(self, uri: str) -> None:
        """Connects to ``uri``; the models (and so every collection handle taken from them
        afterwards) move to the new client, and the old one is closed."""
        previous = self._client
        self._client = AsyncMongoClient(
            uri,
            tz_aware=True,
            serverSelectionTimeoutMS=int(self._settings.database_wait_seconds * 1000),
        )
        # Creates the indexes declared on the models.
        await init_beanie(database=self.db, document_models=DOCUMENT_MODELS)
        if previous is not None:
            await _close_client(previous)

    async def ping(self) -> bool:
        """Whether the database answers within :data:`PING_SECONDS`."""
        if self._client is None:
            return False
        try:
            with pymongo.timeout(PING_SECONDS):
                await self.db.command("ping")
        except PyMongoError:
            return False
        return True

    async def ready(self) -> bool:
        """For ``/readyz``: the last known state, confirmed by a ping."""
        return self.available and await self.ping()

    async def _watch(self) -> None:
        lost_at: float | None = None
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            child_exited = self._embedded is not None and self._embedded.child_exited
            if not child_exited and await self.ping():
                if lost_at is not None:
                    log.warning("the database answers again")
                lost_at = None
                self.available = True
                continue
            self.available = False
            if lost_at is None:
                lost_at = time.monotonic()
                log.error("the database does not answer%s", "; starting it again" * child_exited)
            if self._embedded is not None:
                await self._recover(self._embedded)
                if time.monotonic() - lost_at > self._settings.database_lost_exit_seconds:
                    self._give_up(lost_at)
                    return

    async def _recover(self, embedded: EmbeddedServer) -> None:
        port = embedded.port
        try:
            await asyncio.to_thread(embedded.attach_or_start, RECOVERY_WAIT_SECONDS)
        except EmbeddedServerError as error:
            log.warning("the embedded database is not back: %s", error)
            return
        if embedded.port != port:
            log.warning("the embedded database moved to port %s", embedded.port)
            await self._use(embedded.uri)

    def _give_up(self, lost_at: float) -> None:
        self.gone = (
            f"the embedded database in {self._settings.data_dir} did not come back within "
            f"{time.monotonic() - lost_at:.0f} s (CRM_DATABASE_LOST_EXIT_SECONDS); see "
            f"{self._settings.data_dir / 'embedded' / 'secantusd.log'}"
        )
        log.critical("giving up: %s", self.gone)
        if self.on_gone is not None:
            self.on_gone(self.gone)

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.wait({self._watchdog}, timeout=CLOSE_SECONDS)
            self._watchdog = None
        if self._client is not None:
            await _close_client(self._client)
            self._client = None
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None


async def _close_client(client: AsyncMongoClient) -> None:
    """Closes ``client``, giving up after :data:`CLOSE_SECONDS` (its last commands wait for a
    database that may be gone)."""
    closing = asyncio.ensure_future(client.close())
    await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
