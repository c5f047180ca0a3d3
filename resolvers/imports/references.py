"""Finds the records a file names (positions, stages, acquisition sources and organizations by
name, organizations by NIP too, tags among those the CRM's contacts have) and, with
``createMissingReferences``, the positions, stages and sources it names that do not exist yet.

Everything is looked up in the job's company and CRM only. A missing reference is created only
for rows that are otherwise valid, just before they are written: until then it is
:class:`Pending`, with the id it will get.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from models.contact import Contact, Organization
from models.contact_keys import native_key
from models.crm import Crm
from models.crm_lists import AcquisitionSource, Stage
from models.errors import DomainError, Validator
from models.position import Position
from models.sortable import encode_text, entry
from models.tax_ids import InvalidTaxId, normalize_tax_id
from models.values import check_name, name_key
from resolvers.contact_options.crm_lists import CrmList, add_item
from resolvers.imports.cells import ParsedRow
from resolvers.organizations.service import _region as organization_region
from resolvers.sources.service import SOURCES
from resolvers.stages.service import STAGES

# The reference columns and the contact field each fills.
REFERENCE_FIELDS = {
    "position": "position_id",
    "stage": "stage_id",
    "acquisitionSource": "acquisition_source_id",
    "organization": "organization_id",
}
CREATABLE = ("position", "stage", "acquisitionSource")
_WHAT = {"position": "position", "stage": "stage", "acquisitionSource": "acquisition source"}


@dataclass(eq=False)
class Pending:
    """A position, stage or source a valid row names and that will be created for it."""

    field: str
    name: str
    id: PydanticObjectId = field(default_factory=PydanticObjectId)
    # Why it could not be created (its rows then fail).
    refused: str | None = None


Reference = PydanticObjectId | Pending


@dataclass
class References:
    tenant_id: PydanticObjectId
    crm: Crm
    create_missing: bool
    _positions: dict[str, PydanticObjectId] = field(default_factory=dict)
    _pending: dict[tuple[str, str], Pending] = field(default_factory=dict)
    _known_tags: dict[str, bool] = field(default_factory=dict)

    async def load(self) -> None:
        positions = await Position.find({"tenant_id": self.tenant_id}).to_list()
        self._positions = {p.name_key: p.id for p in positions if p.id is not None}

    def _listed(self, field_name: str, key: str) -> PydanticObjectId | None:
        match field_name:
            case "position":
                return self._positions.get(key)
            case "stage":
                return next((s.id for s in self.crm.stages if s.name_key == key), None)
            case _:
                return next(
                    (
                        s.id
                        for s in self.crm.acquisition_sources
                        if s.name_key == key or (s.system_key and s.system_key.lower() == key)
                    ),
                    None,
                )

    def _named(self, row: ParsedRow, field_name: str) -> Reference | None:
        name = row.values[field_name]
        v = Validator()
        name = check_name(v, name, field_name)
        if v.errors:
            row.problem(field_name, v.errors[0].message)
            return None
        key = name_key(name)
        if (found := self._listed(field_name, key)) is not None:
            return found
        if not self.create_missing:
            row.problem(
                field_name,
                f"No {_WHAT[field_name]} named '{name}' (allow createMissingReferences to add it).",
            )
            return None
        return self._pending.setdefault((field_name, key), Pending(field_name, name))

    async def resolve(self, rows: list[ParsedRow]) -> dict[int, dict[str, Reference]]:
        """The references of each row (by row number); problems go to the rows."""
        organizations = await self._organizations(rows)
        await self._load_tags(rows)
        resolved: dict[int, dict[str, Reference]] = {}
        for row in rows:
            refs: dict[str, Reference] = {}
            for field_name in CREATABLE:
                if field_name in row.values and (ref := self._named(row, field_name)) is not None:
                    refs[field_name] = ref
            if (organization := organizations.get(row.number)) is not None:
                refs["organization"] = organization
            for tag in row.values.get("tags", []):
                if not self.create_missing and not self._known_tags.get(encode_text(tag)):
                    row.problem(
                        "tags",
                        f"Unknown tag '{tag}': no contact of this CRM has it (allow "
                        "createMissingReferences to add it).",
                    )
            resolved[row.number] = refs
        return resolved

    async def _load_tags(self, rows: list[ParsedRow]) -> None:
        if self.create_missing:
            return
        contacts = Contact.get_pymongo_collection()
        for tag in {encode_text(t) for row in rows for t in row.values.get("tags", [])}:
            if tag not in self._known_tags:
                found = await contacts.find_one(
                    {"crm_id": self.crm.id, "sk": entry(native_key("tags"), tag)}, {"_id": 1}
                )
                self._known_tags[tag] = found is not None

    async def _organizations(self, rows: list[ParsedRow]) -> dict[int, PydanticObjectId]:
        """Organizations by NIP where a row gives one, else by name; exactly one must match."""
        wanted: dict[int, tuple[str, str, str]] = {}  # row -> (field, sk key, encoded value)
        region = organization_region(self.crm)
        for row in rows:
            if "organization.taxId" in row.values:
                try:
                    tax_id = normalize_tax_id(row.values["organization.taxId"], region)
                except InvalidTaxId as error:
                    row.problem("organization.taxId", str(error))
                    continue
                wanted[row.number] = ("organization.taxId", "taxId", encode_text(tax_id))
            elif "organization" in row.values:
                encoded = encode_text(row.values["organization"])
                wanted[row.number] = ("organization", "name", encoded)
        if not wanted:
            return {}
        entries = sorted({entry(native_key(key), value) for _, key, value in wanted.values()})
        holders: dict[str, list[PydanticObjectId]] = defaultdict(list)
        # Only what the (crm_id, sk) index covers: the embedded engine then uses it unasked.
        async for organization in Organization.get_pymongo_collection().find(
            {"crm_id": self.crm.id, "sk": {"$in": entries}}, {"sk": 1, "deleted": 1}
        ):
            if organization.get("deleted"):
                continue
            for sk in set(organization["sk"]) & set(entries):
                holders[sk].append(organization["_id"])
        found: dict[int, PydanticObjectId] = {}
        by_number = {row.number: row for row in rows}
        for number, (field_name, key, value) in wanted.items():
            matches = holders.get(entry(native_key(key), value), [])
            row = by_number[number]
            what = "NIP" if key == "taxId" else "name"
            if len(matches) == 1:
                found[number] = matches[0]
            elif not matches:
                row.problem(field_name, f"No organization with this {what} in this CRM.")
            else:
                row.problem(
                    field_name,
                    f"{len(matches)} organizations of this CRM have this {what}; "
                    "give the NIP to tell them apart.",
                )
        return found

    async def create(self, pending: Iterable[Pending]) -> None:
        """Creates the pending references valid rows use; a name taken meanwhile by another
        request is used as it is (the pending id then changes to the existing one)."""
        for item in pending:
            if item.refused is not None:
                continue
            existing = self._listed(item.field, name_key(item.name))
            if existing is None:
                try:
                    await self._create(item)
                except DomainError as error:
                    item.refused = error.message
                    continue
                existing = self._listed(item.field, name_key(item.name))
            if existing is not None:
                item.id = existing

    async def _create(self, item: Pending) -> None:
        key = name_key(item.name)
        if item.field == "position":
            position = Position(id=item.id, tenant_id=self.tenant_id, name=item.name, name_key=key)
            with contextlib.suppress(DuplicateKeyError):  # created meanwhile: found below
                await position.insert()
            await self.load()
            return
        items: CrmList[Any] = STAGES if item.field == "stage" else SOURCES
        model = Stage if item.field == "stage" else AcquisitionSource
        try:
            self.crm, _ = await add_item(
                items, self.crm, model(id=item.id, name=item.name, name_key=key), "crmId"
            )
        except DomainError:
            current = await Crm.find_one({"_id": self.crm.id, "tenant_id": self.tenant_id})
            if current is not None:
                self.crm = current
            if self._listed(item.field, key) is None:
                raise


def final_id(reference: Reference) -> PydanticObjectId:
    return reference.id if isinstance(reference, Pending) else reference
