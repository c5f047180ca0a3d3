"""What every stored contact and organization starts with: its ids, live, and its timestamps."""

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from models.timestamps import utcnow


def new_record_row(
    tenant_id: ObjectId,
    crm_id: ObjectId,
    *,
    record_id: ObjectId | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The base row of a new record of ``crm_id``, created ``now`` (by default, this moment)."""
    created = now or utcnow()
    return {
        "_id": record_id or PydanticObjectId(),
        "tenant_id": tenant_id,
        "crm_id": crm_id,
        "deleted": False,
        "created_at": created,
        "updated_at": created,
    }
