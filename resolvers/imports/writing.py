"""Writes one batch of an import in one transaction: its contacts, its failed rows and the job's
checkpoint and counts. So a crash at any moment leaves the job's counts saying exactly what the
database holds, and the batch after the checkpoint is simply done again.

The unique index may still refuse a contact (another request took the value meanwhile): the
transaction is then dropped, the row becomes a failed row, and the rest is written again.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import InsertOne, ReplaceOne
from pymongo.errors import BulkWriteError, PyMongoError

from app.import_jobs import RunningJob
from models.contact import Contact
from models.import_job import FailedRow, RowProblem
from models.import_values import cell_text
from resolvers.imports.rows import Outcome
from resolvers.records.store import Row
from resolvers.records.uniqueness import unique_conflict

DUPLICATE_KEY = 11000
TRANSIENT = "TransientTransactionError"
MAX_TRANSIENT_RETRIES = 5


class JobStopped(Exception):
    """The job was cancelled, or another process holds it now: nothing of the batch is kept."""


@dataclass
class Write:
    number: int
    cells: list[Any]
    document: Row
    outcome: Outcome  # CREATED or UPDATED
    # The column of each unique field, to report a refusal where it belongs.
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Batch:
    """The outcome of each row of a batch, before it is written."""

    job_id: Any
    tenant_id: Any
    last_row: int
    now: datetime
    writes: list[Write] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    processed: int = 0

    def fail(self, number: int, cells: list[Any], problems: list[RowProblem]) -> None:
        self.counts[Outcome.FAILED] += 1
        self.counts["errors"] += len(problems)
        self.failures.append(
            FailedRow(
                job_id=self.job_id,
                tenant_id=self.tenant_id,
                row=number,
                values=[cell_text(cell) for cell in cells],
                problems=problems,
                created_at=self.now,
            ).model_dump(exclude={"id", "revision_id"})
        )

    def count(self, outcome: Outcome) -> None:
        self.counts[outcome] += 1

    def job_update(self, processed_before: int) -> dict[str, Any]:
        return {
            "$set": {"checkpoint": self.last_row, "processed": processed_before + self.processed},
            "$inc": {
                "created": self.counts[Outcome.CREATED],
                "updated": self.counts[Outcome.UPDATED],
                "skipped": self.counts[Outcome.SKIPPED],
                "failed": self.counts[Outcome.FAILED],
                "error_count": self.counts["errors"],
            },
        }


def _operation(write: Write) -> Any:
    if write.outcome is Outcome.CREATED:
        return InsertOne(write.document)
    document = write.document
    return ReplaceOne({"_id": document["_id"], "tenant_id": document["tenant_id"]}, document)


async def _refusal(write: Write) -> RowProblem:
    conflict = await unique_conflict(Contact.get_pymongo_collection(), write.document)
    column, value = write.columns.get(conflict.extensions.get("field") or "", (None, None))
    holder = conflict.extensions.get("existingId")
    message = (
        f"Another contact ({holder}) already has this value."
        if holder
        else "Another contact already has a value of a unique field of this row."
    )
    return RowProblem(column=column, value=value or None, message=message)


async def commit(running: RunningJob, batch: Batch, processed_before: int) -> None:
    """Writes the batch, or raises JobStopped having written nothing of it."""
    contacts = Contact.get_pymongo_collection()
    client = contacts.database.client
    failed_rows = FailedRow.get_pymongo_collection()
    transient = 0
    while True:
        try:
            async with client.start_session() as session, await session.start_transaction():
                if batch.writes:
                    await contacts.bulk_write(
                        [_operation(w) for w in batch.writes], ordered=True, session=session
                    )
                if batch.failures:
                    await failed_rows.insert_many(batch.failures, session=session)
                result = await running.collection.update_one(
                    {**running.guard(), "cancel_requested": {"$ne": True}},
                    batch.job_update(processed_before),
                    session=session,
                )
                if result.matched_count == 0:
                    raise JobStopped()
            return
        except BulkWriteError as error:
            first = error.details["writeErrors"][0]
            if first.get("code") != DUPLICATE_KEY:
                raise
            refused = batch.writes.pop(first["index"])
            batch.counts[refused.outcome] -= 1
            batch.fail(refused.number, refused.cells, [await _refusal(refused)])
        except PyMongoError as error:
            if not error.has_error_label(TRANSIENT) or transient >= MAX_TRANSIENT_RETRIES:
                raise
            transient += 1
