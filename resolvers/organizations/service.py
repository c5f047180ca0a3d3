"""Organizations: how an input changes one, its derived keys, and the contacts that show its
name (their search words include it)."""

from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne
from strawberry import UNSET

from models.contact import Contact, Organization
from models.contact_keys import (
    derive_contact,
    derive_organization,
    native_key,
    searched_organization_name,
)
from models.crm import Crm, LocalBackend, OrganizationRegion
from models.errors import Validator
from models.sortable import entry
from models.tax_ids import InvalidTaxId, normalize_regon, normalize_tax_id
from models.values import check_name, check_url
from resolvers.context import Context
from resolvers.generated.custom_types import EntityTypes
from resolvers.records.store import RecordKind, Row
from resolvers.records.values import (
    apply_address,
    apply_custom,
    check_email,
    check_phones,
    optional_text,
)


def _region(crm: Crm) -> OrganizationRegion:
    backend = crm.backend
    return (
        backend.default_organization_region
        if isinstance(backend, LocalBackend)
        else (OrganizationRegion.PL)
    )


def _checked_id(v: Validator, value: str | None, path: str, check: Any) -> str | None:
    text = optional_text(v, value, path)
    if text is None:
        return None
    try:
        return check(text)
    except InvalidTaxId as error:
        v.add(path, str(error))
        return None


async def derive(document: Row, types: EntityTypes, _crm: Crm) -> Row:
    return derive_organization(document, types.definitions)


async def apply(
    ctx: Context, v: Validator, crm: Crm, types: EntityTypes, current: Row, data: Any
) -> Row:
    document = dict(current)
    region = ctx.company().settings.default_phone_region

    def given(name: str) -> bool:
        return getattr(data, name, UNSET) is not UNSET

    if given("name") and v.check(data.name is not None, "input.name", "Must not be null."):
        document["name"] = check_name(v, data.name, "input.name")
    if given("tax_id"):
        tax_region = _region(crm)
        document["tax_id"] = _checked_id(
            v, data.tax_id, "input.taxId", lambda text: normalize_tax_id(text, tax_region)
        )
    if given("regon"):
        document["regon"] = _checked_id(v, data.regon, "input.regon", normalize_regon)
    if given("phones"):
        document["phones"] = check_phones(v, data.phones or [], region, "input.phones")
    if given("emails"):
        emails = [check_email(v, e, f"input.emails.{i}") for i, e in enumerate(data.emails or [])]
        document["emails"] = list(dict.fromkeys(e for e in emails if e))
    if given("website"):
        document["website"] = check_url(v, data.website or None, "input.website")
    if given("address"):
        current_address = current.get("address") or {}
        document["address"] = apply_address(v, current_address, data.address, "input.address")
    custom_given = types.given_values(getattr(data, "custom", UNSET))
    document["custom"] = apply_custom(
        v, types, current.get("custom") or {}, custom_given, "input.custom"
    )
    return document


ORGANIZATIONS = RecordKind(
    what="Organization",
    collection=Organization.get_pymongo_collection,
    derive=derive,
    apply=apply,
)


async def refresh_contacts_of(
    tenant_id: PydanticObjectId, organization: Row, contact_fields: EntityTypes
) -> None:
    """The contacts of an organization renamed, deleted or restored: their search words include
    its name while it is live."""
    contacts = Contact.get_pymongo_collection()
    name = searched_organization_name(organization)
    updates = [
        UpdateOne(
            {"_id": row["_id"]},
            {"$set": {"kw": derive_contact(row, contact_fields.definitions, name)["kw"]}},
        )
        async for row in contacts.find(
            # The CRM leads: the engine reads only its contacts (no hint, which walks the
            # whole index, every company's contacts).
            {
                "crm_id": organization["crm_id"],
                "tenant_id": tenant_id,
                "sk": entry(native_key("organizationId"), str(organization["_id"])),
            },
        )
    ]
    if updates:
        await contacts.bulk_write(updates, ordered=False)
