"""GraphQL types of contact positions (R6)."""

from datetime import datetime

import strawberry

from models.position import Position as PositionModel


@strawberry.type(description="A position a contact can hold (e.g. CEO), declared by the company.")
class Position:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, position: PositionModel) -> "Position":
        return cls(
            id=strawberry.ID(str(position.id)),
            name=position.name,
            created_at=position.created_at,
            updated_at=position.updated_at,
        )
