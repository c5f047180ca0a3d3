"""Recomputes the segments of a CRM's contacts in the background (R8), after its segmentation, or
a custom field it classifies, changed. The API keeps answering meanwhile: a contact shows its
previous segment until the job reaches it.

The job's state is part of the CRM's segmentation (``segmentation.job``) and is written by the
same update as the change that asks for it (:func:`request_update`), so a request is never lost:
a process that stops mid-job leaves it PENDING or RUNNING, and :meth:`SegmentationJobs.resume`
runs it again at start-up, from the start (recomputing is idempotent). Every write of the job's
progress names the segmentation ``version`` it works for; once a newer change bumped the
version, those writes match nothing and the job gives way to the one that change started.

The contacts are read in one scan of the CRM and written with one ``bulk_write`` per batch, only
those whose segment changes. Each write names the contact's ``updated_at`` and ``sk`` as they
were read: a contact written meanwhile (by the API, which computes its segment itself, or by a
rebuild of its keys) is read again and recomputed, never overwritten with a segment of its older
state.

Start-up reads the unfinished jobs of every company: it is the service's own bookkeeping, not a
request; each job then reads and writes only its CRM's contacts, scoped by the CRM's company.
Several service processes on one database may each resume the same job: the work is then done
twice, with the same result.
"""

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne

from app.batches import in_batches
from models.contact import Contact
from models.crm import Crm
from models.field_definition import FieldDefinition, FieldEntity
from models.segmentation import (
    JobStatus,
    Scorer,
    Segmentation,
    SegmentationJobState,
    segment_sk,
)
from models.timestamps import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A batch whose contacts keep being written meanwhile is left to those writes after this.
ATTEMPTS = 3
UNFINISHED = [JobStatus.PENDING.value, JobStatus.RUNNING.value]


def request_update() -> dict[str, Any]:
    """The part of a CRM update that asks for a recomputation; the change the segments depend on
    goes in the same update."""
    return {
        "$set": {"segmentation.job": SegmentationJobState().model_dump(mode="json")},
        "$inc": {"segmentation.version": 1},
    }


def segment_change(scorer: Scorer, contact: Mapping[str, Any]) -> dict[str, Any] | None:
    """The update that gives ``contact`` (as read) its segment, or None when it has it."""
    segment = scorer.stored_segment(contact)
    sk = contact.get("sk") or []
    new_sk = segment_sk(sk, segment)
    if segment == contact.get("segment") and new_sk == sk:
        return None
    if segment is None:
        return {"$set": {"sk": new_sk}, "$unset": {"segment": ""}}
    return {"$set": {"sk": new_sk, "segment": segment}}


def segment_update(scorer: Scorer, contact: Mapping[str, Any]) -> UpdateOne | None:
    """:func:`segment_change` as a write that only applies to the contact as it was read."""
    change = segment_change(scorer, contact)
    if change is None:
        return None
    # No hint: ``_id`` leads, and the engine looks it up (a hint would walk the whole index).
    guard = {
        "_id": contact["_id"],
        "tenant_id": contact["tenant_id"],
        "updated_at": contact.get("updated_at"),
        "sk": contact.get("sk"),
    }
    return UpdateOne(guard, change)


def projection(scorer: Scorer) -> dict[str, int]:
    """What a recomputation reads of a contact: what the scores read, and what its write names."""
    read = ["tenant_id", "updated_at", "sk", "segment", *scorer.paths]
    return dict.fromkeys(read, 1)


async def recompute(scorer: Scorer, contacts: list[dict[str, Any]], scope: dict[str, Any]) -> int:
    """Gives each contact (read with :func:`projection`) its segment; returns how many writes
    were made. ``scope`` is the CRM's: contacts written meanwhile are read again within it."""
    collection = Contact.get_pymongo_collection()
    written = 0
    for _ in range(ATTEMPTS):
        updates = {c["_id"]: u for c in contacts if (u := segment_update(scorer, c)) is not None}
        if not updates:
            break
        result = await collection.bulk_write(list(updates.values()), ordered=False)
        written += result.matched_count
        if result.matched_count == len(updates):
            break
        query = {"_id": {"$in": list(updates)}, **scope}
        contacts = await collection.find(query, projection(scorer)).to_list()
    return written


