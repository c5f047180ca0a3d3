"""The segment of one contact as it is written (R8.3): every create, update, restore and import
of a contact goes through the contacts' ``derive``, which asks here."""

from collections.abc import Sequence
from typing import Any

from models.crm import Crm
from models.field_definition import FieldDefinition
from models.segmentation import Scorer, Segmentation


def segment_of(
    document: dict[str, Any], definitions: Sequence[FieldDefinition], crm: Crm
) -> dict[str, Any] | None:
    """The ``segment`` sub-document of ``document`` (stored shape) under the segmentation of its
    CRM as the caller read it; None when it has none."""
    if not crm.segmentation.classifiers:
        return None
    return Scorer(crm.segmentation, definitions).stored_segment(document)


async def current_segmentation(crm: Crm) -> Segmentation:
    """The CRM's segmentation as stored now: a long import reads it again for each batch, so that
    a change made meanwhile reaches the rows written after it."""
    row = await Crm.get_pymongo_collection().find_one(
        {"_id": crm.id, "tenant_id": crm.tenant_id}, {"segmentation": 1}
    )
    return Segmentation.model_validate((row or {}).get("segmentation") or {})
