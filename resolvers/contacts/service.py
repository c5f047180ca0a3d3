"""Contacts (R4): how an input changes a contact, and its derived keys."""

from typing import Any

from strawberry import UNSET

from models.contact import Contact, Organization
from models.contact_keys import derive_contact, searched_organization_name
from models.crm import Crm
from models.errors import Validator
from models.values import check_name
from resolvers.context import Context
from resolvers.generated.custom_types import EntityTypes
from resolvers.records.references import check_references
from resolvers.records.store import RecordKind, Row
from resolvers.records.values import (
    apply_address,
    apply_custom,
    check_email,
    check_phones,
    check_tags,
)
from resolvers.segmentation.contact_segment import segment_of

REFERENCES = ("position_id", "stage_id", "acquisition_source_id", "organization_id")


async def organization_name(document: Row) -> str | None:
    organization_id = document.get("organization_id")
    if organization_id is None:
        return None
    row = await Organization.get_pymongo_collection().find_one(
        {"_id": organization_id, "tenant_id": document["tenant_id"]}, {"name": 1, "deleted": 1}
    )
    return searched_organization_name(row)


async def derive(document: Row, types: EntityTypes, crm: Crm) -> Row:
    """The derived keys and the segment (R8), which ``sk`` holds too; None: no segment."""
    segmented = {**document, "segment": segment_of(document, types.definitions, crm)}
    derived = derive_contact(segmented, types.definitions, await organization_name(document))
    return {**derived, "segment": segmented["segment"]}


async def apply(
    ctx: Context, v: Validator, crm: Crm, types: EntityTypes, current: Row, data: Any
) -> Row:
    document = dict(current)
    region = ctx.company().settings.default_phone_region

    def given(name: str) -> bool:
        return getattr(data, name, UNSET) is not UNSET

    for name, camel in (("first_name", "firstName"), ("last_name", "lastName")):
        if given(name):
            value = getattr(data, name)
            if v.check(value is not None, f"input.{camel}", "Must not be null."):
                document[name] = check_name(v, value, f"input.{camel}")
    if given("email"):
        document["email"] = check_email(v, data.email, "input.email")
    if given("phones"):
        document["phones"] = check_phones(v, data.phones or [], region, "input.phones")
    if given("tags"):
        document["tags"] = check_tags(v, data.tags or [], "input.tags")
    if given("address"):
        current_address = current.get("address") or {}
        document["address"] = apply_address(v, current_address, data.address, "input.address")
    references = {name: getattr(data, name) for name in REFERENCES if given(name)}
    document.update(await check_references(v, ctx, crm, references))
    custom_given = types.given_values(getattr(data, "custom", UNSET))
    document["custom"] = apply_custom(
        v, types, current.get("custom") or {}, custom_given, "input.custom"
    )
    return document


CONTACTS = RecordKind(
    what="Contact", collection=Contact.get_pymongo_collection, derive=derive, apply=apply
)
