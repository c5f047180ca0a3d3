"""Where finished exports wait to be downloaded: ``<data dir>/exports/<job id>.<xlsx|csv>``."""

from pathlib import Path

from beanie import PydanticObjectId

from app.settings import Settings
from models.export_job import ExportFormat


def export_path(settings: Settings, job_id: PydanticObjectId | None, format: ExportFormat) -> Path:
    return settings.data_dir / "exports" / f"{job_id}.{format.value.lower()}"
