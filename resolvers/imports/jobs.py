"""The background jobs of imports, exports and CRM deletions, registered with a process's job
runner."""

from functools import partial

from app.services import Services
from models.crm_deletion import CrmDeletion
from models.export_job import ExportJob
from models.import_job import ImportJob
from resolvers.crms.deletion import run_crm_deletion
from resolvers.exports.process import run_export
from resolvers.imports.process import run_import


def register_job_handlers(services: Services) -> None:
    services.jobs.register(ImportJob, partial(run_import, services))
    services.jobs.register(ExportJob, partial(run_export, services))
    services.jobs.register(CrmDeletion, partial(run_crm_deletion, services))
