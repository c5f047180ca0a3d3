"""GraphQL types of projects (R3.1)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from beanie import PydanticObjectId

from models.project import Project as ProjectModel
from models.user import User as UserModel
from resolvers.context import Info
from resolvers.crms.service import caller_scope, find_visible_crm
from resolvers.projects.access import visible_projects
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.crms.types import Crm

# Lazy: the CRM types are another domain's, and may come to refer back to projects.
LazyCrm = Annotated["Crm", strawberry.lazy("resolvers.crms.types")]


async def crm_of_company(info: Info, crm_id: PydanticObjectId | None) -> "Crm | None":
    """The CRM ``crm_id`` names, if it is (still) one of the company's and the caller may see
    it (R1.2): a project shows no more than ``crm(id)`` would."""
    if crm_id is None:
        return None
    from resolvers.crms.types import Crm

    crm = await find_visible_crm(caller_scope(info.context), crm_id)
    return Crm.from_model(crm) if crm is not None else None


@strawberry.type
class Project:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime
    crm_id: strawberry.Private[PydanticObjectId | None]
    member_ids: strawberry.Private[list[PydanticObjectId]]

    @strawberry.field(description="The CRM whose contacts the members work with.")
    async def crm(self, info: Info) -> LazyCrm | None:
        return await crm_of_company(info, self.crm_id)

    @strawberry.field(description="The users working in the project, in the order assigned.")
    async def members(self, info: Info) -> list[User]:
        users = await UserModel.find(
            {"tenant_id": info.context.tenant_id, "_id": {"$in": self.member_ids}}
        ).to_list()
        by_id = {user.id: user for user in users}
        return [User.from_model(by_id[i]) for i in self.member_ids if i in by_id]

    @classmethod
    def from_model(cls, project: ProjectModel) -> "Project":
        return cls(
            id=strawberry.ID(str(project.id)),
            name=project.name,
            created_at=project.created_at,
            updated_at=project.updated_at,
            crm_id=project.crm_id,
            member_ids=project.member_ids,
        )


async def projects_of_member(info: Info, user_id: str) -> list[Project]:
    """The projects ``user_id`` is a member of, among those the caller may see.

    Without the caller's own scope an agent could read a teammate's other projects through
    ``project { members { projects } }``.
    """
    member = {"member_ids": PydanticObjectId(user_id)}
    rows = (
        await ProjectModel.find({"$and": [visible_projects(info.context), member]})
        .sort("name_key")
        .to_list()
    )
    return [Project.from_model(row) for row in rows]
