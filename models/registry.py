"""Every document model, for Beanie's initialisation."""

from beanie import Document

from models.call_event import CallEvent
from models.company import Company
from models.contact import Contact, Organization
from models.crm import Crm
from models.crm_deletion import CrmDeletion
from models.crm_push import CrmPush
from models.export_job import ExportJob
from models.field_definition import FieldDefinition
from models.import_job import FailedRow, ImportJob
from models.login_throttle import LoginAttempts
from models.position import Position
from models.project import Project
from models.user import User

DOCUMENT_MODELS: list[type[Document]] = [
    Company,
    User,
    Project,
    Crm,
    LoginAttempts,
    FieldDefinition,
    ImportJob,
    FailedRow,
    ExportJob,
    Contact,
    Organization,
    Position,
    CallEvent,
    CrmPush,
    CrmDeletion,
]
