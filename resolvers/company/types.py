"""GraphQL types of companies."""

from datetime import datetime

import strawberry

from models.company import Company as CompanyModel


@strawberry.type(description="A company: one tenant of the service.")
class Company:
    id: strawberry.ID
    name: str
    created_at: datetime

    @classmethod
    def from_model(cls, company: CompanyModel) -> "Company":
        return cls(
            id=strawberry.ID(str(company.id)), name=company.name, created_at=company.created_at
        )


@strawberry.input
class CreateCompanyInput:
    name: str
    admin_email: str
    admin_password: str
    admin_display_name: str = "Administrator"
