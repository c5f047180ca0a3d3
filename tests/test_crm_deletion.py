"""R2.5, issue 12.4: deleting a CRM with its data.

``deleteCrm`` refuses a CRM that holds contacts or organizations (CONFLICT, with the counts) and
one that projects use, cascade or not; with ``cascade: true`` the CRM is gone at once and a
background job deletes everything that named it, in batches, resuming where a stopped process
left it. Other CRMs, of the company and of others, keep all of theirs.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from beanie import PydanticObjectId
from pymongo import ReturnDocument

from app.import_jobs import RunningJob
from app.services import Services
from models.background_job import JobStatus
from models.call_event import CallDirection, CallEvent, CallStatus, new_call
from models.contact import Contact, Organization
from models.crm_deletion import CrmDeletion
from models.crm_push import CrmPush, CtiEvent
from models.export_job import ExportFormat, ExportJob
from models.import_job import FailedRow, FileKind, ImportJob
from models.record_rows import new_record_row
from models.timestamps import utcnow
from resolvers.crms import deletion
from resolvers.exports.storage import export_path
from resolvers.imports.storage import upload_path
from tests.conftest import Tenant

# Bounded polling, 50 ms apart, of a job the runner was woken for.
POLLS = 400


@dataclass
class Seeded:
    """A CRM of a company and what the test stored in it."""

    tenant: Tenant
    crm_id: str
    contact_id: str  # made through the API
    files: list[Path]

    @property
    def ids(self) -> tuple[PydanticObjectId, PydanticObjectId]:
        return PydanticObjectId(self.tenant.id), PydanticObjectId(self.crm_id)


async def seed(services: Services, tenant: Tenant, name: str, *, calls: int = 2) -> Seeded:
    """A CRM holding 3 contacts (one in the trash), 1 organization, ``calls`` calls with a CRM
    push each, an import job with 2 failed rows and its file, and an export job and its file."""
    created = await tenant.admin.op("CreateCrm", input={"name": name})
    crm_id = created.data["createCrm"]["id"]
    contact = await tenant.admin.op(
        "CreateContact", input={"crmId": crm_id, "firstName": "Jan", "lastName": "Kowalski"}
    )
    contact_id = contact.data["createContact"]["id"]
    tenant_id, crm = PydanticObjectId(tenant.id), PydanticObjectId(crm_id)
    rows = [{**new_record_row(tenant_id, crm), "first_name": "Ala", "last_name": n} for n in "AB"]
    rows[1].update(deleted=True, deleted_at=utcnow())
    await Contact.get_pymongo_collection().insert_many(rows)
    await Organization.get_pymongo_collection().insert_one(
        {**new_record_row(tenant_id, crm), "name": "Firma"}
    )
    for n in range(calls):
        call_id = f"{crm_id}-{n}"
        await CallEvent.get_pymongo_collection().insert_one(
            new_call(
                tenant_id,
                call_id,
                direction=CallDirection.INBOUND.value,
                status=CallStatus.RINGING.value,
                crm_id=crm,
            )
        )
        await CrmPush(
            tenant_id=tenant_id,
            crm_id=crm,
            call_id=call_id,
            event=CtiEvent.NEW_CALL,
            order=0,
            body={},
        ).insert()
    job_fields = {"tenant_id": tenant_id, "crm_id": crm, "user_id": tenant_id, "file_name": "f"}
    done = JobStatus.COMPLETED
    imported = await ImportJob(**job_fields, status=done, file_kind=FileKind.CSV).insert()
    for row in (2, 3):
        await FailedRow(
            job_id=imported.id,
            tenant_id=tenant_id,
            row=row,
            values=["x"],
            problems=[],
            created_at=utcnow(),
        ).insert()
    exported = await ExportJob(
        **job_fields, status=done, format=ExportFormat.CSV, query="{}"
    ).insert()
    files = [
        upload_path(services.settings, imported.id, FileKind.CSV),
        export_path(services.settings, exported.id, ExportFormat.CSV),
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Imię\n")
    return Seeded(tenant, crm_id, contact_id, files)


async def stored(seeded: Seeded) -> dict[str, Any]:
    """How many documents of each collection belong to the CRM, and which of its files exist."""
    tenant_id, crm_id = seeded.ids
    of_crm = {"tenant_id": tenant_id, "crm_id": crm_id}
    counts = {
        model.Settings.name: await model.get_pymongo_collection().count_documents(of_crm)
        for model in (Contact, Organization, CallEvent, CrmPush, ImportJob, ExportJob)
    }
    jobs = await ImportJob.get_pymongo_collection().distinct("_id", of_crm)
    failed = FailedRow.get_pymongo_collection()
    counts["import_failed_rows"] = await failed.count_documents({"job_id": {"$in": jobs}})
    counts["files"] = sum(path.exists() for path in seeded.files)
    return counts


SEEDED = {
    "contacts": 3,
    "organizations": 1,
    "call_events": 2,
    "crm_pushes": 2,
    "import_jobs": 1,
    "export_jobs": 1,
    "import_failed_rows": 2,
    "files": 2,
}
NOTHING = dict.fromkeys(SEEDED, 0)
# What the job counts: contacts, organizations, calls and jobs.
RECORDS = 3 + 1 + 2 + 1 + 1


async def finished(seeded: Seeded) -> dict[str, Any]:
    for _ in range(POLLS):
        result = await seeded.tenant.admin.op("CrmDeletion", crmId=seeded.crm_id)
        assert not result.errors, result.errors
        job = result.data["crmDeletion"]
        if job["status"] not in ("QUEUED", "RUNNING"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the deletion did not finish: {job}")


async def crm_names(tenant: Tenant) -> list[str]:
    return [crm["name"] for crm in (await tenant.admin.op("Crms")).data["crms"]]


async def test_a_crm_holding_records_is_refused_with_the_counts(services, tenant):
    seeded = await seed(services, tenant, "Pełny")
    refused = await tenant.admin.op("DeleteCrm", id=seeded.crm_id)
    assert refused.error_code == "CONFLICT"
    extensions = refused.error["extensions"]
    assert (extensions["projectCount"], extensions["contactCount"]) == (0, 3)
    assert extensions["organizationCount"] == 1
    assert await stored(seeded) == SEEDED
    assert await crm_names(tenant) == ["Pełny"]
    assert (await tenant.admin.op("CrmDeletion", crmId=seeded.crm_id)).error_code == "NOT_FOUND"


async def test_cascade_is_refused_while_projects_use_the_crm(services, tenant):
    seeded = await seed(services, tenant, "Używany")
    project = await tenant.admin.op("CreateProject", input={"name": "P", "crmId": seeded.crm_id})
    refused = await tenant.admin.op("DeleteCrm", id=seeded.crm_id, cascade=True)
    assert refused.error_code == "CONFLICT"
    extensions = refused.error["extensions"]
    assert extensions["projectCount"] == 1
    assert extensions["existingId"] == project.data["createProject"]["id"]
    assert (extensions["contactCount"], extensions["organizationCount"]) == (3, 1)
    assert await stored(seeded) == SEEDED
    assert await crm_names(tenant) == ["Używany"]


async def test_cascade_deletes_the_crm_and_everything_of_it_and_nothing_else(
    services, tenant, new_tenant
):
    doomed = await seed(services, tenant, "Stary")
    kept = await seed(services, tenant, "Nowy")
    elsewhere = await seed(services, await new_tenant(), "Stary")
    await tenant.admin.op("UpdateCompanySettings", input={"defaultCrmId": doomed.crm_id})

    deleted = await tenant.admin.op("DeleteCrmWithDeletion", id=doomed.crm_id, cascade=True)
    assert not deleted.errors, deleted.errors
    answer = deleted.data["deleteCrm"]
    assert (answer["id"], answer["name"]) == (doomed.crm_id, "Stary")
    assert answer["deletion"]["total"] == RECORDS
    assert await crm_names(tenant) == ["Nowy"]
    assert (await tenant.admin.op("Crm", id=doomed.crm_id)).error_code == "NOT_FOUND"
    settings = await tenant.admin.op("CompanySettings")
    assert settings.data["companySettings"]["defaultCrmId"] is None

    job = await finished(doomed)
    assert (job["status"], job["processed"], job["total"]) == ("COMPLETED", RECORDS, RECORDS)
    assert job["crmName"] == "Stary"
    assert await stored(doomed) == NOTHING
    assert await stored(kept) == SEEDED
    assert await stored(elsewhere) == SEEDED


async def test_a_crm_with_no_records_is_deleted_with_its_calls_and_jobs(services, tenant):
    seeded = await seed(services, tenant, "Pusty")
    for model in (Contact, Organization):
        await model.get_pymongo_collection().delete_many({"crm_id": seeded.ids[1]})

    deleted = await tenant.admin.op("DeleteCrm", id=seeded.crm_id)
    assert deleted.data["deleteCrm"]["id"] == seeded.crm_id
    job = await finished(seeded)
    assert (job["status"], job["processed"]) == ("COMPLETED", 4)
    assert await stored(seeded) == NOTHING


async def test_another_companys_crm_is_not_found(services, tenant, new_tenant):
    seeded = await seed(services, tenant, "Cudzy")
    other = (await new_tenant()).admin
    for cascade in (False, True):
        refused = await other.op("DeleteCrm", id=seeded.crm_id, cascade=cascade)
        assert refused.error_code == "NOT_FOUND"
    assert await stored(seeded) == SEEDED
    assert not (await tenant.admin.op("DeleteCrm", id=seeded.crm_id, cascade=True)).errors
    assert (await other.op("CrmDeletion", crmId=seeded.crm_id)).error_code == "NOT_FOUND"
    await finished(seeded)


class ProcessDied(Exception):
    pass


class DiesAfter:
    """The job's collection as seen by a process killed after ``writes`` writes to its job: the
    next write never reaches the database (its transaction is left unfinished)."""

    def __init__(self, collection: Any, writes: int) -> None:
        self._collection = collection
        self._writes = writes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        if self._writes == 0:
            raise ProcessDied()
        self._writes -= 1
        return await self._collection.update_one(*args, **kwargs)


@asynccontextmanager
async def runner_stopped(services: Services) -> AsyncIterator[None]:
    """This process's job runner stopped: a job waits (or is held by another process)."""
    await services.jobs.stop()
    try:
        yield
    finally:
        await services.jobs.start()


