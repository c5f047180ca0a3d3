"""Contact imports (R4.2): the job of one uploaded file, and the rows of it that failed.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first contact row 2.
A job is checkpointed after every batch of rows: the batch's contacts, its failed rows and the
job's counts are written in one transaction, so that ``checkpoint`` (the last row whose outcome
is stored) and the counts always describe exactly what the database holds.
"""

from datetime import datetime
from enum import StrEnum

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from models.background_job import JobFields

MAX_ROWS = 1_000_000


class ImportMode(StrEnum):
    CREATE_ONLY = "CREATE_ONLY"
    UPSERT = "UPSERT"


class FileKind(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"


class ColumnPlan(BaseModel):
    """A column of the file and the field it fills (None: ignored on purpose)."""

    index: int
    header: str
    field: str | None


class ImportJob(Document, JobFields):
    file_kind: FileKind
    sheet: str | None = None
    mode: ImportMode = ImportMode.CREATE_ONLY
    # "email", "phone", "id" or the key of a unique custom field.
    match_on: str | None = None
    dry_run: bool = False
    create_missing_references: bool = False
    headers: list[str] = Field(default_factory=list)
    columns: list[ColumnPlan] = Field(default_factory=list)
    unknown_columns: list[str] = Field(default_factory=list)
    # The last row whose outcome is stored, numbered as a spreadsheet shows rows (the header is
    # row 1 in most files); 0 before the first batch.
    checkpoint: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    # ImportRowError entries (a failed row has one or more).
    error_count: int = 0

    class Settings:
        name = "import_jobs"
        indexes = [
            IndexModel(
                [("tenant_id", ASCENDING), ("crm_id", ASCENDING), ("created_at", DESCENDING)],
                name="jobs_of_crm",
            ),
            IndexModel([("status", ASCENDING)], name="unfinished"),
        ]


class RowProblem(BaseModel):
    column: str | None
    value: str | None
    message: str


class FailedRow(Document):
    """One failed row: its cells as they were in the file, and what is wrong with it."""

    job_id: PydanticObjectId
    tenant_id: PydanticObjectId
    row: int
    values: list[str]
    problems: list[RowProblem]
    created_at: datetime

    class Settings:
        name = "import_failed_rows"
        indexes = [
            IndexModel([("job_id", ASCENDING), ("row", ASCENDING)], name="rows_of_job", unique=True)
        ]