class _Progress:
    """Writes the job's state, as long as the segmentation is still at ``version``."""

    def __init__(self, crm_id: ObjectId, version: int) -> None:
        self.crm_id = crm_id
        self.version = version

    async def set(self, **fields: Any) -> bool:
        """False: a newer change superseded this job."""
        result = await Crm.get_pymongo_collection().update_one(
            {"_id": self.crm_id, "segmentation.version": self.version},
            {"$set": {f"segmentation.job.{name}": value for name, value in fields.items()}},
        )
        return result.matched_count == 1


async def run_job(crm_id: ObjectId) -> None:
    """Recomputes the CRM's contacts for its current segmentation, if its job is unfinished."""
    row = await Crm.get_pymongo_collection().find_one(
        {"_id": crm_id}, {"tenant_id": 1, "segmentation": 1}
    )
    if row is None:
        return
    segmentation = Segmentation.model_validate(row.get("segmentation") or {})
    if segmentation.job is None or segmentation.job.status not in UNFINISHED:
        return
    progress = _Progress(crm_id, segmentation.version)
    try:
        await _run(progress, row["tenant_id"], segmentation)
    except Exception:
        error_id = uuid.uuid4().hex
        log.exception("segmentation job of CRM %s failed, error %s", crm_id, error_id)
        await progress.set(
            status=JobStatus.FAILED.value,
            finished_at=utcnow(),
            error=f"The recomputation failed; the service log has error {error_id}.",
        )


async def _run(progress: _Progress, tenant_id: ObjectId, segmentation: Segmentation) -> None:
    definitions = await FieldDefinition.find(
        {"tenant_id": tenant_id, "entity": FieldEntity.CONTACT}
    ).to_list()
    scorer = Scorer(segmentation, definitions)
    # The CRM leads: the engine reads the CRM's contacts on an index that starts with it.
    scope = {"crm_id": progress.crm_id, "tenant_id": tenant_id}
    collection = Contact.get_pymongo_collection()
    total = await collection.count_documents(scope)
    started = await progress.set(
        status=JobStatus.RUNNING.value,
        processed=0,
        total=total,
        started_at=utcnow(),
        finished_at=None,
        error=None,
    )
    if not started:
        return
    processed = 0
    cursor = collection.find(scope, projection(scorer), batch_size=BATCH_SIZE)
    async for batch in in_batches(cursor, BATCH_SIZE):
        await recompute(scorer, batch, scope)
        processed += len(batch)
        if not await progress.set(processed=processed):
            return
    # Contacts added during the scan may have been counted in it: the bar ends full.
    await progress.set(
        status=JobStatus.DONE.value,
        processed=processed,
        total=max(total, processed),
        finished_at=utcnow(),
    )


class SegmentationJobs:
    """The jobs running in this process: at most one per CRM. A CRM's job asked for while one
    runs makes that one start over once it ends, so the last request always runs after it."""

    def __init__(self) -> None:
        self._tasks: dict[ObjectId, asyncio.Task[None]] = {}
        self._wanted: set[ObjectId] = set()

    def start(self, crm_id: ObjectId) -> None:
        self._wanted.add(crm_id)
        if crm_id not in self._tasks:
            self._tasks[crm_id] = asyncio.create_task(self._run(crm_id))

    async def _run(self, crm_id: ObjectId) -> None:
        try:
            while crm_id in self._wanted:
                self._wanted.discard(crm_id)
                await run_job(crm_id)
        finally:
            del self._tasks[crm_id]

    async def resume(self) -> int:
        """At start-up: starts every job a stopped process left unfinished; returns how many."""
        rows = Crm.get_pymongo_collection().find(
            {"segmentation.job.status": {"$in": UNFINISHED}}, {"_id": 1}
        )
        crm_ids = [row["_id"] async for row in rows]
        for crm_id in crm_ids:
            self.start(crm_id)
        return len(crm_ids)

    async def stop(self) -> None:
        """At shutdown: the jobs stop where they are, unfinished; the next start-up resumes them."""
        tasks = list(self._tasks.values())
        self._wanted.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


JOBS = SegmentationJobs()


async def request_recompute(tenant_id: ObjectId, crm_id: ObjectId) -> None:
    """Asks for the CRM's contacts to be recomputed (its segmentation itself did not change)."""
    result = await Crm.get_pymongo_collection().update_one(
        {"_id": crm_id, "tenant_id": tenant_id}, request_update()
    )
    if result.matched_count:
        JOBS.start(crm_id)
