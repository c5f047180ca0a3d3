import strawberry


@strawberry.input
class CreateProjectInput:
    name: str
    crm_id: strawberry.ID | None = None
    member_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed; crmId null unassigns the CRM.")
class UpdateProjectInput:
    name: str | None = strawberry.UNSET
    crm_id: strawberry.ID | None = strawberry.UNSET
    member_ids: list[strawberry.ID] | None = strawberry.UNSET
