"""GraphQL types of projects (R3.1)."""

from datetime import datetime

import strawberry
from beanie import PydanticObjectId

from models.project import Project as ProjectModel
from resolvers.context import Info


@strawberry.type
class Project:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime
    crm_id: strawberry.Private[PydanticObjectId | None]
    member_ids: strawberry.Private[list[PydanticObjectId]]

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
    rows = (
        await ProjectModel.find(
            {"tenant_id": info.context.tenant_id, "member_ids": PydanticObjectId(user_id)}
        )
        .sort("name_key")
        .to_list()
    )
    return [Project.from_model(row) for row in rows]
