"""Root fields of contact positions (R6): any user of the company reads, admins change them;
nothing while the company's CRM is off (R1.1)."""

import strawberry

from resolvers.common.ids import parse_id
from resolvers.contact_options.access import reading
from resolvers.context import Info
from resolvers.positions import service
from resolvers.positions.inputs import CreatePositionInput, UpdatePositionInput
from resolvers.positions.types import Position

IN_USE = (
    "A position that contacts hold (deleted contacts too) is not deleted: CONFLICT with "
    "extensions.contactCount; assign those contacts another position first."
)


@strawberry.type
class PositionQuery:
    @strawberry.field(description="The company's contact positions, by name.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await service.list_positions(reading(info.context))
        return [Position.from_model(row) for row in rows]


@strawberry.type
class PositionMutation:
    @strawberry.mutation(description="Adds a position (admins); names are unique in the company.")
    async def create_position(self, info: Info, input: CreatePositionInput) -> Position:
        tenant_id = info.context.configuring()
        return Position.from_model(await service.create_position(tenant_id, input))

    @strawberry.mutation(description="Changes only the fields given (admins).")
    async def update_position(
        self, info: Info, id: strawberry.ID, input: UpdatePositionInput
    ) -> Position:
        tenant_id = info.context.configuring()
        position = await service.update_position(tenant_id, parse_id(id, "Position"), input)
        return Position.from_model(position)

    @strawberry.mutation(description=f"Deletes a position (admins) and returns it. {IN_USE}")
    async def delete_position(self, info: Info, id: strawberry.ID) -> Position:
        tenant_id = info.context.configuring()
        return Position.from_model(
            await service.delete_position(tenant_id, parse_id(id, "Position"))
        )
