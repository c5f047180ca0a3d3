"""Root fields of companies: ``createCompany`` (operators)."""

import strawberry

from resolvers.company import service
from resolvers.company.types import Company, CreateCompanyInput
from resolvers.context import Info


@strawberry.type
class CompanyMutation:
    @strawberry.mutation(description="Creates a company and its first admin (operators only).")
    async def create_company(self, info: Info, input: CreateCompanyInput) -> Company:
        info.context.require_operator()
        return Company.from_model(await service.create_company(input))
