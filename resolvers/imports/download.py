"""``GET /imports/{id}/errors.csv``: the failed rows of an import, as a file to fix, in the
language the request's ``Accept-Language`` prefers (Polish or English)."""

from starlette.responses import Response, StreamingResponse

from models.import_job import ImportJob
from models.import_messages import accepted_language
from resolvers.context import Context
from resolvers.exports.download import attachment
from resolvers.imports.access import visible_job
from resolvers.imports.failed_rows import errors_csv


async def errors_csv_response(ctx: Context, job_id: str) -> Response:
    job = await visible_job(ctx, ImportJob, job_id, "ImportJob")
    stem = job.file_name.rsplit(".", 1)[0]
    return StreamingResponse(
        errors_csv(job, accepted_language(ctx.request.headers.get("accept-language"))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"{stem}-errors.csv")},
    )
