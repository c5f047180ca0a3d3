"""Runs an import job in the background: reads the file from the row after its checkpoint and
writes it batch by batch (resolvers/imports/writing.py), every row whole or not at all.

A row is matched to a stored contact by ``matchOn``; in CREATE_ONLY mode a matched row is
skipped, in UPSERT mode it updates that contact (or is skipped when it changes nothing, so a file
imported twice changes nothing the second time). A row repeating an earlier row's ``matchOn``
value fails, naming that row: which of the two is right is for a person to say. Blank cells never
clear a stored value.
"""

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beanie import PydanticObjectId

from app.import_jobs import RunningJob, finish
from app.principal import Principal, PrincipalKind
from app.services import Services
from app.sheet_limits import ReaderLimits, SpreadsheetError
from app.sheet_reading import open_sheet
from models.background_job import JobStatus
from models.company import Company
from models.crm import Crm
from models.field_definition import FieldEntity
from models.import_columns import catalogue
from models.import_job import FailedRow, ImportJob, ImportMode, RowProblem
from models.sortable import SEPARATOR
from models.timestamps import utcnow
from models.user import User
from resolvers.context import Context
from resolvers.generated.custom_types import EntityTypes, generate
from resolvers.imports.cells import ParsedRow, RowReader
from resolvers.imports.columns import contact_definitions
from resolvers.imports.matching import Matcher
from resolvers.imports.references import Pending, Reference, References
from resolvers.imports.rows import Outcome, checked, new_contact, stored_form, unchanged
from resolvers.imports.storage import upload_path
from resolvers.imports.writing import Batch, JobStopped, Write, commit
from resolvers.segmentation.contact_segment import current_segmentation

BATCH_SIZE = 500
UNREADABLE = "The file cannot be read any more: "
Cells = list[Any]


async def _next_rows(rows: Iterator[tuple[int, Cells]]) -> list[tuple[int, Cells]]:
    """The next batch of rows, read in a thread: they come from the reader's child process."""
    return await asyncio.to_thread(lambda: list(itertools.islice(rows, BATCH_SIZE)))


def background_context(services: Services, user: User, company: Company) -> Context:
    """The context a job's checks run in: the user who started it, no request."""
    principal = Principal(PrincipalKind.USER, user=user, company=company)
    return Context(request=None, response=None, services=services, principal=principal)  # type: ignore[arg-type]


@dataclass
class _Candidate:
    row: ParsedRow
    current: dict[str, Any] | None
    document: dict[str, Any]
    references: dict[str, Reference]


