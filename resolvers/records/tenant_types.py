"""Builds a company's Contact and Organization types: the static members shared by every
company, plus ``custom`` of the company's generated type and the links between the two."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from beanie import PydanticObjectId

from models.field_definition import FieldEntity
from resolvers.calls.history import ContactCalls
from resolvers.context import Info
from resolvers.generated.custom_types import EntityTypes, generate
from resolvers.records.loaders import load_crm, load_organization_row, load_position
from resolvers.records.types import Address, Phone

if TYPE_CHECKING:
    from resolvers.crms.types import Crm
    from resolvers.positions.types import Position
    from resolvers.segmentation.types import ContactSegment
    from resolvers.sources.types import AcquisitionSource
    from resolvers.stages.types import Stage

LazyCrm = Annotated["Crm", strawberry.lazy("resolvers.crms.types")]
LazyStage = Annotated["Stage", strawberry.lazy("resolvers.stages.types")]
LazyPosition = Annotated["Position", strawberry.lazy("resolvers.positions.types")]
LazySource = Annotated["AcquisitionSource", strawberry.lazy("resolvers.sources.types")]
LazySegment = Annotated["ContactSegment", strawberry.lazy("resolvers.segmentation.types")]


@strawberry.type
class RecordBase:
    """Members of contacts and organizations alike."""

    id: strawberry.ID
    phones: list[Phone]
    address: Address
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    crm_id: strawberry.Private[PydanticObjectId]
    row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def crm(self, info: Info) -> LazyCrm:
        from resolvers.crms.types import Crm

        return Crm.from_model(await load_crm(info.context, self.crm_id))

    @staticmethod
    def base_values(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": strawberry.ID(str(row["_id"])),
            "phones": [Phone.from_stored(p) for p in row.get("phones") or []],
            "address": Address.from_stored(row.get("address")),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "deleted_at": row.get("deleted_at"),
            "crm_id": row["crm_id"],
            "row": row,
        }


@strawberry.type
class ContactBase(RecordBase):
    first_name: str
    last_name: str
    email: str | None
    tags: list[str]

    @strawberry.field
    async def stage(self, info: Info) -> LazyStage | None:
        from resolvers.stages.types import Stage

        stage_id = self.row.get("stage_id")
        if stage_id is None:
            return None
        crm = await load_crm(info.context, self.crm_id)
        found = next((s for s in crm.stages if s.id == stage_id), None) if crm else None
        return Stage.from_model(found, crm) if found else None

    @strawberry.field
    async def acquisition_source(self, info: Info) -> LazySource | None:
        from resolvers.sources.types import AcquisitionSource

        source_id = self.row.get("acquisition_source_id")
        if source_id is None:
            return None
        crm = await load_crm(info.context, self.crm_id)
        found = (
            next((s for s in crm.acquisition_sources if s.id == source_id), None) if crm else None
        )
        return AcquisitionSource.from_model(found) if found else None

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition | None:
        from resolvers.positions.types import Position

        position_id = self.row.get("position_id")
        if position_id is None:
            return None
        found = await load_position(info.context, position_id)
        return Position.from_model(found) if found else None

    @strawberry.field(description="The contact's segment; null when it has none.")
    def segment(self) -> LazySegment | None:
        from resolvers.segmentation.types import ContactSegment

        return ContactSegment.from_stored(self.row.get("segment"))


@strawberry.type
class OrganizationBase(RecordBase):
    name: str
    tax_id: str | None
    regon: str | None
    emails: list[str]
    website: str | None


@dataclass(frozen=True)
class RecordTypes:
    """A company's generated record types, and how to turn stored rows into them."""

    contact_fields: EntityTypes
    organization_fields: EntityTypes
    contact: type
    organization: type
    # Contact.calls, typed once the company's CallEvent type exists (resolvers/calls).
    contact_calls: ContactCalls

    def contact_from_row(self, row: dict[str, Any]) -> Any:
        return self.contact(
            **RecordBase.base_values(row),
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row.get("email"),
            tags=row.get("tags") or [],
            **self._custom(self.contact_fields, row),
        )

    def organization_from_row(self, row: dict[str, Any]) -> Any:
        return self.organization(
            **RecordBase.base_values(row),
            name=row["name"],
            tax_id=row.get("tax_id"),
            regon=row.get("regon"),
            emails=row.get("emails") or [],
            website=row.get("website"),
            **self._custom(self.organization_fields, row),
        )

    @staticmethod
    def _custom(fields: EntityTypes, row: dict[str, Any]) -> dict[str, Any]:
        if fields.custom_output is None:
            return {}
        return {"custom": fields.custom_from_stored(row.get("custom") or {})}


def _with_custom(base: type, name: str, fields: EntityTypes, extra: dict[str, Any]) -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = dict(extra)
    if fields.custom_output is not None:
        annotations["custom"] = fields.custom_output
    namespace["__annotations__"] = annotations
    return strawberry.type(type(name, (base,), namespace), name=name)


def build_record_types(definitions: list[Any]) -> RecordTypes:
    contact_fields = generate(FieldEntity.CONTACT, definitions)
    organization_fields = generate(FieldEntity.ORGANIZATION, definitions)
    organization_type = _with_custom(OrganizationBase, "Organization", organization_fields, {})
    built: list[RecordTypes] = []  # the resolver below needs the whole set, made after it
    contact_calls = ContactCalls()

    async def organization(self: Any, info: Info) -> organization_type | None:  # type: ignore[valid-type]
        organization_id = self.row.get("organization_id")
        if organization_id is None:
            return None
        row = await load_organization_row(info.context, organization_id)
        if row is None or row.get("deleted"):
            return None  # in the trash: the link is kept, so a restore brings it back
        return built[0].organization_from_row(row)

    contact_type = _with_custom(
        ContactBase,
        "Contact",
        contact_fields,
        {
            "organization": strawberry.field(
                resolver=organization,
                description="The contact's organization; null while it is deleted (in the trash).",
            ),
            "calls": contact_calls.field,
        },
    )
    built.append(
        RecordTypes(
            contact_fields, organization_fields, contact_type, organization_type, contact_calls
        )
    )
    return built[0]
