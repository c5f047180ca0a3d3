"""``GET /exports/{id}``: the file of a finished export."""

from urllib.parse import quote

from starlette.responses import FileResponse, Response

from models.background_job import JobStatus
from models.errors import Conflict, Gone
from models.export_job import ExportFormat, ExportJob
from resolvers.context import Context
from resolvers.exports.storage import export_path
from resolvers.imports.access import visible_job

MEDIA_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


def attachment(file_name: str) -> str:
    """A Content-Disposition naming the file (RFC 6266; non-ASCII names in ``filename*``)."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


async def export_file_response(ctx: Context, job_id: str) -> Response:
    job = await visible_job(ctx, ExportJob, job_id, "ExportJob")
    if job.status is not JobStatus.COMPLETED:
        raise Conflict(f"The export is {job.status.value}, not COMPLETED.")
    settings = ctx.services.settings
    path = export_path(settings, job.id, job.format)
    if not path.exists():
        raise Gone(
            f"The export's file was kept {settings.export_retention_hours} hours "
            "(CRM_EXPORT_RETENTION_HOURS) and has been deleted; export again."
        )
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[job.format],
        headers={"Content-Disposition": attachment(job.file_name)},
    )
