"""The columns a contact import accepts (R4.2) and how a file's headers are matched to them.

The allowed columns are the native fields, each with Polish and English headers, and every custom
contact field under its name and its key. Headers are compared by :func:`header_key`, without
regard to case, diacritics (ł too), spaces and punctuation: "Imię", "IMIE", "First name" and
"firstName" all name the first name.

A custom field's name or key takes precedence over a native header that reads the same (a company
that defines a contact field "NIP" means that field by a column "NIP"); the native column keeps
its other headers.
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.errors import FieldError
from models.field_definition import FieldDefinition, FieldType
from models.import_job import ColumnPlan
from models.import_messages import ERROR_HEADER

CUSTOM_PREFIX = "custom."
# The column errors.csv adds, in either language: a fixed file imported again must not report it
# as unknown.
ERROR_HEADERS = tuple(ERROR_HEADER.values())


@dataclass(frozen=True)
class NativeColumn:
    field: str
    headers: tuple[str, ...]
    required: bool = False
    # Several columns may fill it: their values are joined.
    multi: bool = False


NATIVE_COLUMNS: tuple[NativeColumn, ...] = (
    NativeColumn("id", ("ID", "Id kontaktu", "Contact ID")),
    NativeColumn("firstName", ("Imię", "First name", "Given name"), required=True),
    NativeColumn("lastName", ("Nazwisko", "Last name", "Surname"), required=True),
    NativeColumn("email", ("E-mail", "Email", "Adres e-mail", "Email address", "Mail")),
    NativeColumn(
        "phones",
        ("Telefon", "Phone", "Telefony", "Phones", "Numer telefonu", "Phone number"),
        multi=True,
    ),
    NativeColumn("position", ("Stanowisko", "Position", "Job title")),
    NativeColumn("stage", ("Etap", "Stage")),
    NativeColumn("tags", ("Tagi", "Tags", "Tag"), multi=True),
    NativeColumn(
        "acquisitionSource", ("Źródło pozyskania", "Acquisition source", "Źródło", "Source")
    ),
    NativeColumn("address.country", ("Kraj", "Country")),
    NativeColumn("address.region", ("Województwo", "Region")),
    NativeColumn("address.city", ("Miasto", "City", "Miejscowość")),
    NativeColumn("address.postalCode", ("Kod pocztowy", "Postal code", "ZIP code")),
    NativeColumn("address.line1", ("Adres 1", "Address 1", "Adres", "Address", "Address line 1")),
    NativeColumn("address.line2", ("Adres 2", "Address 2", "Address line 2")),
    NativeColumn("organization", ("Organizacja", "Firma", "Organization", "Organisation")),
    NativeColumn("organization.taxId", ("NIP", "Tax ID", "NIP firmy", "VAT ID")),
)

# What ``matchOn`` may name, and the column that holds it; unique custom fields by their key.
NATIVE_MATCH_KEYS = {"id": "id", "email": "email", "phone": "phones"}


def header_key(text: str) -> str:
    """The form under which headers are compared: letters and digits only, case-folded,
    without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(ch for ch in decomposed if ch.isalnum())


def custom_field(key: str) -> str:
    return f"{CUSTOM_PREFIX}{key}"


@dataclass(frozen=True)
class ImportColumnSpec:
    """One allowed column: the field it fills, the header an export writes, and every header
    accepted for it."""

    field: str
    header: str
    headers: tuple[str, ...]
    required: bool = False
    multi: bool = False
    definition: FieldDefinition | None = None

    @property
    def match_key(self) -> str | None:
        """The ``matchOn`` value naming this column, if rows can be matched on it."""
        for name, field in NATIVE_MATCH_KEYS.items():
            if field == self.field:
                return name
        if self.definition is not None and self.definition.unique:
            return self.definition.key
        return None


