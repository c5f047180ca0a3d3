"""GraphQL types of CRM configurations (R2)."""

from datetime import datetime

import strawberry

from models.crm import Crm as CrmModel


@strawberry.type(description="A CRM configuration: a contact base of one backend kind.")
class Crm:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, crm: CrmModel) -> "Crm":
        return cls(
            id=strawberry.ID(str(crm.id)),
            name=crm.name,
            created_at=crm.created_at,
            updated_at=crm.updated_at,
        )
