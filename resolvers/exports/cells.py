"""A stored contact as the cells of an export row: one per import column, in the forms the
import reads back to the same values (names of stages, positions, sources and organizations,
lists joined by ``, `` or ``; ``), so that importing an export in UPSERT mode changes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId

from models.contact import Organization
from models.crm import Crm
from models.custom_values import from_stored
from models.import_columns import CUSTOM_PREFIX, ImportColumnSpec
from models.position import Position

Row = dict[str, Any]
_NATIVE = {"firstName": "first_name", "lastName": "last_name", "email": "email"}


@dataclass
class Names:
    """The names a page of contacts refers to, read once per page (organizations) or once per
    export (the CRM's lists, the company's positions)."""

    crm: Crm
    positions: dict[PydanticObjectId, str] = field(default_factory=dict)
    organizations: dict[PydanticObjectId, Row] = field(default_factory=dict)

    async def load_positions(self) -> None:
        found = await Position.find({"tenant_id": self.crm.tenant_id}).to_list()
        self.positions = {p.id: p.name for p in found if p.id is not None}

    async def load_organizations(self, contacts: Sequence[Row]) -> None:
        wanted = {c["organization_id"] for c in contacts if c.get("organization_id") is not None}
        missing = sorted(wanted - self.organizations.keys())
        if not missing:
            return
        cursor = Organization.get_pymongo_collection().find(
            {"_id": {"$in": missing}, "tenant_id": self.crm.tenant_id}, {"name": 1, "tax_id": 1}
        )
        self.organizations.update({row["_id"]: row async for row in cursor})

    def stage(self, stage_id: Any) -> str | None:
        return next((s.name for s in self.crm.stages if s.id == stage_id), None)

    def source(self, source_id: Any) -> str | None:
        return next((s.name for s in self.crm.acquisition_sources if s.id == source_id), None)


def _custom(contact: Row, column: ImportColumnSpec) -> Any:
    assert column.definition is not None
    value = from_stored(
        column.definition.type, (contact.get("custom") or {}).get(column.definition.key)
    )
    return "; ".join(value) if isinstance(value, list) else value


def cell(contact: Row, column: ImportColumnSpec, names: Names) -> Any:
    name = column.field
    if name in _NATIVE:
        return contact.get(_NATIVE[name])
    if name.startswith(CUSTOM_PREFIX):
        return _custom(contact, column)
    if name.startswith("address."):
        member = name.removeprefix("address.").replace("postalCode", "postal_code")
        return (contact.get("address") or {}).get(member)
    organization = names.organizations.get(contact.get("organization_id")) or {}
    match name:
        case "id":
            return str(contact["_id"])
        case "phones":
            return ", ".join(p["number"] for p in contact.get("phones") or [])
        case "tags":
            return ", ".join(contact.get("tags") or [])
        case "position":
            return names.positions.get(contact.get("position_id"))
        case "stage":
            return names.stage(contact.get("stage_id"))
        case "acquisitionSource":
            return names.source(contact.get("acquisition_source_id"))
        case "organization":
            return organization.get("name")
        case "organization.taxId":
            return organization.get("tax_id")
    raise ValueError(f"no export for column {name}")


def cells(contact: Row, columns: Sequence[ImportColumnSpec], names: Names) -> list[Any]:
    return [cell(contact, column, names) for column in columns]
