import strawberry

from resolvers.users.types import Permission, Role


@strawberry.input
class CreateUserInput:
    email: str
    password: str
    display_name: str
    roles: list[Role] = strawberry.field(default_factory=lambda: [Role.AGENT])
    permissions: list[Permission] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed.")
class UpdateUserInput:
    email: str | None = strawberry.UNSET
    password: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    roles: list[Role] | None = strawberry.UNSET
    permissions: list[Permission] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
