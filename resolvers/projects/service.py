"""Creating, changing and deleting projects: names unique per company, references checked."""

from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.errors import NotFound, Validator
from models.project import Project
from models.timestamps import utcnow
from models.values import check_name, name_key
from resolvers.common.conflicts import name_taken
from resolvers.common.inputs import given, refuse_nulls
from resolvers.projects.inputs import CreateProjectInput, UpdateProjectInput
from resolvers.projects.references import check_crm_id, check_user_ids


async def get_project(scope: dict[str, Any], project_id: PydanticObjectId) -> Project:
    """The project ``project_id`` among those ``scope`` (a filter of the caller's) allows."""
    project = await Project.find_one({**scope, "_id": project_id})
    if project is None:
        raise NotFound("Project", project_id)
    return project


async def create_project(tenant_id: PydanticObjectId, data: CreateProjectInput) -> Project:
    v = Validator()
    name = check_name(v, data.name, "input.name")
    crm_id = await check_crm_id(v, tenant_id, data.crm_id, "input.crmId")
    member_ids = await check_user_ids(v, tenant_id, data.member_ids, "input.memberIds")
    v.raise_if_any()
    project = Project(
        tenant_id=tenant_id,
        name=name,
        name_key=name_key(name),
        crm_id=crm_id,
        member_ids=member_ids,
    )
    try:
        await project.insert()
    except DuplicateKeyError as error:
        raise await name_taken(
            Project, {"tenant_id": tenant_id}, project.name_key, "project"
        ) from error
    return project


async def _changes(tenant_id: PydanticObjectId, data: UpdateProjectInput) -> dict[str, Any]:
    """The validated changes ``data`` asks for, as stored fields."""
    v = Validator()
    refuse_nulls(v, data, ("name", "member_ids"))
    v.raise_if_any()
    changes: dict[str, Any] = {}
    if given(data.name):
        changes["name"] = check_name(v, data.name, "input.name")
        changes["name_key"] = name_key(changes["name"])
    if given(data.crm_id):
        changes["crm_id"] = await check_crm_id(v, tenant_id, data.crm_id, "input.crmId")
    if given(data.member_ids):
        changes["member_ids"] = await check_user_ids(
            v, tenant_id, data.member_ids, "input.memberIds"
        )
    v.raise_if_any()
    return changes


async def update_project(
    tenant_id: PydanticObjectId, project_id: PydanticObjectId, data: UpdateProjectInput
) -> Project:
    project = await get_project({"tenant_id": tenant_id}, project_id)
    changes = await _changes(tenant_id, data)
    if not changes:
        return project
    changes["updated_at"] = utcnow()
    try:
        row = await Project.get_pymongo_collection().find_one_and_update(
            {"tenant_id": tenant_id, "_id": project_id},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError as error:
        raise await name_taken(
            Project, {"tenant_id": tenant_id}, changes["name_key"], "project"
        ) from error
    if row is None:  # deleted meanwhile
        raise NotFound("Project", project_id)
    return Project.model_validate(row)


async def delete_project(tenant_id: PydanticObjectId, project_id: PydanticObjectId) -> Project:
    """Deletes the project and returns it as it was."""
    row = await Project.get_pymongo_collection().find_one_and_delete(
        {"tenant_id": tenant_id, "_id": project_id}
    )
    if row is None:
        raise NotFound("Project", project_id)
    return Project.model_validate(row)
