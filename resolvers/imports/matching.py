"""Finds the stored contact a row stands for, by ``matchOn``: the email, a phone number, the id or
a unique custom field; the rows that repeat an earlier row's value of it; and the unique values
stored contacts already hold.

Values are compared in the forms the derived index keys hold them (models.contact_keys). What the
CRM's live contacts hold is read once, when the job starts (:meth:`Matcher.load`), in one scan
of the CRM: per-batch ``$in`` queries of 500 keys cost the embedded engine seconds each, a scan
of the CRM's keys about 4 ms per 30 contacts. A contact created meanwhile by another request is
not matched; its unique values are still protected, by the unique index when the batch is
written (writing.py).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId

from models.contact import Contact
from models.contact_keys import encode_value, native_key
from models.custom_values import InvalidValue, from_stored, to_stored
from models.field_definition import FieldDefinition
from models.phones import InvalidPhone, normalize_phone
from models.sortable import encode_text, entry
from models.values import normalize_email
from resolvers.imports.cells import ParsedRow

Row = dict[str, Any]


def _email_entry(email: str) -> str:
    return entry(native_key("email"), encode_text(normalize_email(email)))


def _phone_entry(number: str) -> str:
    return entry(native_key("phone"), number)


@dataclass
class Matcher:
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    # "email", "phone", "id", the key of a unique custom field; None: rows are not matched.
    match_on: str | None
    # The column holding the value (``email``, ``phones``, ``id``, ``custom.<key>``).
    field: str | None
    region: str
    definition: FieldDefinition | None = None
    # Stored live contacts: match key -> their ids; unique entry -> the contact holding it.
    stored: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    unique_holders: dict[str, Any] = field(default_factory=dict)
    # Match key -> the first row of the file that had it (and did not fail).
    seen: dict[str, int] = field(default_factory=dict)

    def keys(self, row: ParsedRow) -> list[str]:
        """The row's values of the match field, as index entries; [] when it has none (an
        invalid value is reported by the contact's own checks, or here for ids)."""
        value = row.values.get(self.field) if self.field else None
        if value is None:
            return []
        match self.match_on:
            case "email":
                return [_email_entry(value)]
            case "phone":
                numbers = []
                for raw in value:
                    try:
                        numbers.append(_phone_entry(normalize_phone(raw, self.region)))
                    except InvalidPhone:
                        continue
                return numbers
            case "id":
                try:
                    return [str(PydanticObjectId(value))]
                except (InvalidId, TypeError):
                    row.problem(self.field, "Not a contact id.")
                    return []
        assert self.definition is not None
        try:
            stored = to_stored(self.definition, value)
        except InvalidValue:
            return []
        encoded = encode_value(self.definition.type, from_stored(self.definition.type, stored))
        return [entry(self.definition.key, encoded)]

    def _keys_of_stored(self) -> Callable[[Row], set[str]]:
        match self.match_on:
            case "email":
                return lambda doc: {_email_entry(doc["email"])} if doc.get("email") else set()
            case "phone":
                return lambda doc: {_phone_entry(p["number"]) for p in doc.get("phones") or []}
            case "id":
                return lambda doc: {str(doc["_id"])}
            case None:
                return lambda doc: set()
        return lambda doc: set(doc.get("uniq") or [])

    async def load(self, unique_fields: bool) -> None:
        """Reads what the CRM's live contacts hold of the match field and unique fields."""
        projection: dict[str, int] = {"tenant_id": 1, "deleted": 1}
        if unique_fields or self.match_on not in (None, "email", "phone", "id"):
            projection["uniq"] = 1
        projection.update(
            {"email": {"email": 1}, "phone": {"phones.number": 1}}.get(self.match_on or "", {})
        )
        if self.match_on is None and "uniq" not in projection:
            return
        keys_of = self._keys_of_stored()
        async for doc in Contact.get_pymongo_collection().find({"crm_id": self.crm_id}, projection):
            if doc.get("deleted") or doc["tenant_id"] != self.tenant_id:
                continue
            for key in keys_of(doc):
                self.stored[key].append(doc["_id"])
            for value in doc.get("uniq") or []:
                self.unique_holders[value] = doc["_id"]

    async def lookup(self, rows: list[tuple[ParsedRow, list[str]]]) -> dict[int, list[Row]]:
        """The live stored contacts each row's keys name (by row number)."""
        ids = {i for _, keys in rows for key in keys for i in self.stored.get(key, [])}
        if not ids:
            return {}
        # By _id alone: the embedded engine uses an index only for filters it fully covers.
        found = {
            doc["_id"]: doc
            async for doc in Contact.get_pymongo_collection().find({"_id": {"$in": sorted(ids)}})
            if doc["tenant_id"] == self.tenant_id
            and doc["crm_id"] == self.crm_id
            and not doc.get("deleted")
        }
        matched: dict[int, list[Row]] = {}
        for row, keys in rows:
            docs = {i: found[i] for key in keys for i in self.stored.get(key, []) if i in found}
            if docs:
                matched[row.number] = list(docs.values())
        return matched

    def repeated(self, keys: list[str]) -> int | None:
        """An earlier row with one of these keys, if any."""
        return next((self.seen[key] for key in keys if key in self.seen), None)

    def claim(self, number: int, keys: list[str]) -> None:
        for key in keys:
            self.seen.setdefault(key, number)
