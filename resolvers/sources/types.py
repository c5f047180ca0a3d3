"""GraphQL types of acquisition sources (R9)."""

import strawberry

from models.crm import Crm as CrmModel
from models.crm_lists import AcquisitionSource as AcquisitionSourceModel
from models.crm_lists import AcquisitionSourceSystemKey as SystemKeyModel
from models.crm_lists import in_source_order

AcquisitionSourceSystemKey = strawberry.enum(
    SystemKeyModel, description="Which system source a source is."
)


@strawberry.type(
    description="The first channel through which a contact reached the company. System "
    "sources exist in every CRM from its creation and cannot be renamed or deleted."
)
class AcquisitionSource:
    id: strawberry.ID
    name: str
    system: bool
    system_key: AcquisitionSourceSystemKey | None = strawberry.field(
        description="Set for system sources only."
    )

    @classmethod
    def from_model(cls, source: AcquisitionSourceModel) -> "AcquisitionSource":
        return cls(
            id=strawberry.ID(str(source.id)),
            name=source.name,
            system=source.system,
            system_key=source.system_key,
        )


def sources_of(crm: CrmModel) -> list[AcquisitionSource]:
    """The system sources in their fixed order, then the company's own by name."""
    return [AcquisitionSource.from_model(s) for s in in_source_order(crm.acquisition_sources)]
