"""Root fields of contact imports (R4.2): the allowed columns, the upload, the jobs."""

from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime

import strawberry
from strawberry.file_uploads import Upload

from models.background_job import FINISHED, UNFINISHED, JobStatus
from models.import_job import ImportJob as ImportJobModel
from models.timestamps import utcnow
from resolvers.common.pagination import Connection, SortKey, keyset_page
from resolvers.context import Info
from resolvers.imports.access import visible_job
from resolvers.imports.columns import import_columns
from resolvers.imports.storage import upload_path
from resolvers.imports.types import ImportColumn, ImportJob, ImportOptions
from resolvers.imports.upload import CHUNK, ImportRequest, create_import_job
from resolvers.records.access import records_crm

PROGRESS_POLL_SECONDS = 1.0


def _job(row: dict) -> ImportJob:
    return ImportJob.from_model(ImportJobModel.model_validate(row))


@strawberry.type
class ImportQuery:
    @strawberry.field(
        description="The columns an import accepts: the native fields and every custom field, "
        "each with its accepted headers."
    )
    async def import_columns(
        self, info: Info, crm_id: strawberry.ID | None = None
    ) -> list[ImportColumn]:
        crm = await records_crm(info.context, crm_id)
        return [ImportColumn.from_spec(c) for c in await import_columns(crm.tenant_id)]

    @strawberry.field
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob:
        return ImportJob.from_model(
            await visible_job(info.context, ImportJobModel, id, "ImportJob")
        )

    @strawberry.field(description="The imports of a CRM, the latest first.")
    async def import_jobs(
        self,
        info: Info,
        crm_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[ImportJob]:
        crm = await records_crm(info.context, crm_id)
        return await keyset_page(
            ImportJobModel.get_pymongo_collection(),
            {"tenant_id": crm.tenant_id, "crm_id": crm.id},
            [SortKey("created_at", descending=True, types=(datetime,))],
            first,
            after,
            _job,
        )


async def _chunks(file: Upload) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK):
        yield chunk


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Uploads a file (xlsx, xls, ods or UTF-8 CSV; the GraphQL multipart request "
        "spec) and imports its contacts in the background. A file that cannot be read answers "
        "BAD_REQUEST; options that do not fit it, VALIDATION_FAILED."
    )
    async def import_contacts(
        self,
        info: Info,
        *,
        crm_id: strawberry.ID | None = None,
        file: Upload,
        options: ImportOptions | None = None,
    ) -> ImportJob:
        ctx = info.context
        crm = await records_crm(ctx, crm_id)
        options = options or ImportOptions()
        mapping = {m.header: m.field for m in options.mapping} if options.mapping else None
        request = ImportRequest(
            crm=crm,
            user=ctx.user(),
            file_name=getattr(file, "filename", None) or "import",
            mode=options.mode,
            match_on=options.match_on,
            dry_run=options.dry_run,
            create_missing_references=options.create_missing_references,
            mapping=mapping,
            sheet=options.sheet,
        )
        return ImportJob.from_model(await create_import_job(ctx.services, request, _chunks(file)))

    @strawberry.mutation(
        description="Stops an import after its current batch; what it wrote stays, counted."
    )
    async def cancel_import(self, info: Info, id: strawberry.ID) -> ImportJob:
        ctx = info.context
        job = await visible_job(ctx, ImportJobModel, id, "ImportJob")
        collection = ImportJobModel.get_pymongo_collection()
        await collection.update_one(
            {"_id": job.id, "status": {"$in": UNFINISHED}}, {"$set": {"cancel_requested": True}}
        )
        not_started = await collection.update_one(
            {"_id": job.id, "status": JobStatus.QUEUED.value, "owner": None},
            {"$set": {"status": JobStatus.CANCELLED.value, "finished_at": utcnow()}},
        )
        if not_started.modified_count:
            upload_path(ctx.services.settings, job.id, job.file_kind).unlink(missing_ok=True)
        ctx.services.jobs.progress.changed(job.id)
        return ImportJob.from_model(await visible_job(ctx, ImportJobModel, id, "ImportJob"))


@strawberry.type
class ImportSubscription:
    @strawberry.subscription(
        description="The job now, then each time it changes, until it is finished."
    )
    async def import_job_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[ImportJob, None]:
        ctx = info.context
        job = await visible_job(ctx, ImportJobModel, id, "ImportJob")
        shown = None
        while True:
            state = (job.status, job.processed, job.failed, job.message)
            if state != shown:
                shown = state
                yield ImportJob.from_model(job)
            if job.status in FINISHED:
                return
            await ctx.services.jobs.progress.wait(job.id, PROGRESS_POLL_SECONDS)
            job = await visible_job(ctx, ImportJobModel, id, "ImportJob")
