"""GraphQL types of contact imports (R4.2)."""

from datetime import datetime

import strawberry

from models.background_job import JobStatus as JobStatusModel
from models.import_columns import ImportColumnSpec
from models.import_job import ImportJob as ImportJobModel
from models.import_job import ImportMode as ImportModeModel
from models.import_job import RowProblem
from resolvers.common.pagination import Connection

JobStatus = strawberry.enum(JobStatusModel, name="JobStatus", description="Of a background job.")
ImportMode = strawberry.enum(
    ImportModeModel,
    description="CREATE_ONLY: rows matching a stored contact are skipped; UPSERT: they update it.",
)


@strawberry.type(description="An allowed column of a contact import.")
class ImportColumn:
    field: str = strawberry.field(
        description="What the column fills: firstName, email, phones, address.city, "
        "organization.taxId, custom.<key> …; the value of ImportMappingInput.field."
    )
    header: str = strawberry.field(description="The header an export writes.")
    headers: list[str] = strawberry.field(
        description="Every header accepted for it; case, accents, spaces and punctuation aside."
    )
    required: bool = strawberry.field(description="A new contact needs it.")
    match_key: str | None = strawberry.field(
        description="The ImportOptions.matchOn value that matches rows on this column."
    )

    @classmethod
    def from_spec(cls, spec: ImportColumnSpec) -> "ImportColumn":
        return cls(
            field=spec.field,
            header=spec.header,
            headers=list(spec.headers),
            required=spec.required,
            match_key=spec.match_key,
        )


@strawberry.input
class ImportMappingInput:
    header: str = strawberry.field(description="A header of the file.")
    field: str | None = strawberry.field(
        description="The ImportColumn.field it fills; null: ignore the column."
    )


@strawberry.input
class ImportOptions:
    mapping: list[ImportMappingInput] | None = strawberry.field(
        default=None, description="Overrides the detection of some columns."
    )
    mode: ImportMode = ImportModeModel.CREATE_ONLY
    match_on: str | None = strawberry.field(
        default=None,
        description="email, phone, id or the key of a unique custom field: how a row finds its "
        "stored contact. Required for UPSERT; with CREATE_ONLY, matched rows are skipped.",
    )
    dry_run: bool = strawberry.field(
        default=False, description="Check every row and count, but write nothing."
    )
    create_missing_references: bool = strawberry.field(
        default=False,
        description="Create the positions, stages and acquisition sources the file names, and "
        "accept new tags; otherwise such a row fails.",
    )
    sheet: str | None = strawberry.field(
        default=None, description="The sheet to read; the first one when omitted."
    )


@strawberry.type(description="A column of the imported file and the field it fills.")
class ImportJobColumn:
    header: str
    field: str | None = strawberry.field(description="Null: ignored as the mapping asked.")


@strawberry.type(description="What is wrong with one value of a failed row.")
class ImportRowError:
    row: int = strawberry.field(description="As a spreadsheet shows it: the header is row 1.")
    column: str | None = strawberry.field(description="The header of the column, if one.")
    value: str | None = strawberry.field(description="The cell as it was in the file.")
    message: str

    @classmethod
    def from_problem(cls, row: int, problem: RowProblem) -> "ImportRowError":
        return cls(row=row, column=problem.column, value=problem.value, message=problem.message)


@strawberry.type(description="A contact import running in the background.")
class ImportJob:
    id: strawberry.ID
    crm_id: strawberry.ID
    status: JobStatus
    file_name: str
    mode: ImportMode
    match_on: str | None
    dry_run: bool
    create_missing_references: bool
    columns: list[ImportJobColumn]
    unknown_columns: list[str] = strawberry.field(
        description="Columns that fill no field: reported, not imported."
    )
    total: int = strawberry.field(description="Rows below the header.")
    processed: int
    created: int
    updated: int
    skipped: int = strawberry.field(
        description="Blank rows, rows that changed nothing, rows of CREATE_ONLY that matched."
    )
    failed: int
    message: str | None = strawberry.field(description="Why the job FAILED.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors_csv_url: str = strawberry.field(
        description="The failed rows as they were in the file, with an error column (GET with "
        "the bearer token): fix them and import that file again."
    )
    model: strawberry.Private[ImportJobModel]

    @strawberry.field(description="The problems of the failed rows, in row order.")
    async def errors(self, first: int = 50, after: str | None = None) -> Connection[ImportRowError]:
        from resolvers.imports.failed_rows import error_page

        assert self.model.id is not None
        return await error_page(self.model.id, self.model.error_count, first, after)

    @classmethod
    def from_model(cls, job: ImportJobModel) -> "ImportJob":
        return cls(
            id=strawberry.ID(str(job.id)),
            crm_id=strawberry.ID(str(job.crm_id)),
            status=job.status,
            file_name=job.file_name,
            mode=job.mode,
            match_on=job.match_on,
            dry_run=job.dry_run,
            create_missing_references=job.create_missing_references,
            columns=[ImportJobColumn(header=c.header, field=c.field) for c in job.columns],
            unknown_columns=job.unknown_columns,
            total=job.total,
            processed=job.processed,
            created=job.created,
            updated=job.updated,
            skipped=job.skipped,
            failed=job.failed,
            message=job.message,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            errors_csv_url=f"/imports/{job.id}/errors.csv",
            model=job,
        )