async def test_the_crm_is_hidden_at_once_and_a_deletion_stopped_midway_resumes(
    services, tenant, monkeypatch
):
    monkeypatch.setattr(deletion, "BATCH_SIZE", 2)
    seeded = await seed(services, tenant, "Przerwany", calls=3)
    collection = CrmDeletion.get_pymongo_collection()
    owner = "elsewhere:1:dead"
    later = utcnow() + timedelta(hours=1)
    async with runner_stopped(services):
        assert not (await tenant.admin.op("DeleteCrm", id=seeded.crm_id, cascade=True)).errors
        # Held at once by a process of another host (a runner of a live service would take it).
        held = await collection.find_one_and_update(
            {"crm_id": PydanticObjectId(seeded.crm_id), "owner": None},
            {
                "$set": {
                    "status": "RUNNING",
                    "owner": owner,
                    "lease_until": later,
                },
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        assert held is not None, "another service process took the job first"

        # Gone from every query before anything of it is deleted.
        assert await stored(seeded) == {**SEEDED, "call_events": 3, "crm_pushes": 3}
        admin = tenant.admin
        assert await crm_names(tenant) == []
        for name, variables in (
            ("Crm", {"id": seeded.crm_id}),
            ("Contacts", {"crmId": seeded.crm_id}),
            ("Contact", {"id": seeded.contact_id}),
            ("Stages", {"crmId": seeded.crm_id}),
            (
                "CreateContact",
                {"input": {"crmId": seeded.crm_id, "firstName": "A", "lastName": "B"}},
            ),
            ("DeleteCrm", {"id": seeded.crm_id, "cascade": True}),
        ):
            assert (await admin.op(name, **variables)).error_code == "NOT_FOUND", name
        queued = (await admin.op("CrmDeletion", crmId=seeded.crm_id)).data["crmDeletion"]
        assert (queued["status"], queued["processed"], queued["total"]) == ("RUNNING", 0, 9)

        # Killed after its start and two batches (the import job, then the export job).
        running = RunningJob(held["_id"], owner, DiesAfter(collection, 3), held)
        with pytest.raises(ProcessDied):
            await deletion.run_crm_deletion(services, running)
        midway = await stored(seeded)
        assert midway == {
            **NOTHING,
            "contacts": 3,
            "organizations": 1,
            "call_events": 3,
            "crm_pushes": 3,
        }
        stopped = (await admin.op("CrmDeletion", crmId=seeded.crm_id)).data["crmDeletion"]
        assert (stopped["status"], stopped["processed"]) == ("RUNNING", 2)

        # Its lease runs out: the next runner resumes it.
        await collection.update_one({"_id": held["_id"]}, {"$set": {"lease_until": utcnow()}})
    job = await finished(seeded)
    assert (job["status"], job["processed"], job["total"]) == ("COMPLETED", 9, 9)
    assert await stored(seeded) == NOTHING
    assert (await collection.find_one({"_id": held["_id"]}))["attempts"] == 2
