"""Caller-ID matching (R10.1, R1.4): a caller's number against the ``phoneKeys`` of the live
contacts and organizations of some CRMs, on the ``caller_id`` index.

The query holds exactly the index's fields and no ``hint``; the CRM and the soft-delete flag are
checked on the few records it finds. Measured on the embedded engine (SecantusDB 0.7.0b3, 20,000
documents): this shape takes 0.6 ms, while adding ``deleted`` or ``crm_id`` to the filter, or
naming the index with ``hint``, makes it read the whole collection (0.9-1.5 s). On MongoDB the
planner takes ``caller_id`` for it either way.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from app.organization_phones import OrganizationPhones
from models.call_event import MAX_NUMBER_LENGTH
from models.company import Company
from models.contact import Contact, Organization
from models.errors import Validator
from models.phones import caller_key

Row = dict[str, Any]

# A number shared by more records than this identifies nobody; the list stops there.
MAX_MATCHES = 20
# At most this many records of the company are read for one number (all CRMs, the trash too).
MAX_READ = 500


@dataclass(frozen=True)
class MatchedRows:
    normalized_number: str | None
    contacts: list[Row]
    organizations: list[Row]
    # R1.4: with callerIdAuthentication on, the contact when exactly one matches.
    auto_assigned: Row | None

    def stored(self) -> dict[str, Any]:
        """What a call event keeps of the match (``models.call_event.CallerMatchIds``)."""
        stored: dict[str, Any] = {
            "contact_ids": [row["_id"] for row in self.contacts],
            "organization_ids": [row["_id"] for row in self.organizations],
        }
        if self.auto_assigned is not None:
            stored["auto_assigned_id"] = self.auto_assigned["_id"]
        return stored


def check_number(v: Validator, value: str | None, path: str) -> str | None:
    """A number as the exchange or a client sent it: any text (it may be no number at all, such
    as ``anonymous``), trimmed, of bounded length."""
    if value is None:
        return None
    trimmed = value.strip()
    v.check(len(trimmed) <= MAX_NUMBER_LENGTH, path, f"At most {MAX_NUMBER_LENGTH} characters.")
    return trimmed or None


async def _matching(
    collection: Any,
    tenant_id: PydanticObjectId,
    key: str,
    crm_ids: frozenset[PydanticObjectId] | None,
) -> list[Row]:
    """The live records of ``crm_ids`` (None: all) with the key, by name."""
    cursor = collection.find({"tenant_id": tenant_id, "phone_keys": key}).limit(MAX_READ)
    rows = [
        row
        for row in await cursor.to_list()
        if not row.get("deleted") and (crm_ids is None or row["crm_id"] in crm_ids)
    ]
    rows.sort(key=lambda row: (row.get("name_sort", ""), row["_id"]))
    return rows[:MAX_MATCHES]


async def match_caller(
    company: Company,
    crm_ids: frozenset[PydanticObjectId] | None,
    phone: str | None,
    organization_phones: OrganizationPhones,
) -> MatchedRows:
    """The records of ``crm_ids`` (None: every CRM of the company) that have the number.

    Organizations are read only when one may have the number (``app/organization_phones.py``):
    most callers are contacts, and on the embedded engine the second lookup doubled the time."""
    key = caller_key(phone, company.settings.default_phone_region)
    if key is None or crm_ids == frozenset():
        return MatchedRows(key, [], [], None)
    assert company.id is not None
    models = [Contact]
    if organization_phones.may_have(company.id, key) is not False:
        models.append(Organization)
    found = await asyncio.gather(
        *(_matching(model.get_pymongo_collection(), company.id, key, crm_ids) for model in models)
    )
    contacts, organizations = found[0], found[1] if len(found) > 1 else []
    only_one = contacts[0] if len(contacts) == 1 else None
    auto_assigned = only_one if company.settings.caller_id_authentication else None
    return MatchedRows(key, contacts, organizations, auto_assigned)
