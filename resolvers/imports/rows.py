"""One row as a contact: the input it amounts to, checked by the contacts' own ``apply`` (the
same checks as ``createContact``/``updateContact``), and the document that would be stored."""

from datetime import datetime
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from beanie import PydanticObjectId
from bson.decimal128 import Decimal128

from models.crm import Crm
from models.errors import Validator
from models.record_rows import new_record_row
from resolvers.contacts.service import CONTACTS
from resolvers.context import Context
from resolvers.generated.custom_types import EntityTypes, attribute
from resolvers.imports.cells import ParsedRow
from resolvers.imports.references import REFERENCE_FIELDS, Reference, final_id
from resolvers.records.store import Row, _compact, with_derived_keys
from resolvers.records.types import AddressInput, PhoneInput

ADDRESS_PREFIX = "address."
# What a row can change; a row that changes none of it leaves the contact as it is.
CONTENT = (
    "first_name",
    "last_name",
    "email",
    "phones",
    "tags",
    "address",
    "position_id",
    "stage_id",
    "acquisition_source_id",
    "organization_id",
    "custom",
)
_SIMPLE = {"firstName": "first_name", "lastName": "last_name", "email": "email", "tags": "tags"}


def contact_input(values: dict[str, Any]) -> Any:
    """The create/update input a row's values amount to; blank cells are simply not given, so
    an update never clears a stored value."""
    data: dict[str, Any] = {name: values[f] for f, name in _SIMPLE.items() if f in values}
    if "phones" in values:
        data["phones"] = [PhoneInput(number=number) for number in values["phones"]]
    address = {
        f.removeprefix(ADDRESS_PREFIX).replace("postalCode", "postal_code"): value
        for f, value in values.items()
        if f.startswith(ADDRESS_PREFIX)
    }
    if address:
        data["address"] = AddressInput(**address)
    custom = {
        attribute(f.removeprefix("custom.")): value
        for f, value in values.items()
        if f.startswith("custom.")
    }
    if custom:
        data["custom"] = SimpleNamespace(**custom)
    return SimpleNamespace(**data)


def column_of(path: str) -> str:
    """The column (field) of a path the contact checks report: input.phones.1.number -> phones."""
    head, _, rest = path.removeprefix("input.").partition(".")
    if head in ("address", "custom") and rest:
        return f"{head}.{rest.split('.')[0]}"
    return head


def new_contact(ctx: Context, crm: Crm, contact_id: PydanticObjectId, now: datetime) -> Row:
    return new_record_row(ctx.tenant_id, crm.id, record_id=contact_id, now=now)


async def checked(
    ctx: Context, crm: Crm, types: EntityTypes, row: ParsedRow, current: Row
) -> Row | None:
    """``current`` changed by the row, or None when the row has problems (all reported)."""
    creating = "first_name" not in current
    for field, what in (("firstName", "first name"), ("lastName", "last name")):
        if creating and field not in row.values:
            row.problem(field, f"A new contact needs a {what}.")
    v = Validator()
    document = await CONTACTS.apply(ctx, v, crm, types, current, contact_input(row.values))
    for error in v.errors:
        row.problem(column_of(error.path), error.message)
    return None if row.problems else document


def _keep_known_phones(document: Row, current: Row) -> None:
    """A number the contact already has keeps its stored entry (as typed first, its label)."""
    known = {phone["number"]: phone for phone in current.get("phones") or []}
    if "phones" in document:
        document["phones"] = [known.get(p["number"], p) for p in document["phones"]]


async def stored_form(
    document: Row, current: Row, references: dict[str, Reference], types: EntityTypes, crm: Crm
) -> Row:
    """The document as it would be stored: references set, derived keys computed."""
    document = dict(document)
    for field, reference in references.items():
        document[REFERENCE_FIELDS[field]] = final_id(reference)
    _keep_known_phones(document, current)
    return await with_derived_keys(CONTACTS, _compact(document), types, crm)


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _content(document: Row, name: str) -> Any:
    value = document.get(name)
    return None if value in (None, [], {}) else _comparable(value)


def unchanged(document: Row, current: Row) -> bool:
    return all(_content(document, name) == _content(current, name) for name in CONTENT)


class Outcome(StrEnum):
    """What became of a row; the job counts each."""

    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"
