"""Creating a company together with its first administrator (operators only)."""

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from models.company import Company
from models.errors import Validator
from models.user import Role
from models.values import check_name, name_key
from resolvers.common.conflicts import name_taken
from resolvers.company.types import CreateCompanyInput
from resolvers.users import service as users
from resolvers.users.inputs import CreateUserInput

ADMIN_INPUT_PATHS = {
    "email": "input.adminEmail",
    "password": "input.adminPassword",
    "displayName": "input.adminDisplayName",
    "roles": "input",
}


async def create_company(data: CreateCompanyInput) -> Company:
    v = Validator()
    name = check_name(v, data.name, "input.name")
    v.raise_if_any()
    company = Company(id=PydanticObjectId(), name=name, name_key=name_key(name))
    admin = await users.prepare_user(
        company.id,
        CreateUserInput(
            email=data.admin_email,
            password=data.admin_password,
            display_name=data.admin_display_name,
            roles=[Role.ADMIN],
        ),
        ADMIN_INPUT_PATHS,
    )
    try:
        await company.insert()
    except DuplicateKeyError as error:
        raise await name_taken(Company, {}, company.name_key, "company") from error
    try:
        await users.insert_user(admin)
    except Exception:
        await company.delete()  # never a company without its admin
        raise
    return company
