"""Deleting a CRM with everything that belongs to it (R2.5, issue 12.4).

``deleteCrm`` deletes the CRM's own document (its stages, sources, segmentation and the state of
its segmentation job go with it) and stores a :class:`CrmDeletion` in one transaction: from then
on every query naming the CRM answers NOT_FOUND, and writers that read it before (an import, a
segmentation job) find their next write refused or matching nothing. The job, run by the job
runner (``app/import_jobs.py``) under its lease, then deletes the records that name the CRM, kind
by kind, in batches: each batch is deleted in one transaction with the job's ``processed``, under
the lease, so a process that stops mid-way leaves exactly what the counts say and the next one
goes on from there. The writers are stopped first (import and export jobs, with their files and
failed rows), then the calls (with their CRM pushes), organizations and contacts. A last round
finds what was written meanwhile by a request that had read the CRM before it went.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from app.batches import in_batches
from app.import_jobs import RunningJob, finish
from app.services import Services
from models.background_job import JobStatus
from models.call_event import CallEvent
from models.contact import Contact, Organization
from models.crm_push import CrmPush
from models.export_job import ExportFormat, ExportJob
from models.import_job import FailedRow, FileKind, ImportJob
from models.project import Project
from models.timestamps import utcnow
from resolvers.exports.storage import export_path
from resolvers.imports.storage import upload_path

Row = dict[str, Any]
BATCH_SIZE = 500


class LeaseLost(Exception):
    """Another process holds the job now: this one stops writing."""


async def _forget_imports(services: Services, jobs: list[Row]) -> None:
    """The uploaded files and failed rows of import jobs (deleting again deletes nothing)."""
    for job in jobs:
        await FailedRow.get_pymongo_collection().delete_many({"job_id": job["_id"]})
        upload_path(services.settings, job["_id"], FileKind(job["file_kind"])).unlink(
            missing_ok=True
        )


async def _forget_exports(services: Services, jobs: list[Row]) -> None:
    for job in jobs:
        export_path(services.settings, job["_id"], ExportFormat(job["format"])).unlink(
            missing_ok=True
        )


async def _nothing_before(services: Services, rows: list[Row]) -> None:
    return None


async def _pushes_of_calls(calls: list[Row], session: AsyncClientSession) -> None:
    """The CRM pushes of the calls, found by the index that starts with the company and call."""
    await CrmPush.get_pymongo_collection().delete_many(
        {"tenant_id": calls[0]["tenant_id"], "call_id": {"$in": [c["call_id"] for c in calls]}},
        session=session,
    )


async def _nothing_along(rows: list[Row], session: AsyncClientSession) -> None:
    return None


@dataclass(frozen=True)
class RecordKind:
    """Records of one collection that name the CRM."""

    model: type[Document]
    # Whether the query names the company as well: where an index starts with it.
    by_company: bool
    projection: tuple[str, ...] = ()
    # Done before a batch is deleted, outside its transaction, and done again harmlessly.
    before: Callable[[Services, list[Row]], Awaitable[None]] = _nothing_before
    # Deleted in the batch's transaction.
    along: Callable[[list[Row], AsyncClientSession], Awaitable[None]] = _nothing_along

    def query(self, tenant_id: PydanticObjectId, crm_id: PydanticObjectId) -> Row:
        return {"tenant_id": tenant_id, "crm_id": crm_id} if self.by_company else {"crm_id": crm_id}

    def collection(self) -> Any:
        return self.model.get_pymongo_collection()


# In the order they are deleted: whoever writes into the CRM first.
IMPORTS = RecordKind(ImportJob, True, ("file_kind",), before=_forget_imports)
EXPORTS = RecordKind(ExportJob, True, ("format",), before=_forget_exports)
CALLS = RecordKind(CallEvent, True, ("tenant_id", "call_id"), along=_pushes_of_calls)
ORGANIZATIONS = RecordKind(Organization, False)
CONTACTS = RecordKind(Contact, False)
KINDS = (IMPORTS, EXPORTS, CALLS, ORGANIZATIONS, CONTACTS)


@dataclass(frozen=True)
class CrmUsage:
    """What uses a CRM: projects refuse its deletion, the records go with it on ``cascade``."""

    first_project_id: PydanticObjectId | None
    projects: int
    contacts: int
    organizations: int
    # Everything the deletion job deletes (contacts and organizations in the trash included).
    records: int


async def crm_usage(
    tenant_id: PydanticObjectId, crm_id: PydanticObjectId, session: AsyncClientSession
) -> CrmUsage:
    in_use = {"tenant_id": tenant_id, "crm_id": crm_id}
    projects = Project.get_pymongo_collection()
    first = await projects.find_one(in_use, {"_id": 1}, session=session)
    counts = {
        kind.model: await kind.collection().count_documents(
            kind.query(tenant_id, crm_id), session=session
        )
        for kind in KINDS
    }
    return CrmUsage(
        first_project_id=first["_id"] if first else None,
        projects=await projects.count_documents(in_use, session=session) if first else 0,
        contacts=counts[Contact],
        organizations=counts[Organization],
        records=sum(counts.values()),
    )


async def _delete_batch(
    services: Services, job: RunningJob, kind: RecordKind, rows: list[Row]
) -> int:
    await kind.before(services, rows)
    ids = [row["_id"] for row in rows]

    async def delete(session: AsyncClientSession) -> int:
        await kind.along(rows, session)
        deleted = await kind.collection().delete_many({"_id": {"$in": ids}}, session=session)
        counted = await job.collection.update_one(
            job.guard(), {"$inc": {"processed": deleted.deleted_count}}, session=session
        )
        if counted.matched_count == 0:
            raise LeaseLost()
        return deleted.deleted_count

    async with kind.collection().database.client.start_session() as session:
        return await session.with_transaction(delete)


async def _round(services: Services, job: RunningJob) -> int:
    """Deletes every record of the CRM found now; returns how many."""
    tenant_id, crm_id = job.document["tenant_id"], job.document["crm_id"]
    deleted = 0
    for kind in KINDS:
        projection = dict.fromkeys(kind.projection, 1)
        cursor = kind.collection().find(kind.query(tenant_id, crm_id), {"_id": 1, **projection})
        async for rows in in_batches(cursor, BATCH_SIZE):
            deleted += await _delete_batch(services, job, kind, rows)
    return deleted


async def run_crm_deletion(services: Services, job: RunningJob) -> None:
    """The job runner's handler of :class:`CrmDeletion`: started or resumed, it deletes what is
    left, then rounds again until one finds nothing (records written meanwhile)."""
    if job.document.get("started_at") is None:
        await job.collection.update_one(job.guard(), {"$set": {"started_at": utcnow()}})
    try:
        while await _round(services, job):
            pass
    except LeaseLost:
        return
    stored = await job.collection.find_one(job.guard())
    if stored is None:
        return
    # Records written after the deletion was asked for were counted as they went.
    total = max(stored["total"], stored["processed"])
    await job.collection.update_one(job.guard(), {"$set": {"total": total}})
    await finish(job, JobStatus.COMPLETED)
