"""Runs an export job in the background: one scan of the CRM's contacts that match the filter,
on an index the engine picks within the CRM, streamed into the file page by page. An export
interrupted by a crash is simply done again from the start."""

import asyncio
from typing import Any

from bson import json_util

from app.import_jobs import RunningJob, finish
from app.services import Services
from app.spreadsheets import CsvWriter, XlsxWriter
from models.background_job import JobStatus
from models.contact import Contact
from models.crm import Crm
from models.export_job import ExportFormat, ExportJob
from models.import_columns import catalogue
from models.timestamps import utcnow
from resolvers.common.pagination import count_matching, match_stages
from resolvers.exports.cells import Names, cells
from resolvers.exports.storage import export_path
from resolvers.imports.columns import contact_definitions

PAGE_SIZE = 500


async def run_export(services: Services, running: RunningJob) -> None:
    """The handler of export jobs (app/import_jobs.py)."""
    job = ExportJob.model_validate(running.document)
    crm = await Crm.find_one({"_id": job.crm_id, "tenant_id": job.tenant_id})
    if crm is None:
        await finish(running, JobStatus.FAILED, "The CRM no longer exists.")
        return
    columns = catalogue(await contact_definitions(job.tenant_id))
    # The CRM is the job's company's (read above): its id bounds the scan to its contacts.
    query = {**json_util.loads(job.query), "crm_id": crm.id}
    contacts = Contact.get_pymongo_collection()
    total = await count_matching(contacts, query)
    await running.collection.update_one(
        running.guard(), {"$set": {"total": total, "processed": 0, "started_at": utcnow()}}
    )
    names = Names(crm)
    await names.load_positions()
    path = export_path(services.settings, job.id, job.format)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [column.header for column in columns]
    writer = (
        XlsxWriter(path, header) if job.format is ExportFormat.XLSX else CsvWriter(path, header)
    )
    try:
        page: list[dict[str, Any]] = []
        rows = await contacts.aggregate(match_stages(query), batchSize=PAGE_SIZE)
        async for contact in rows:
            page.append(contact)
            if len(page) == PAGE_SIZE:
                await _write(running, services, writer, page, columns, names)
                page = []
        if page:
            await _write(running, services, writer, page, columns, names)
    finally:
        await asyncio.to_thread(writer.close)
    await finish(running, JobStatus.COMPLETED)


async def _write(
    running: RunningJob,
    services: Services,
    writer: Any,
    page: list[dict[str, Any]],
    columns: Any,
    names: Names,
) -> None:
    await names.load_organizations(page)
    for contact in page:
        writer.write(cells(contact, columns, names))
    await running.collection.update_one(running.guard(), {"$set": {"processed": writer.rows}})
    services.jobs.progress.changed(running.id)
    await asyncio.sleep(0)
