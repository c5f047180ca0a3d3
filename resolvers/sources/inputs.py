import strawberry

from resolvers.contact_options.crm_target import CRM_ID_DESCRIPTION


@strawberry.input
class CreateAcquisitionSourceInput:
    name: str
    crm_id: strawberry.ID | None = strawberry.field(default=None, description=CRM_ID_DESCRIPTION)


@strawberry.input(description="Only the fields given are changed.")
class UpdateAcquisitionSourceInput:
    name: str | None = strawberry.UNSET
