"""Segmentation (R8): saving a CRM's configuration, which starts the recomputation of its
contacts, and counting its contacts per segment."""

from dataclasses import dataclass

from pymongo import ReturnDocument

from app.segmentation_jobs import JOBS, request_update
from models.contact import Contact
from models.crm import Crm
from models.errors import NotFound
from models.segmentation import SegmentDefinition
from models.timestamps import utcnow
from resolvers.segmentation.checks import checked_segmentation
from resolvers.segmentation.inputs import SegmentationInput


async def update_segmentation(crm: Crm, data: SegmentationInput) -> Crm:
    """Replaces the definitions and classifiers, and asks for the contacts' recomputation in the
    same write; the job starts at once, in this process."""
    segmentation = await checked_segmentation(crm, data)
    update = request_update()
    update["$set"].update(
        {
            "segmentation.definitions": [d.model_dump() for d in segmentation.definitions],
            "segmentation.classifiers": [c.model_dump() for c in segmentation.classifiers],
            "updated_at": utcnow(),
        }
    )
    row = await Crm.get_pymongo_collection().find_one_and_update(
        {"_id": crm.id, "tenant_id": crm.tenant_id}, update, return_document=ReturnDocument.AFTER
    )
    if row is None:  # deleted meanwhile
        raise NotFound("Crm", crm.id)
    assert crm.id is not None
    JOBS.start(crm.id)
    return Crm.model_validate(row)


@dataclass(frozen=True)
class SegmentCount:
    definition: SegmentDefinition | None
    count: int


async def segment_counts(crm: Crm) -> list[SegmentCount]:
    """The CRM's live contacts per current definition (in order, zeros included), then those
    without one of them: no segment, or one the running recomputation has not replaced yet."""
    rows = await Contact.get_pymongo_collection().aggregate(
        [
            {"$match": {"crm_id": crm.id, "deleted": False}},
            {"$group": {"_id": "$segment.definition.id", "count": {"$sum": 1}}},
        ]
    )
    by_id = {row["_id"]: row["count"] async for row in rows}
    definitions = crm.segmentation.definitions
    counts = [SegmentCount(d, by_id.pop(d.id, 0)) for d in definitions]
    return [*counts, SegmentCount(None, sum(by_id.values()))]