def catalogue(definitions: Sequence[FieldDefinition]) -> list[ImportColumnSpec]:
    """The allowed columns: natives, then the custom contact fields in the order given (R5)."""
    taken: dict[str, str] = {}

    def claim(field: str, candidates: Sequence[str]) -> list[str]:
        won = []
        for header in candidates:
            key = header_key(header)
            if key and taken.setdefault(key, field) == field and header not in won:
                won.append(header)
        return won

    custom_headers = {}
    for definition in definitions:  # keys first: each custom field keeps at least its key
        custom_headers[definition.key] = claim(custom_field(definition.key), [definition.key])
    for definition in definitions:
        custom_headers[definition.key] = [
            *claim(custom_field(definition.key), [definition.name]),
            *custom_headers[definition.key],
        ]
    columns = []
    for native in NATIVE_COLUMNS:
        headers = claim(native.field, [*native.headers, native.field])
        columns.append(
            ImportColumnSpec(
                native.field,
                headers[0] if headers else native.field,
                tuple(headers),
                native.required,
                native.multi,
            )
        )
    for definition in definitions:
        headers = custom_headers[definition.key]
        columns.append(
            ImportColumnSpec(
                custom_field(definition.key),
                headers[0],
                tuple(headers),
                definition.required,
                definition.type is FieldType.MULTI_SELECT,
                definition,
            )
        )
    return columns


def column_label(index: int) -> str:
    """A column's letter as a spreadsheet shows it: 0 -> A, 26 -> AA."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(ord("A") + remainder) + label
    return label


@dataclass(frozen=True)
class HeaderMatch:
    plans: list[ColumnPlan]
    unknown: list[str]
    problems: list[FieldError]

    def fields(self) -> set[str]:
        return {plan.field for plan in self.plans if plan.field is not None}


def match_headers(
    headers: Sequence[str],
    columns: Sequence[ImportColumnSpec],
    mapping: Mapping[str, str | None] | None = None,
) -> HeaderMatch:
    """Which field each column of the file fills. ``mapping`` (header -> field, None to ignore
    the column) overrides detection; its problems are reported at ``options.mapping.<i>``."""
    by_key = {header_key(h): c for c in columns for h in c.headers}
    known_fields = {c.field: c for c in columns}
    ignored = {header_key(h) for h in ERROR_HEADERS}
    problems: list[FieldError] = []
    overrides: dict[str, str | None] = {}
    file_keys = {header_key(h) for h in headers}
    for i, (header, field) in enumerate((mapping or {}).items()):
        if header_key(header) not in file_keys:
            problems.append(
                FieldError(f"options.mapping.{i}.header", "No such column in the file.")
            )
        if field is not None and field not in known_fields:
            problems.append(
                FieldError(f"options.mapping.{i}.field", "Not an allowed column (importColumns).")
            )
        overrides[header_key(header)] = field
    plans: list[ColumnPlan] = []
    unknown: list[str] = []
    for index, raw in enumerate(headers):
        header = raw.strip() or f"Column {column_label(index)}"
        key = header_key(raw)
        if key in overrides:
            field = overrides[key]
        elif key in by_key:
            field = by_key[key].field
        else:
            if key not in ignored:
                unknown.append(header)
            continue
        plans.append(ColumnPlan(index=index, header=header, field=field))
    seen: dict[str, str] = {}
    for plan in plans:
        if plan.field is None or plan.field not in known_fields:
            continue
        first = seen.setdefault(plan.field, plan.header)
        if first != plan.header and not known_fields[plan.field].multi:
            problems.append(
                FieldError("file", f"Columns '{first}' and '{plan.header}' both fill {plan.field}.")
            )
    return HeaderMatch(plans, unknown, problems)


def missing_for_create(match: HeaderMatch, columns: Sequence[ImportColumnSpec]) -> list[str]:
    """The required fields no column of the file fills: no row could create a contact."""
    present = match.fields()
    return [c.field for c in columns if c.required and c.field not in present]
