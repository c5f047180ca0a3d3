"""Root fields of segmentation (R8): every user who sees a CRM reads its segmentation and the
state of its recomputation; the counts per segment are contact data, for those who work with the
CRM's contacts (R3.1); admins change the segmentation. Nothing while the CRM is off (R1.1)."""

from typing import Annotated

import strawberry

from resolvers.contact_options.crm_target import (
    CRM_ID_DESCRIPTION,
    configurable_crm,
    readable_crm,
)
from resolvers.context import Info
from resolvers.records.access import records_crm
from resolvers.segmentation import service
from resolvers.segmentation.inputs import SegmentationInput
from resolvers.segmentation.types import (
    Segmentation,
    SegmentationJob,
    SegmentCount,
    SegmentDefinition,
)

CrmId = Annotated[strawberry.ID | None, strawberry.argument(description=CRM_ID_DESCRIPTION)]


@strawberry.type
class SegmentationQuery:
    @strawberry.field(description="The definitions and classifiers of a CRM.")
    async def segmentation(self, info: Info, crm_id: CrmId = None) -> Segmentation:
        crm = await readable_crm(info.context, crm_id)
        return Segmentation.from_model(crm.segmentation)

    @strawberry.field(
        description="The recomputation of the CRM's contacts after its last change; null when "
        "none was ever asked for."
    )
    async def segmentation_job(self, info: Info, crm_id: CrmId = None) -> SegmentationJob | None:
        job = (await readable_crm(info.context, crm_id)).segmentation.job
        return SegmentationJob.from_model(job) if job is not None else None

    @strawberry.field(
        description="The number of live contacts per definition, in order; then, with a null "
        "definition, those without a current segment."
    )
    async def segment_counts(self, info: Info, crm_id: CrmId = None) -> list[SegmentCount]:
        crm = await records_crm(info.context, crm_id)
        return [
            SegmentCount(
                definition=SegmentDefinition.from_model(row.definition) if row.definition else None,
                count=row.count,
            )
            for row in await service.segment_counts(crm)
        ]


@strawberry.type
class SegmentationMutation:
    @strawberry.mutation(
        description="Replaces the CRM's definitions and classifiers at once (admins); the "
        "contacts are then recomputed in the background (segmentationJob)."
    )
    async def update_segmentation(
        self, info: Info, input: SegmentationInput, crm_id: CrmId = None
    ) -> Segmentation:
        crm = await configurable_crm(info.context, crm_id, "crmId")
        crm = await service.update_segmentation(crm, input)
        return Segmentation.from_model(crm.segmentation)
