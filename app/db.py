"""The database connection: ``CRM_MONGODB_URI``, or the embedded server when it is unset."""

import asyncio
import logging

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from app.embedded import EmbeddedServer
from app.settings import Settings
from models.registry import DOCUMENT_MODELS

log = logging.getLogger(__name__)


class Database:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedded: EmbeddedServer | None = None
        self._client: AsyncMongoClient | None = None

    @property
    def db(self) -> AsyncDatabase:
        if self._client is None:
            raise RuntimeError("the database is not connected")
        return self._client[self._settings.database]

    async def connect(self) -> None:
        uri = self._settings.mongodb_uri
        if uri is None:
            storage = self._settings.data_dir / "embedded"
            self._embedded = await asyncio.to_thread(EmbeddedServer(storage).attach_or_start)
            uri = self._embedded.uri
        self._client = AsyncMongoClient(uri, tz_aware=True)
        # Creates the indexes declared on the models.
        await init_beanie(database=self.db, document_models=DOCUMENT_MODELS)

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None
