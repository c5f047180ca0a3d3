"""Root fields of the company's settings: ``companySettings``, ``updateCompanySettings``.

They work with ``crmEnabled`` off too: that switch is itself one of these settings.
"""

import strawberry

from models.company import CompanySettings as CompanySettingsModel
from resolvers.company import settings_service as service
from resolvers.company.settings_types import CompanySettings, UpdateCompanySettingsInput
from resolvers.context import Context, Info


async def _as_seen_by(ctx: Context, settings: CompanySettingsModel) -> CompanySettings:
    return CompanySettings.from_model(settings, await service.visible_default_crm_id(ctx, settings))


@strawberry.type
class CompanySettingsQuery:
    @strawberry.field(description="The company's CRM settings (any user; ldap: admins only).")
    async def company_settings(self, info: Info) -> CompanySettings:
        return await _as_seen_by(info.context, info.context.company().settings)


@strawberry.type
class CompanySettingsMutation:
    @strawberry.mutation(description="Changes only the fields given (admins only).")
    async def update_company_settings(
        self, info: Info, input: UpdateCompanySettingsInput
    ) -> CompanySettings:
        ctx = info.context
        ctx.require_admin()
        settings = await service.update_settings(ctx.tenant_id, input, ctx.services.secrets)
        return await _as_seen_by(ctx, settings)
