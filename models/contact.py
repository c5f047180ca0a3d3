"""Contacts (R4) and organizations, with the derived, indexed keys of the dynamic field model.

Besides its fields, every document carries arrays that a fixed set of indexes covers, whatever
fields a company defines (DESIGN.md, "Indexes for a dynamic field model"):

- ``sk``: one entry per filterable value, native and custom (``<key>\\x1f<encoded value>``);
  native keys start with ``_``, which no custom key can.
- ``uniq``: one entry per value of a unique custom field; a unique partial index refuses
  duplicates within a CRM. Omitted when empty (two empty arrays would collide).
- ``kw``: the normalized words the free-text ``search`` matches by prefix.
- ``phone_keys``: E.164 numbers for caller-ID matching.
- ``name_sort``: the Polish-order key of the list's default sort.

They are recomputed from the document in one place, :func:`models.contact_keys.derive`.

A contact also carries its ``segment`` (R8, :meth:`models.segmentation.ContactSegment.stored`),
computed on every write and by the segmentation job; ``sk`` holds the segment's id.
"""

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from models.address import Address
from models.timestamps import utcnow


class Phone(BaseModel):
    number: str
    raw: str
    label: str | None = None


class DerivedKeys(BaseModel):
    name_sort: str = ""
    sk: list[str] = Field(default_factory=list)
    uniq: list[str] | None = None
    kw: list[str] = Field(default_factory=list)
    phone_keys: list[str] = Field(default_factory=list)


def _record_indexes() -> list[IndexModel]:
    """The indexes contacts and organizations share: one per query shape of the lists."""
    return [
        IndexModel(
            [("crm_id", ASCENDING), ("deleted", ASCENDING), ("name_sort", ASCENDING), ("_id", 1)],
            name="list_by_name",
        ),
        *(
            IndexModel(
                [("crm_id", ASCENDING), ("deleted", ASCENDING), (field, ASCENDING), ("_id", 1)],
                name=f"list_by_{name}",
            )
            for name, field in (("created", "created_at"), ("updated", "updated_at"))
        ),
        # ``deleted`` in the filter, search and lookup indexes: a flat equality query then has
        # every predicate covered, which the embedded engine needs to use an index at all.
        IndexModel(
            [("crm_id", ASCENDING), ("deleted", ASCENDING), ("sk", ASCENDING)], name="filter"
        ),
        IndexModel(
            [("crm_id", ASCENDING), ("deleted", ASCENDING), ("kw", ASCENDING)], name="search"
        ),
        IndexModel(
            [("crm_id", ASCENDING), ("deleted", ASCENDING), ("uniq", ASCENDING)],
            name="unique_lookup",
        ),
        IndexModel(
            [("crm_id", ASCENDING), ("uniq", ASCENDING)],
            name="unique_values",
            unique=True,
            partialFilterExpression={"uniq": {"$exists": True}},
        ),
        IndexModel([("tenant_id", ASCENDING), ("phone_keys", ASCENDING)], name="caller_id"),
    ]


class Contact(Document, DerivedKeys):
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    first_name: str
    last_name: str
    email: str | None = None
    phones: list[Phone] = Field(default_factory=list)
    position_id: PydanticObjectId | None = None
    stage_id: PydanticObjectId | None = None
    acquisition_source_id: PydanticObjectId | None = None
    tags: list[str] = Field(default_factory=list)
    address: Address = Field(default_factory=Address)
    organization_id: PydanticObjectId | None = None
    custom: dict = Field(default_factory=dict)
    segment: dict | None = None
    deleted: bool = False
    deleted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "contacts"
        keep_nulls = False
        indexes = [
            *_record_indexes(),
            # Whether a position, stage or source is still used (refusing its deletion).
            *(
                IndexModel([("tenant_id", ASCENDING), (field, ASCENDING)], name=f"uses_{field}")
                for field in ("position_id", "stage_id", "acquisition_source_id")
            ),
            IndexModel(
                [
                    ("crm_id", ASCENDING),
                    ("deleted", ASCENDING),
                    ("stage_id", ASCENDING),
                    ("name_sort", ASCENDING),
                    ("_id", ASCENDING),
                ],
                name="kanban",
            ),
            # R8: the number of live contacts per segment, counted on the index alone.
            IndexModel(
                [("crm_id", ASCENDING), ("deleted", ASCENDING), ("segment.definition.id", 1)],
                name="segments",
            ),
        ]


class Organization(Document, DerivedKeys):
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    name: str
    tax_id: str | None = None
    regon: str | None = None
    address: Address = Field(default_factory=Address)
    phones: list[Phone] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    website: str | None = None
    custom: dict = Field(default_factory=dict)
    deleted: bool = False
    deleted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "organizations"
        keep_nulls = False
        indexes = _record_indexes()
