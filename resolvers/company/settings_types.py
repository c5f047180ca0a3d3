"""GraphQL types of the company's CRM settings (R1)."""

import strawberry
from beanie import PydanticObjectId

from models.company import CompanySettings as CompanySettingsModel
from models.company import LdapSettings as LdapSettingsModel
from models.errors import Forbidden
from resolvers.common.secret import SecretStatus, secret_status
from resolvers.context import Info
from resolvers.projects.types import LazyCrm, crm_of_company
from resolvers.users.types import Permission, Role


@strawberry.type(description="The directory users can authenticate against (admins only).")
class LdapSettings:
    enabled: bool
    url: str | None
    base_dn: str | None
    bind_dn: str | None
    bind_password: SecretStatus
    user_filter: str | None

    @classmethod
    def from_model(cls, ldap: LdapSettingsModel) -> "LdapSettings":
        return cls(
            enabled=ldap.enabled,
            url=ldap.url,
            base_dn=ldap.base_dn,
            bind_dn=ldap.bind_dn,
            bind_password=secret_status(ldap.bind_password),
            user_filter=ldap.user_filter,
        )


@strawberry.type(description="The permissions every user of a role has, besides their own.")
class RolePermissions:
    role: Role
    permissions: list[Permission]


@strawberry.type(description="The CRM settings of the company.")
class CompanySettings:
    crm_enabled: bool = strawberry.field(description="Off refuses every CRM operation.")
    restricted_crm: bool = strawberry.field(
        description="On: users see only the CRMs of their projects (admins see all)."
    )
    default_crm_id: strawberry.ID | None = strawberry.field(
        description="The CRM preselected wherever one is chosen; null for a user who "
        "cannot see it under restrictedCrm."
    )
    caller_id_authentication: bool = strawberry.field(
        description="On: a caller whose number is on a contact is assigned to the call at once."
    )
    default_phone_region: str = strawberry.field(
        description="ISO 3166 alpha-2 region for phone numbers written without a country code."
    )
    role_permissions: list[RolePermissions] = strawberry.field(
        description="Every role with the permissions it gives its users (e.g. DIAL to all "
        "agents); a user has these and their own (me { permissions })."
    )
    ldap_settings: strawberry.Private[LdapSettingsModel]

    @strawberry.field(description="The CRM that defaultCrmId names.")
    async def default_crm(self, info: Info) -> LazyCrm | None:
        crm_id = PydanticObjectId(self.default_crm_id) if self.default_crm_id else None
        return await crm_of_company(info, crm_id)

    @strawberry.field(description="Administrators only: FORBIDDEN for other users.")
    def ldap(self, info: Info) -> LdapSettings | None:
        if not info.context.user().is_admin:
            raise Forbidden("Only administrators can read the LDAP settings.")
        return LdapSettings.from_model(self.ldap_settings)

    @classmethod
    def from_model(
        cls, settings: CompanySettingsModel, default_crm_id: PydanticObjectId | None
    ) -> "CompanySettings":
        """``default_crm_id`` is the stored one as the caller may see it."""
        return cls(
            crm_enabled=settings.crm_enabled,
            restricted_crm=settings.restricted_crm,
            default_crm_id=strawberry.ID(str(default_crm_id)) if default_crm_id else None,
            caller_id_authentication=settings.caller_id_authentication,
            default_phone_region=settings.default_phone_region,
            role_permissions=[
                RolePermissions(role=role, permissions=settings.role_permissions.get(role, []))
                for role in Role
            ],
            ldap_settings=settings.ldap,
        )


@strawberry.input(description="Only the fields given are changed; null clears a field.")
class LdapSettingsInput:
    enabled: bool | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    base_dn: str | None = strawberry.UNSET
    bind_dn: str | None = strawberry.UNSET
    bind_password: str | None = strawberry.field(
        default=strawberry.UNSET, description="Write-only; stored encrypted."
    )
    user_filter: str | None = strawberry.UNSET


@strawberry.input(description="The permissions of one role: they replace its current ones.")
class RolePermissionsInput:
    role: Role
    permissions: list[Permission]


@strawberry.input(description="Only the fields given are changed; defaultCrmId null clears it.")
class UpdateCompanySettingsInput:
    crm_enabled: bool | None = strawberry.UNSET
    restricted_crm: bool | None = strawberry.UNSET
    default_crm_id: strawberry.ID | None = strawberry.UNSET
    caller_id_authentication: bool | None = strawberry.UNSET
    default_phone_region: str | None = strawberry.UNSET
    ldap: LdapSettingsInput | None = strawberry.UNSET
    role_permissions: list[RolePermissionsInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The roles listed change; the others stay."
    )
