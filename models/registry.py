"""Every document model, for Beanie's initialisation."""

from beanie import Document

from models.company import Company
from models.contact import Contact, Organization
from models.crm import Crm
from models.field_definition import FieldDefinition
from models.login_throttle import LoginFailures
from models.position import Position
from models.project import Project
from models.user import User

DOCUMENT_MODELS: list[type[Document]] = [
    Company,
    User,
    Project,
    Crm,
    LoginFailures,
    FieldDefinition,
    Contact,
    Organization,
    Position,
]
