"""The company's ``fields_version``: bumped on every change of its field definitions.

The per-company schema is cached under (company id, fields_version), so the bump is what makes a
change visible on the next request, in every service process sharing the database. It is an
atomic ``$inc``, done after the definition is written: a request that reads the new version
then also reads the new definitions.
"""

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from models.company import Company


async def bump_fields_version(
    tenant_id: PydanticObjectId, session: AsyncClientSession | None = None
) -> None:
    await Company.get_pymongo_collection().update_one(
        {"_id": tenant_id}, {"$inc": {"fields_version": 1}}, session=session
    )