@dataclass
class ImportRun:
    running: RunningJob
    job: ImportJob
    ctx: Context
    crm: Crm
    types: EntityTypes
    reader: RowReader
    references: References
    matcher: Matcher
    processed: int = 0
    # The unique values rows of this file took, and the first row to take each.
    unique_claims: dict[str, int] = field(default_factory=dict)
    # The contacts rows update, and the first row that does (another one then fails: rows
    # matching on a phone may name one contact with different numbers).
    updating: dict[Any, int] = field(default_factory=dict)

    @property
    def upsert(self) -> bool:
        return self.job.mode is ImportMode.UPSERT

    async def resume(self, rows: Iterator[tuple[int, Cells]]) -> Iterator[tuple[int, Cells]]:
        """Skips the rows up to the checkpoint, remembering the match values of those that did
        not fail (a later row repeating one still fails, as it would have)."""
        checkpoint = self.job.checkpoint
        if checkpoint == 0:
            return rows
        failed: set[int] = set()
        if self.matcher.match_on is not None:
            cursor = FailedRow.get_pymongo_collection().find(
                {"job_id": self.job.id, "row": {"$lte": checkpoint}}, {"row": 1}
            )
            failed = {doc["row"] async for doc in cursor}
        while batch := await _next_rows(rows):
            for index, (number, cells) in enumerate(batch):
                if number > checkpoint:
                    return itertools.chain(batch[index:], rows)
                if self.matcher.match_on is not None and number not in failed:
                    self.matcher.claim(number, self.matcher.keys(self.reader.read(number, cells)))
        return iter(())

    def _match(
        self, row: ParsedRow, keys: list[str], stored: list[dict[str, Any]], batch_keys: dict
    ) -> tuple[bool, dict[str, Any] | None]:
        """(skip the row, the contact it updates)."""
        matcher = self.matcher
        if matcher.match_on is None or matcher.field is None:
            return False, None
        if matcher.field not in row.values and self.upsert:
            row.problem(
                matcher.field,
                f"Needed to match the row with a contact (matchOn: {matcher.match_on}).",
            )
        earlier = matcher.repeated(keys) or next(
            (batch_keys[key] for key in keys if key in batch_keys), None
        )
        if earlier is not None:
            row.problem(matcher.field, f"Repeats the {matcher.match_on} of row {earlier}.")
            return False, None
        if stored and not self.upsert:
            return True, None
        if len(stored) > 1:
            row.problem(
                matcher.field,
                f"{len(stored)} contacts of this CRM have this {matcher.match_on}; "
                "which one to update cannot be told.",
            )
            return False, None
        if not stored and matcher.match_on == "id" and keys:
            row.problem(matcher.field, "No contact with this id in this CRM.")
        if not stored:
            return False, None
        earlier = self.updating.setdefault(stored[0]["_id"], row.number)
        if earlier != row.number:
            row.problem(matcher.field, f"Row {earlier} updates the same contact.")
        return False, stored[0]

    async def plan(self, rows: list[tuple[int, Cells]]) -> Batch:
        """What becomes of each row of the batch; the match values of the rows kept are
        claimed (a later row repeating one fails)."""
        now = utcnow()
        self.crm.segmentation = await current_segmentation(self.crm)
        batch = Batch(self.job.id, self.job.tenant_id, rows[-1][0], now, processed=len(rows))
        parsed = []
        for number, cells in rows:
            row = self.reader.read(number, cells)
            if row.blank:
                batch.count(Outcome.SKIPPED)
            else:
                parsed.append(row)
        keyed = [(row, self.matcher.keys(row)) for row in parsed]
        stored = await self.matcher.lookup(keyed)
        references = await self.references.resolve(parsed)
        batch_keys: dict[str, int] = {}
        kept_keys: dict[int, list[str]] = {}
        candidates: list[_Candidate] = []
        for row, keys in keyed:
            skip, current = self._match(row, keys, stored.get(row.number, []), batch_keys)
            if skip:
                batch.count(Outcome.SKIPPED)
            else:
                base = current or new_contact(self.ctx, self.crm, PydanticObjectId(), now)
                document = await checked(self.ctx, self.crm, self.types, row, base)
                if document is None:
                    batch.fail(row.number, row.cells, row.problems)
                    continue
                candidates.append(_Candidate(row, current, document, references[row.number]))
            kept_keys[row.number] = keys
            batch_keys.update(dict.fromkeys(keys, row.number))
        await self._write_plan(batch, candidates, now)
        failed = {f["row"] for f in batch.failures}
        for number, keys in kept_keys.items():
            if number not in failed:
                self.matcher.claim(number, keys)
        return batch

    async def _write_plan(self, batch: Batch, candidates: list[_Candidate], now: Any) -> None:
        pending = {
            id(ref): ref
            for c in candidates
            for ref in c.references.values()
            if isinstance(ref, Pending)
        }
        if not self.job.dry_run:
            await self.references.create(pending.values())
        valid = []
        for c in candidates:
            refused = [(f, ref) for f, ref in c.references.items() if getattr(ref, "refused", None)]
            for field_name, ref in refused:
                c.row.problem(field_name, ref.refused)
            if refused:
                batch.fail(c.row.number, c.row.cells, c.row.problems)
                continue
            if c.current is not None:
                c.document["updated_at"] = now
            valid.append(c)
        # Concurrently: deriving a contact's keys may read the database (its organization's
        # name), and a batch should not wait for 500 round trips in turn.
        documents = await asyncio.gather(
            *(
                stored_form(c.document, c.current or {}, c.references, self.types, self.crm)
                for c in valid
            )
        )
        writes = []
        for c, document in zip(valid, documents, strict=True):
            if c.current is not None and unchanged(document, c.current):
                batch.count(Outcome.SKIPPED)
                continue
            outcome = Outcome.UPDATED if c.current is not None else Outcome.CREATED
            columns = {
                f.removeprefix("custom."): source
                for f, source in c.row.sources.items()
                if f.startswith("custom.")
            }
            writes.append(Write(c.row.number, c.row.cells, document, outcome, columns))
        kept, refused = self._unique_values_free(writes)
        for write in kept:
            batch.count(write.outcome)
            batch.writes.append(write)
        for write, problem in refused:
            batch.fail(write.number, write.cells, [problem])

    def _unique_values_free(
        self, writes: list[Write]
    ) -> tuple[list[Write], list[tuple[Write, RowProblem]]]:
        """The writes whose unique values no other stored contact holds, nor an earlier row,
        and the others with their problem (the index would refuse them anyway: this names the
        row, and keeps the transaction from being tried again)."""
        holders, claims = self.matcher.unique_holders, self.unique_claims
        kept: list[Write] = []
        refused: list[tuple[Write, RowProblem]] = []
        for write in writes:
            own, values = write.document["_id"], write.document.get("uniq") or []
            taken = next(
                (
                    e
                    for e in values
                    if holders.get(e, own) != own or claims.get(e, write.number) != write.number
                ),
                None,
            )
            if taken is None:
                claims.update(dict.fromkeys(values, write.number))
                kept.append(write)
                continue
            column, value = write.columns.get(taken.split(SEPARATOR, 1)[0], (None, None))
            message = (
                f"Another contact ({holders[taken]}) already has this value."
                if holders.get(taken, own) != own
                else f"Row {claims[taken]} has this value too."
            )
            refused.append((write, RowProblem(column=column, value=value or None, message=message)))
        return kept, refused

    async def run(self, rows: Iterator[tuple[int, Cells]]) -> None:
        """Plans each batch while the one before it is being written: the database and this
        process work at the same time. A batch is planned knowing the match values of the
        batches before it (:meth:`plan` claims them); what the database still refuses when the
        batch is written becomes a failed row then (writing.py)."""
        rows = await self.resume(rows)
        writing: asyncio.Task | None = None
        try:
            while batch_rows := await _next_rows(rows):
                batch = await self.plan(batch_rows)
                if self.job.dry_run:
                    batch.writes = []
                if writing is not None:
                    await writing
                writing = asyncio.create_task(self._commit(batch))
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()

    async def _commit(self, batch: Batch) -> None:
        await commit(self.running, batch, self.processed)
        self.processed += batch.processed
        self.ctx.services.jobs.progress.changed(self.job.id)


