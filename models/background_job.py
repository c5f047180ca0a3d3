"""What background jobs (imports, exports, CRM deletions) share: a status, and the lease that
tells which service process runs the job (see ``app/import_jobs.py``)."""

from datetime import datetime
from enum import StrEnum

from beanie import PydanticObjectId
from pydantic import BaseModel, Field

from models.timestamps import utcnow


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


FINISHED = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
# Waiting for a process to run them: queued, or running in a process that may have died.
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class LeasedJob(BaseModel):
    """What the job runner (``app/import_jobs.py``) reads and writes of any job."""

    status: JobStatus = JobStatus.QUEUED
    total: int = 0
    processed: int = 0
    # Why a job FAILED, for a person.
    message: str | None = None
    cancel_requested: bool = False
    # The process running the job ("host:pid:token") and until when its claim holds.
    owner: str | None = None
    lease_until: datetime | None = None
    # How many times a process started (or resumed) the job.
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobFields(LeasedJob):
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    # Who started the job; the job runs with that user's company settings.
    user_id: PydanticObjectId
    file_name: str
