import strawberry


@strawberry.input
class CreatePositionInput:
    name: str


@strawberry.input(description="Only the fields given are changed.")
class UpdatePositionInput:
    name: str | None = strawberry.UNSET
