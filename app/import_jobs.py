"""Background jobs (imports, exports) run by the service processes themselves.

Each job document holds a lease: the process running it (``owner``: host, process id and a token)
and until when its claim holds (``lease_until``), renewed while the job runs. Any process claims
a job that is queued, whose lease ran out, or whose owner on this host is no longer alive (so a
service restarted after a crash resumes its jobs at once, not a lease later). A claim is one
atomic update guarded by the lease it replaces: two processes never run one job.

What a job does is its handler's business, registered per document model by the code that
knows it (``app/server.py``, the CLI): resuming from its checkpoint, writing only while
:meth:`RunningJob.guard` still matches. A job that keeps interrupting its process ends FAILED
after :data:`MAX_ATTEMPTS`, with the counts its checkpoints stored.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError

from models.background_job import UNFINISHED, JobStatus
from models.timestamps import utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
POLL_SECONDS = 5.0
MAX_RUNNING = 2
MAX_ATTEMPTS = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class RunningJob:
    """A job this process holds; the handler writes only while :meth:`guard` matches."""

    id: PydanticObjectId
    owner: str
    collection: Any
    document: dict[str, Any]
    lost: bool = False

    def guard(self) -> dict[str, Any]:
        return {"_id": self.id, "owner": self.owner}


Handler = Callable[[RunningJob], Awaitable[None]]


class JobProgress:
    """Wakes those waiting on a job (subscriptions) when this process changes it; they also
    re-read on a timeout, for jobs run by another process."""

    def __init__(self) -> None:
        self._events: dict[PydanticObjectId, asyncio.Event] = {}

    def changed(self, job_id: PydanticObjectId) -> None:
        event = self._events.pop(job_id, None)
        if event is not None:
            event.set()

    async def wait(self, job_id: PydanticObjectId, seconds: float) -> None:
        event = self._events.setdefault(job_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class JobRunner:
    owner: str = field(default_factory=new_owner)
    progress: JobProgress = field(default_factory=JobProgress)
    _handlers: dict[type[Document], Handler] = field(default_factory=dict, init=False)
    _running: dict[PydanticObjectId, asyncio.Task] = field(default_factory=dict, init=False)
    _wakeup: asyncio.Event | None = field(default=None, init=False)
    _loop_task: asyncio.Task | None = field(default=None, init=False)

    def register(self, model: type[Document], handler: Handler) -> None:
        self._handlers[model] = handler

    def lease(self) -> dict[str, Any]:
        """The fields of a job this process claims now."""
        return {
            "status": JobStatus.RUNNING.value,
            "owner": self.owner,
            "lease_until": utcnow() + timedelta(seconds=LEASE_SECONDS),
        }

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._loop_task = asyncio.create_task(self._poll(), name="job-runner")

    async def stop(self) -> None:
        """Stops polling and the jobs running here; their leases are released, so that the next
        process to look resumes them from their checkpoints."""
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = None

    def wake(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        if self._wakeup is not None:
            self._wakeup.set()

    async def _poll(self) -> None:
        assert self._wakeup is not None
        while True:
            try:
                await self._claim_all()
            except PyMongoError as error:  # the database is away: app/db.py says so, once
                log.debug("claiming background jobs failed (%s)", error)
            except Exception:
                log.exception("claiming background jobs failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), POLL_SECONDS)
            self._wakeup.clear()

    async def _claim_all(self) -> None:
        for model in self._handlers:
            while len(self._running) < MAX_RUNNING:
                claimed = await self._claim(model)
                if claimed is None:
                    break
                self._running[claimed.id] = asyncio.create_task(self._run(model, claimed))

    def _claimable(self, job: dict[str, Any], now: datetime) -> bool:
        owner, lease_until = job.get("owner"), job.get("lease_until")
        if owner is None or lease_until is None or lease_until < now:
            return True
        host, _, rest = owner.partition(":")
        pid, _, _ = rest.partition(":")
        if host != socket.gethostname() or owner == self.owner or not pid.isdigit():
            return False
        return int(pid) == os.getpid() or not _alive(int(pid))

    async def _claim(self, model: type[Document]) -> RunningJob | None:
        collection = model.get_pymongo_collection()
        now = utcnow()
        candidates = (
            await collection.find({"status": {"$in": UNFINISHED}}, {"owner": 1, "lease_until": 1})
            .limit(100)
            .to_list()
        )
        for job in candidates:
            if job["_id"] in self._running or not self._claimable(job, now):
                continue
            claimed = await collection.find_one_and_update(
                {
                    "_id": job["_id"],
                    "status": {"$in": UNFINISHED},
                    "owner": job.get("owner"),
                    "lease_until": job.get("lease_until"),
                },
                {"$set": self.lease(), "$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if claimed is not None:
                return RunningJob(claimed["_id"], self.owner, collection, claimed)
        return None

    async def run_claimed(self, model: type[Document], job_id: PydanticObjectId) -> None:
        """Runs, in this process and to its end, a job created already claimed by it (the
        CLI's imports and exports)."""
        collection = model.get_pymongo_collection()
        document = await collection.find_one({"_id": job_id, "owner": self.owner})
        if document is None:
            raise RuntimeError(f"job {job_id} is not held by this process")
        await self._run(model, RunningJob(job_id, self.owner, collection, document))

    async def _run(self, model: type[Document], job: RunningJob) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(job))
        try:
            if job.document.get("attempts", 1) > MAX_ATTEMPTS:
                await finish(
                    job,
                    JobStatus.FAILED,
                    f"The job was interrupted {MAX_ATTEMPTS} times; the counts say what it wrote.",
                )
                return
            if job.document.get("cancel_requested"):
                await finish(job, JobStatus.CANCELLED)
                return
            await self._handlers[model](job)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(job))
            raise
        except Exception:
            error_id = uuid.uuid4().hex
            log.exception("background job %s failed (error %s)", job.id, error_id)
            await finish(job, JobStatus.FAILED, f"Internal error {error_id}.")
        finally:
            heartbeat.cancel()
            self._running.pop(job.id, None)
            self.progress.changed(job.id)

    async def _heartbeat(self, job: RunningJob) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 4)
            result = await job.collection.update_one(
                job.guard(), {"$set": {"lease_until": self.lease()["lease_until"]}}
            )
            if result.matched_count == 0:
                job.lost = True
                return

    async def _release(self, job: RunningJob) -> None:
        with contextlib.suppress(Exception):
            await job.collection.update_one(job.guard(), {"$set": {"lease_until": _EPOCH}})


async def finish(job: RunningJob, status: JobStatus, message: str | None = None) -> bool:
    """Ends a job this process holds; False when it no longer holds it."""
    result = await job.collection.update_one(
        job.guard(),
        {
            "$set": {
                "status": status.value,
                "message": message,
                "finished_at": utcnow(),
                "owner": None,
                "lease_until": None,
            }
        },
    )
    return result.matched_count == 1
