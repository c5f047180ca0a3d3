"""Ids that projects and company settings point at: CRMs and users of the caller's company.

An id of another company is reported exactly like an id that does not exist, so that the answer
tells nothing about other companies.
"""

from beanie import Document, PydanticObjectId
from bson import ObjectId
from bson.errors import InvalidId

from models.crm import Crm as CrmModel
from models.errors import Validator
from models.user import User as UserModel


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


async def _resolve(
    v: Validator,
    model: type[Document],
    tenant_id: PydanticObjectId,
    ids_by_path: dict[str, str],
    message: str,
) -> dict[str, PydanticObjectId]:
    """The ids (by input path) that name records of ``model`` in the company; one query."""
    parsed = {path: _object_id(raw) for path, raw in ids_by_path.items()}
    wanted = list({oid for oid in parsed.values() if oid is not None})
    found: set[ObjectId] = set()
    if wanted:
        rows = (
            await model.get_pymongo_collection()
            .find({"_id": {"$in": wanted}, "tenant_id": tenant_id}, {"_id": 1})
            .to_list()
        )
        found = {row["_id"] for row in rows}
    resolved: dict[str, PydanticObjectId] = {}
    for path, oid in parsed.items():
        if v.check(oid in found, path, message):
            resolved[path] = PydanticObjectId(oid)
    return resolved


async def check_crm_id(
    v: Validator, tenant_id: PydanticObjectId, crm_id: str | None, path: str
) -> PydanticObjectId | None:
    """The CRM ``crm_id`` names in the company; ``None`` stays ``None`` (no CRM)."""
    if crm_id is None:
        return None
    resolved = await _resolve(v, CrmModel, tenant_id, {path: crm_id}, "No CRM with this id.")
    return resolved.get(path)


async def check_user_ids(
    v: Validator, tenant_id: PydanticObjectId, user_ids: list[str], path: str
) -> list[PydanticObjectId]:
    """The users of the company, in the order given, without repeats; errors at ``path.<i>``."""
    by_path = {f"{path}.{i}": user_id for i, user_id in enumerate(user_ids)}
    resolved = await _resolve(v, UserModel, tenant_id, by_path, "No user with this id.")
    return list(dict.fromkeys(resolved.values()))
