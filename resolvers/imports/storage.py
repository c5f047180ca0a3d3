"""Where uploaded files wait for their import: ``<data dir>/imports/<job id>.<kind>``.

The file lives on the disk of the process that received it, which is also the one that resumes
the job after a restart; several service processes on several machines need a shared data
directory for imports to resume anywhere.
"""

from pathlib import Path

from beanie import PydanticObjectId

from app.settings import Settings
from models.import_job import FileKind


def upload_path(settings: Settings, job_id: PydanticObjectId | None, kind: FileKind) -> Path:
    return settings.data_dir / "imports" / f"{job_id}.{kind.value}"
