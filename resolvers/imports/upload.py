"""Accepting a file for import: stored (within the size limit), read far enough to know its
columns and rows, checked with the options, and queued as a job. Anything wrong answers at once,
with the stored file removed: a refused import leaves nothing behind."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from beanie import PydanticObjectId

from app.services import Services
from app.sheet_limits import FileTooLarge, ReaderLimits, SheetNotFound, SpreadsheetError
from app.sheet_reading import SheetInfo, inspect_sheet
from models.crm import Crm
from models.errors import BadRequest, FieldError, ValidationFailed
from models.import_columns import ImportColumnSpec, catalogue, match_headers, missing_for_create
from models.import_job import MAX_ROWS, FileKind, ImportJob, ImportMode
from models.user import User
from resolvers.imports.columns import contact_definitions
from resolvers.imports.storage import upload_path

CHUNK = 1 << 20
MB = 1 << 20
MAX_FILE_NAME = 255


@dataclass(frozen=True)
class ImportRequest:
    crm: Crm
    user: User
    file_name: str
    mode: ImportMode = ImportMode.CREATE_ONLY
    match_on: str | None = None
    dry_run: bool = False
    create_missing_references: bool = False
    mapping: dict[str, str | None] | None = None
    sheet: str | None = None


def too_large(max_mb: int) -> BadRequest:
    return BadRequest(
        f"The file is larger than {max_mb} MB (CRM_IMPORT_MAX_MB).", field="file", maxMb=max_mb
    )


async def _store(chunks: AsyncIterator[bytes], path: Path, max_mb: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with path.open("wb") as file:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_mb * MB:
                raise too_large(max_mb)
            file.write(chunk)


def _check_options(
    request: ImportRequest, sheet: SheetInfo, columns: list[ImportColumnSpec]
) -> tuple[list, list[str]]:
    match = match_headers(sheet.headers, columns, request.mapping)
    problems = list(match.problems)
    if request.mode is ImportMode.CREATE_ONLY:
        for field in missing_for_create(match, columns):
            problems.append(FieldError("file", f"No column for {field}: new contacts need it."))
    if request.match_on is not None:
        column = next((c for c in columns if c.match_key == request.match_on), None)
        if column is None:
            problems.append(
                FieldError(
                    "options.matchOn", "Must be email, phone, id or the key of a unique field."
                )
            )
        elif column.field not in match.fields():
            problems.append(
                FieldError("options.matchOn", f"The file has no {column.field} column.")
            )
    elif request.mode is ImportMode.UPSERT:
        problems.append(FieldError("options.matchOn", "UPSERT needs the field rows match on."))
    if problems:
        raise ValidationFailed(problems)
    return match.plans, match.unknown


def _inspect(path: Path, sheet_name: str | None, limits: ReaderLimits) -> SheetInfo:
    """The file's sheet, read by the reader's child process; the file is renamed for its kind."""
    sheet = inspect_sheet(path, sheet_name, limits)
    path.rename(path.with_suffix(f".{sheet.kind.value}"))
    return sheet


async def create_import_job(
    services: Services,
    request: ImportRequest,
    chunks: AsyncIterator[bytes],
    claimed_by: dict | None = None,
) -> ImportJob:
    """Stores the file and queues its job; ``claimed_by`` (a lease) makes it the caller's to run."""
    job_id = PydanticObjectId()
    max_mb = services.settings.import_max_mb
    received = upload_path(services.settings, job_id, FileKind.CSV).with_suffix(".upload")
    try:
        await _store(chunks, received, max_mb)
        limits = ReaderLimits.of(services.settings)
        try:
            sheet = await asyncio.to_thread(_inspect, received, request.sheet, limits)
        except SheetNotFound as error:
            raise ValidationFailed.single("options.sheet", str(error)) from error
        except FileTooLarge as error:
            raise ValidationFailed.single("file", str(error)) from error
        except SpreadsheetError as error:
            raise BadRequest(str(error), field="file") from error
        if sheet.total > MAX_ROWS:
            raise BadRequest(
                f"The file has {sheet.total:,} rows; at most {MAX_ROWS:,} can be imported.",
                field="file",
                maxRows=MAX_ROWS,
            )
        columns = catalogue(await contact_definitions(request.crm.tenant_id))
        plans, unknown = _check_options(request, sheet, columns)
        job = ImportJob(
            id=job_id,
            tenant_id=request.crm.tenant_id,
            crm_id=request.crm.id,
            user_id=request.user.id,
            file_name=request.file_name[:MAX_FILE_NAME],
            file_kind=sheet.kind,
            sheet=request.sheet,
            mode=request.mode,
            match_on=request.match_on,
            dry_run=request.dry_run,
            create_missing_references=request.create_missing_references,
            headers=sheet.headers,
            columns=plans,
            unknown_columns=unknown,
            total=sheet.total,
            **(claimed_by or {}),
        )
        await job.insert()
    except BaseException:
        # Whichever name the file had got (renamed for its kind in a thread that may outlive a
        # cancelled request).
        for path in (received, *(upload_path(services.settings, job_id, k) for k in FileKind)):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    services.jobs.wake()
    return job
