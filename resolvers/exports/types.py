"""GraphQL types of contact exports."""

from datetime import datetime, timedelta

import strawberry

from models.background_job import JobStatus as JobStatusModel
from models.export_job import ExportFormat as ExportFormatModel
from models.export_job import ExportJob as ExportJobModel
from resolvers.imports.types import JobStatus

ExportFormat = strawberry.enum(ExportFormatModel, description="The file an export writes.")


@strawberry.type(description="A contact export running in the background.")
class ExportJob:
    id: strawberry.ID
    crm_id: strawberry.ID
    status: JobStatus
    format: ExportFormat
    file_name: str
    total: int = strawberry.field(description="The contacts the filter matched.")
    processed: int
    message: str | None = strawberry.field(description="Why the job FAILED.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = strawberry.field(
        description="When the file of a COMPLETED export is deleted (CRM_EXPORT_RETENTION_HOURS)."
    )
    download_url: str = strawberry.field(
        description="The file, once COMPLETED and until expiresAt (GET with the bearer token)."
    )

    @classmethod
    def from_model(cls, job: ExportJobModel, retention: timedelta) -> "ExportJob":
        completed = job.status is JobStatusModel.COMPLETED and job.finished_at is not None
        return cls(
            id=strawberry.ID(str(job.id)),
            crm_id=strawberry.ID(str(job.crm_id)),
            status=job.status,
            format=job.format,
            file_name=job.file_name,
            total=job.total,
            processed=job.processed,
            message=job.message,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.finished_at + retention if completed else None,
            download_url=f"/exports/{job.id}",
        )
