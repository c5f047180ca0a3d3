"""Root fields of projects; reading follows :func:`visible_projects`, changing is for admins."""

import strawberry

from models.project import Project as ProjectModel
from resolvers.common.ids import parse_id
from resolvers.context import Info
from resolvers.projects import service
from resolvers.projects.access import visible_projects
from resolvers.projects.inputs import CreateProjectInput, UpdateProjectInput
from resolvers.projects.types import Project


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        description="The projects of the company by name (agents: the ones they are members of)."
    )
    async def projects(self, info: Info) -> list[Project]:
        rows = await ProjectModel.find(visible_projects(info.context)).sort("name_key").to_list()
        return [Project.from_model(row) for row in rows]

    @strawberry.field
    async def project(self, info: Info, id: strawberry.ID) -> Project:
        scope = visible_projects(info.context)
        return Project.from_model(await service.get_project(scope, parse_id(id, "Project")))


@strawberry.type
class ProjectMutation:
    @strawberry.mutation
    async def create_project(self, info: Info, input: CreateProjectInput) -> Project:
        info.context.require_admin()
        return Project.from_model(await service.create_project(info.context.tenant_id, input))

    @strawberry.mutation(description="Changes only the fields given.")
    async def update_project(
        self, info: Info, id: strawberry.ID, input: UpdateProjectInput
    ) -> Project:
        info.context.require_admin()
        project_id = parse_id(id, "Project")
        project = await service.update_project(info.context.tenant_id, project_id, input)
        return Project.from_model(project)

    @strawberry.mutation(description="Deletes the project; returns it as it was.")
    async def delete_project(self, info: Info, id: strawberry.ID) -> Project:
        info.context.require_admin()
        project_id = parse_id(id, "Project")
        return Project.from_model(await service.delete_project(info.context.tenant_id, project_id))