async def _set_up(services: Services, running: RunningJob, job: ImportJob) -> ImportRun | str:
    """The run of a job, or why it cannot run."""
    company = await Company.get(job.tenant_id)
    user = await User.find_one({"_id": job.user_id, "tenant_id": job.tenant_id})
    crm = await Crm.find_one({"_id": job.crm_id, "tenant_id": job.tenant_id})
    if company is None or user is None or crm is None:
        return "The company, the CRM or the user who started the import no longer exists."
    if not company.settings.crm_enabled:
        return "The CRM was disabled for the company."
    definitions = await contact_definitions(job.tenant_id)
    columns = {c.field: c for c in catalogue(definitions)}
    plans = [p for p in job.columns if p.field is None or p.field in columns]
    references = References(job.tenant_id, crm, job.create_missing_references)
    await references.load()
    column = next(
        (c for c in columns.values() if job.match_on and c.match_key == job.match_on), None
    )
    if job.match_on is not None and column is None:
        return f"The field {job.match_on} that rows are matched on is no longer unique."
    matcher = Matcher(
        job.tenant_id,
        crm.id,
        job.match_on,
        column.field if column else None,
        company.settings.default_phone_region,
        column.definition if column else None,
    )
    await matcher.load(unique_fields=any(d.unique for d in definitions))
    return ImportRun(
        running=running,
        job=job,
        ctx=background_context(services, user, company),
        crm=crm,
        types=generate(FieldEntity.CONTACT, definitions),
        reader=RowReader(plans, columns),
        references=references,
        matcher=matcher,
        processed=job.processed,
    )


async def run_import(services: Services, running: RunningJob) -> None:
    """The handler of import jobs (app/import_jobs.py)."""
    job = ImportJob.model_validate(running.document)
    path = upload_path(services.settings, job.id, job.file_kind)
    prepared = await _set_up(services, running, job)
    if isinstance(prepared, str):
        await _end(running, path, JobStatus.FAILED, prepared)
        return
    if job.started_at is None:
        await running.collection.update_one(running.guard(), {"$set": {"started_at": utcnow()}})
    limits = ReaderLimits.of(services.settings)
    try:
        sheet = await asyncio.to_thread(open_sheet, path, job.file_kind, job.sheet, limits)
    except (SpreadsheetError, OSError) as error:
        await _end(running, path, JobStatus.FAILED, f"{UNREADABLE}{error}")
        return
    try:
        await prepared.run(sheet.rows())
    except SpreadsheetError as error:  # the reader failed (or was killed) on the way
        await _end(running, path, JobStatus.FAILED, f"{UNREADABLE}{error}")
        return
    except JobStopped:
        current = await running.collection.find_one(running.guard(), {"cancel_requested": 1})
        if current is not None and current.get("cancel_requested"):
            await _end(running, path, JobStatus.CANCELLED)
        return
    finally:
        sheet.close()
    await _end(running, path, JobStatus.COMPLETED)


async def _end(
    running: RunningJob, path: Path, status: JobStatus, message: str | None = None
) -> None:
    if await finish(running, status, message):
        with contextlib.suppress(OSError):
            await asyncio.to_thread(path.unlink, missing_ok=True)
