"""Where finished exports wait to be downloaded: ``<data dir>/exports/<job id>.<xlsx|csv>``, for
``CRM_EXPORT_RETENTION_HOURS`` after they were written; then a sweep deletes them."""

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from pathlib import Path

from beanie import PydanticObjectId

from app.settings import Settings
from models.export_job import ExportFormat

log = logging.getLogger(__name__)

# How often a running service deletes the files past their retention.
SWEEP_INTERVAL_SECONDS = 3600


def retention(settings: Settings) -> timedelta:
    return timedelta(hours=settings.export_retention_hours)


def exports_dir(settings: Settings) -> Path:
    return settings.data_dir / "exports"


def export_path(settings: Settings, job_id: PydanticObjectId | None, format: ExportFormat) -> Path:
    return exports_dir(settings) / f"{job_id}.{format.value.lower()}"


def sweep_expired_exports(settings: Settings) -> int:
    """Deletes the export files written longer than the retention ago; returns how many."""
    cutoff = time.time() - retention(settings).total_seconds()
    deleted = 0
    for path in exports_dir(settings).glob("*"):
        with contextlib.suppress(FileNotFoundError):  # another process swept it meanwhile
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
    return deleted


async def sweep_exports_forever(settings: Settings) -> None:
    """At start-up, then every :data:`SWEEP_INTERVAL_SECONDS`, until cancelled."""
    while True:
        deleted = await asyncio.to_thread(sweep_expired_exports, settings)
        if deleted:
            log.info("deleted %d export files past their retention", deleted)
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
