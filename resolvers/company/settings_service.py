"""Reading and changing the company's CRM settings (R1): validation, one ``$set`` per change."""

from collections.abc import Callable
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from app.crypto import SecretBox
from models.company import (
    MAX_LDAP_TEXT_LENGTH,
    Company,
    CompanySettings,
    LdapSettings,
    is_distinguished_name,
    is_ldap_filter,
    is_ldap_url,
)
from models.errors import NotFound, Validator
from models.secret import StoredSecret
from models.values import is_phone_region
from resolvers.common.company_lock import under_company_lock
from resolvers.common.inputs import camel, given, refuse_nulls
from resolvers.company.settings_types import (
    LdapSettingsInput,
    RolePermissionsInput,
    UpdateCompanySettingsInput,
)
from resolvers.context import Context
from resolvers.crms.service import caller_scope
from resolvers.projects.references import check_crm_id

FLAGS = ("crm_enabled", "restricted_crm", "caller_id_authentication")
DN_MESSAGE = "Must be a DN such as ou=people,dc=example,dc=com."
# The LDAP texts, each with its rule and the message when it is broken.
LDAP_TEXTS: dict[str, tuple[Callable[[str], bool], str]] = {
    "url": (is_ldap_url, "Must be an ldap:// or ldaps:// URL with a host."),
    "base_dn": (is_distinguished_name, DN_MESSAGE),
    "bind_dn": (is_distinguished_name, DN_MESSAGE),
    "user_filter": (is_ldap_filter, "Must be one LDAP filter in parentheses, e.g. (uid=*)."),
}


async def visible_default_crm_id(
    ctx: Context, settings: CompanySettings
) -> PydanticObjectId | None:
    """R1.2: a default CRM the caller cannot see (``restrictedCrm``) is preselected for them
    neither; the rule of who sees which CRM is the CRM domain's."""
    crm_id = settings.default_crm_id
    if crm_id is None:
        return None
    return crm_id if (caller_scope(ctx)).sees(crm_id) else None


def _check_region(v: Validator, region: str, path: str) -> str:
    code = region.strip().upper()
    v.check(is_phone_region(code), path, "Must be an ISO 3166 alpha-2 region code, e.g. PL.")
    return code


def _optional_text(
    v: Validator, value: str | None, path: str, rule: tuple[Callable[[str], bool], str]
) -> str | None:
    """A trimmed text that null clears; a blank one is refused rather than taken as null."""
    if value is None:
        return None
    trimmed = value.strip()
    valid, message = rule
    if not v.check(bool(trimmed), path, "Must not be blank; null clears it."):
        return trimmed
    if v.check(len(trimmed) <= MAX_LDAP_TEXT_LENGTH, path, "Too long."):
        v.check(valid(trimmed), path, message)
    return trimmed


def _sealed(v: Validator, secrets: SecretBox, value: str | None, path: str) -> StoredSecret | None:
    if value is None:
        return None
    v.check(bool(value), path, "Must not be empty; null clears it.")
    return secrets.seal(value)


def _ldap_changes(
    v: Validator, current: LdapSettings, data: LdapSettingsInput, secrets: SecretBox
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if given(data.enabled):
        changes["enabled"] = data.enabled
    for name, rule in LDAP_TEXTS.items():
        if given(getattr(data, name)):
            path = f"input.ldap.{camel(name)}"
            changes[name] = _optional_text(v, getattr(data, name), path, rule)
    if given(data.bind_password):
        changes["bind_password"] = _sealed(
            v, secrets, data.bind_password, "input.ldap.bindPassword"
        )
    for name in current.model_copy(update=changes).missing_while_enabled():
        v.add(f"input.ldap.{camel(name)}", "Required while LDAP is enabled.")
    return changes


def _role_permission_changes(
    v: Validator, given_roles: list[RolePermissionsInput]
) -> dict[str, Any]:
    """Each role's permissions, one path a role: a role named twice is refused."""
    changes: dict[str, Any] = {}
    for index, item in enumerate(given_roles):
        path = f"role_permissions.{item.role.value}"
        if v.check(path not in changes, f"input.rolePermissions.{index}.role", "Given twice."):
            changes[path] = [p.value for p in dict.fromkeys(item.permissions)]
    return changes


async def _changes(
    current: CompanySettings,
    tenant_id: PydanticObjectId,
    data: UpdateCompanySettingsInput,
    secrets: SecretBox,
) -> dict[str, Any]:
    """The validated changes ``data`` asks for, by dotted path under ``settings``."""
    v = Validator()
    refuse_nulls(v, data, (*FLAGS, "default_phone_region", "ldap", "role_permissions"))
    if given(data.ldap) and data.ldap is not None:
        refuse_nulls(v, data.ldap, ("enabled",), "input.ldap")
    v.raise_if_any()
    changes: dict[str, Any] = {
        flag: getattr(data, flag) for flag in FLAGS if given(getattr(data, flag))
    }
    if given(data.default_phone_region):
        changes["default_phone_region"] = _check_region(
            v, data.default_phone_region, "input.defaultPhoneRegion"
        )
    if given(data.default_crm_id):
        changes["default_crm_id"] = await check_crm_id(
            v, tenant_id, data.default_crm_id, "input.defaultCrmId"
        )
    if given(data.ldap):
        ldap = _ldap_changes(v, current.ldap, data.ldap, secrets)
        changes.update({f"ldap.{name}": value for name, value in ldap.items()})
    if given(data.role_permissions) and data.role_permissions is not None:
        changes.update(_role_permission_changes(v, data.role_permissions))
    v.raise_if_any()
    return changes


def _stored(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


async def update_settings(
    tenant_id: PydanticObjectId, data: UpdateCompanySettingsInput, secrets: SecretBox
) -> CompanySettings:
    """Applies the changes with one ``$set`` of their dotted paths, checked against the settings
    read under the company's lock: a concurrent change cannot slip between the check of the LDAP
    settings' required fields and the write."""

    async def change(session: AsyncClientSession) -> CompanySettings:
        companies = Company.get_pymongo_collection()
        row = await companies.find_one({"_id": tenant_id}, session=session)
        if row is None:
            raise NotFound("Company", tenant_id)
        current = Company.model_validate(row).settings
        changes = await _changes(current, tenant_id, data, secrets)
        if not changes:
            return current
        row = await companies.find_one_and_update(
            {"_id": tenant_id},
            {"$set": {f"settings.{path}": _stored(value) for path, value in changes.items()}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Company.model_validate(row).settings

    return await under_company_lock(tenant_id, change)
