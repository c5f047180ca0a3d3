"""``crm import`` and ``crm export``: an operator's imports and exports, run in the command's own
process on the service's database (the same jobs the API runs; a service process resumes an
import whose command was stopped). They act as the company's first administrator."""

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson import json_util

from app.services import Services
from app.settings import Settings
from models.company import Company
from models.crm import Crm
from models.errors import DomainError
from models.export_job import ExportFormat, ExportJob
from models.import_job import ImportJob, ImportMode
from models.import_messages import locale_language
from models.timestamps import utcnow
from models.user import Role, User
from models.values import name_key
from resolvers.exports.storage import export_path
from resolvers.imports.failed_rows import errors_csv
from resolvers.imports.jobs import register_job_handlers
from resolvers.imports.upload import CHUNK, ImportRequest, create_import_job
from resolvers.records.listing import list_query

BAR_WIDTH = 30
PROGRESS_SECONDS = 0.5
# An import's counts, as its summary names them; a dry run writes nothing, so it says "would".
COUNTS = {"created": "created", "updated": "updated", "skipped": "skipped", "failed": "failed"}
DRY_RUN_COUNTS = {
    **COUNTS,
    "created": "would create",
    "updated": "would update",
    "skipped": "would skip",
}


class CommandError(Exception):
    """Ends the command with this message."""


@dataclass(frozen=True)
class Target:
    company: Company
    crm: Crm
    user: User


async def _target(company_name: str, crm_name: str) -> Target:
    company = await Company.find_one({"name_key": name_key(company_name)})
    if company is None:
        raise CommandError(f"no company named {company_name}")
    crm = await Crm.find_one({"tenant_id": company.id, "name_key": name_key(crm_name)})
    if crm is None:
        raise CommandError(f"company {company.name} has no CRM named {crm_name}")
    admins = (
        await User.find({"tenant_id": company.id, "roles": Role.ADMIN.value, "active": True})
        .sort("created_at")
        .limit(1)
        .to_list()
    )
    if not admins:
        raise CommandError(f"company {company.name} has no active administrator to act as")
    return Target(company, crm, admins[0])


def progress_bar(job: dict[str, Any]) -> str:
    """The job's line: a bar (empty while nothing is counted yet), and an import's counts."""
    total, done = job.get("total") or 0, job.get("processed") or 0
    filled = BAR_WIDTH * done // total if total else 0
    labels = DRY_RUN_COUNTS if job.get("dry_run") else COUNTS
    counts = ", ".join(f"{label} {job[name]:,}" for name, label in labels.items() if name in job)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    status = f"{job.get('status', '')}{' (dry run: nothing written)' if job.get('dry_run') else ''}"
    return f"\r[{bar}] {done:,}/{total:,} rows  {counts}  {status}"


async def _run_showing_progress(
    services: Services, model: type, job_id: Any, show: Callable[[dict], None]
) -> dict[str, Any]:
    running = asyncio.create_task(services.jobs.run_claimed(model, job_id))
    collection = model.get_pymongo_collection()
    while not running.done():
        show(await collection.find_one({"_id": job_id}) or {})
        await asyncio.wait({running}, timeout=PROGRESS_SECONDS)
    await running
    job = await collection.find_one({"_id": job_id}) or {}
    show(job)
    return job


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, CHUNK):
            yield chunk


async def _with_services(settings: Settings, work: Callable[[Services], Any]) -> Any:
    services = Services.create(settings)
    await services.database.connect()
    register_job_handlers(services)
    try:
        return await work(services)
    finally:
        await services.database.close()


@dataclass(frozen=True)
class ImportOutcome:
    job: dict[str, Any]
    # The failed rows with the reason of each, beside the imported file; None: no row failed.
    errors_file: Path | None


async def _write_failed_rows(job_id: Any, path: Path) -> Path:
    """``FILE.errors.csv`` beside ``path``: the rows to fix and import again."""
    job = await ImportJob.get(job_id)
    assert job is not None
    target = path.with_name(f"{path.name}.errors.csv")
    with target.open("w", encoding="utf-8", newline="") as file:
        async for line in errors_csv(job, locale_language(os.environ)):
            file.write(line)
    return target


def import_file(
    settings: Settings,
    path: Path,
    company: str,
    crm: str,
    *,
    mode: ImportMode,
    match_on: str | None,
    dry_run: bool,
    create_missing_references: bool,
    sheet: str | None,
    show: Callable[[dict], None],
) -> ImportOutcome:
    """Imports ``path``: the finished job (as stored) and the file of its failed rows."""
    if not path.is_file():
        raise CommandError(f"no file {path}")

    async def work(services: Services) -> ImportOutcome:
        target = await _target(company, crm)
        request = ImportRequest(
            crm=target.crm,
            user=target.user,
            file_name=path.name,
            mode=mode,
            match_on=match_on,
            dry_run=dry_run,
            create_missing_references=create_missing_references,
            sheet=sheet,
        )
        claim = {**services.jobs.lease(), "attempts": 1}
        try:
            job = await create_import_job(services, request, _file_chunks(path), claim)
        except DomainError as error:
            details = error.extensions.get("fieldErrors") or []
            lines = [error.message, *(f"  {e['field']}: {e['message']}" for e in details)]
            raise CommandError("\n".join(lines)) from error
        done = await _run_showing_progress(services, ImportJob, job.id, show)
        errors_file = await _write_failed_rows(job.id, path) if done.get("failed") else None
        return ImportOutcome(done, errors_file)

    return asyncio.run(_with_services(settings, work))


def export_file(
    settings: Settings,
    output: Path,
    company: str,
    crm: str,
    *,
    format: ExportFormat,
    show: Callable[[dict], None],
) -> dict[str, Any]:
    """Writes the CRM's live contacts to ``output`` and returns the finished job."""

    async def work(services: Services) -> dict[str, Any]:
        target = await _target(company, crm)
        listed = list_query({"crm_id": target.crm.id, "deleted": False}, [], None, None)
        job = ExportJob(
            tenant_id=target.company.id,
            crm_id=target.crm.id,
            user_id=target.user.id,
            file_name=output.name,
            format=format,
            query=json_util.dumps(listed.query),
            created_at=utcnow(),
            attempts=1,
            **services.jobs.lease(),
        )
        await job.insert()
        done = await _run_showing_progress(services, ExportJob, job.id, show)
        if done.get("status") == "COMPLETED":
            stored = export_path(settings, job.id, format)
            await asyncio.to_thread(shutil.move, stored, output)
        return done

    return asyncio.run(_with_services(settings, work))


def print_progress(job: dict[str, Any]) -> None:
    sys.stderr.write(progress_bar(job))
    sys.stderr.flush()
