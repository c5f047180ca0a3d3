"""The background jobs of imports and exports, registered with a process's job runner."""

from functools import partial

from app.services import Services
from models.export_job import ExportJob
from models.import_job import ImportJob
from resolvers.exports.process import run_export
from resolvers.imports.process import run_import


def register_job_handlers(services: Services) -> None:
    services.jobs.register(ImportJob, partial(run_import, services))
    services.jobs.register(ExportJob, partial(run_export, services))
