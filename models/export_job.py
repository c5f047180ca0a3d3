"""Contact exports: the job that writes a CRM's contacts (optionally filtered) to a file."""

from enum import StrEnum

from beanie import Document
from pymongo import ASCENDING, DESCENDING, IndexModel

from models.background_job import JobFields


class ExportFormat(StrEnum):
    XLSX = "XLSX"
    CSV = "CSV"


class ExportJob(Document, JobFields):
    format: ExportFormat
    # The compiled filter (MongoDB Extended JSON), run through match_stages.
    query: str

    class Settings:
        name = "export_jobs"
        indexes = [
            IndexModel(
                [("tenant_id", ASCENDING), ("crm_id", ASCENDING), ("created_at", DESCENDING)],
                name="jobs_of_crm",
            ),
            IndexModel([("status", ASCENDING)], name="unfinished"),
        ]
