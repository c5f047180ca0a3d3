"""Segmentation (R8): a CRM's definitions and classifiers, and the pure rules that score a contact.

Scoring (R8.3), as this module reads it:

- a rule scores ``points x weight`` of its classifier;
- a parameter (one classifier) scores its best matching rule. A single-valued parameter has one
  value; for tags and multi-select fields each value is matched and the best one counts. Among
  RANGE rules whose ranges overlap, only the one declared first matches a value (R8.2);
- the contact's score is the sum over parameters; the maximum is the sum over parameters of their
  best rule score; percent = score / maximum x 100;
- the segment is the definition whose range holds the percent: ``from`` inclusive, ``to``
  exclusive, 100 inclusive in the last. No classifiers, or a maximum of 0: no segment.

Values are compared as the filters compare them (:mod:`models.sortable`): text without regard to
case, accents and spacing; numbers by value (1 == 1.0); stages, positions and sources by id, so a
renamed stage keeps its rules. A RANGE holds both its bounds (either may be open).

Thresholds, weights and range bounds are decimals, and the boundaries are tested by exact
products (``score x 100 >= from x maximum``), so 9 of 30 points is 30 %, never 29.999... %.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Annotated, Any, Protocol

from beanie import PydanticObjectId
from bson import ObjectId
from bson.decimal128 import Decimal128
from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer

from models.contact_keys import native_key
from models.custom_values import from_stored
from models.errors import Validator
from models.field_definition import CHOICE_TYPES, NUMERIC_TYPES, FieldDefinition, FieldType
from models.sortable import SEPARATOR, encode_number, encode_text, entry
from models.values import name_key

MAX_DEFINITIONS = 20
MAX_CLASSIFIERS = 50
MAX_RULES = 200
MAX_POINTS = 10_000
MAX_WEIGHT = Decimal(1000)
MAX_VALUE_LENGTH = 200
# R8.1: a definition without ``to`` ends this many percentage points above its ``from``.
AUTO_STEP = Decimal(15)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# The ``sk`` key of a contact's segment (``segmentId`` of models.contact_keys.CONTACT_ID_KEYS).
SEGMENT_KEY = native_key("segmentId")


def _from_bson(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


# Stored as Decimal128 (``model_dump()`` gives it, as Beanie's encoder does), read as Decimal.
StoredDecimal = Annotated[
    Decimal,
    BeforeValidator(_from_bson),
    PlainSerializer(Decimal128, return_type=Any, when_used="unless-none"),
]


class ClassifierKind(StrEnum):
    NATIVE = "NATIVE"
    CUSTOM = "CUSTOM"


class NativeParameter(StrEnum):
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    EMAIL = "EMAIL"
    STAGE = "STAGE"
    POSITION = "POSITION"
    TAGS = "TAGS"
    ACQUISITION_SOURCE = "ACQUISITION_SOURCE"
    COUNTRY = "COUNTRY"
    REGION = "REGION"
    CITY = "CITY"
    POSTAL_CODE = "POSTAL_CODE"
    ADDRESS_1 = "ADDRESS_1"
    ADDRESS_2 = "ADDRESS_2"


class RuleCondition(StrEnum):
    VALUE = "VALUE"
    RANGE = "RANGE"
    EXISTS = "EXISTS"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class ValueKind(Enum):
    """How the values of a parameter are compared."""

    TEXT = "text"
    ID = "id"
    NUMBER = "number"
    FLAG = "flag"
    DATE = "date"


# Where a contact holds each native parameter, and how its values compare.
NATIVE_PARAMETERS: dict[NativeParameter, tuple[str, ValueKind]] = {
    NativeParameter.FIRST_NAME: ("first_name", ValueKind.TEXT),
    NativeParameter.LAST_NAME: ("last_name", ValueKind.TEXT),
    NativeParameter.EMAIL: ("email", ValueKind.TEXT),
    NativeParameter.STAGE: ("stage_id", ValueKind.ID),
    NativeParameter.POSITION: ("position_id", ValueKind.ID),
    NativeParameter.TAGS: ("tags", ValueKind.TEXT),
    NativeParameter.ACQUISITION_SOURCE: ("acquisition_source_id", ValueKind.ID),
    NativeParameter.COUNTRY: ("address.country", ValueKind.TEXT),
    NativeParameter.REGION: ("address.region", ValueKind.TEXT),
    NativeParameter.CITY: ("address.city", ValueKind.TEXT),
    NativeParameter.POSTAL_CODE: ("address.postal_code", ValueKind.TEXT),
    NativeParameter.ADDRESS_1: ("address.line1", ValueKind.TEXT),
    NativeParameter.ADDRESS_2: ("address.line2", ValueKind.TEXT),
}

FIELD_KINDS: dict[FieldType, ValueKind] = {
    FieldType.TEXT: ValueKind.TEXT,
    FieldType.LONG_TEXT: ValueKind.TEXT,
    FieldType.URL: ValueKind.TEXT,
    FieldType.SELECT: ValueKind.TEXT,
    FieldType.MULTI_SELECT: ValueKind.TEXT,
    FieldType.INTEGER: ValueKind.NUMBER,
    FieldType.DECIMAL: ValueKind.NUMBER,
    FieldType.FLAG: ValueKind.FLAG,
    FieldType.DATE: ValueKind.DATE,
}


def custom_path(key: str) -> str:
    return f"custom.{key}"


# --- the configuration, as the CRM document stores it -------------------------------------------


class SegmentDefinition(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    name: str
    name_key: str
    from_percent: StoredDecimal
    to_percent: StoredDecimal
    color: str


def segment_definitions(
    ranges: Iterable[tuple[str, int | str, int | str, str]],
) -> list[SegmentDefinition]:
    """Definitions from ``(name, from, to, color)``, as the demo data and benchmarks write them
    (the API checks its input first: resolvers/segmentation/checks.py)."""
    return [
        SegmentDefinition(
            name=name,
            name_key=name_key(name),
            from_percent=Decimal(start),
            to_percent=Decimal(end),
            color=color,
        )
        for name, start, end, color in ranges
    ]


class Rule(BaseModel):
    condition: RuleCondition
    # VALUE: the value in its canonical text form (an id for stages, positions and sources).
    value: str | None = None
    range_from: StoredDecimal | None = None
    range_to: StoredDecimal | None = None
    points: int


class Classifier(BaseModel):
    kind: ClassifierKind
    parameter: NativeParameter | None = None
    field_key: str | None = None
    weight: StoredDecimal = Decimal(1)
    rules: list[Rule]

    @property
    def best(self) -> Decimal:
        """The highest score one of its rules gives."""
        return max((rule.points * self.weight for rule in self.rules), default=ZERO)


class SegmentationJobState(BaseModel):
    """The recomputation of the CRM's contacts after the last change (see app.segmentation_jobs)."""

    status: JobStatus = JobStatus.PENDING
    processed: int = 0
    total: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class Segmentation(BaseModel):
    definitions: list[SegmentDefinition] = Field(default_factory=list)
    classifiers: list[Classifier] = Field(default_factory=list)
    # Bumped by every change that asks for a recomputation; a job works for one version.
    version: int = 0
    job: SegmentationJobState | None = None

    @property
    def max_score(self) -> Decimal:
        return sum((classifier.best for classifier in self.classifiers), ZERO)


# --- checking a configuration --------------------------------------------------------------------


class RuleInput(Protocol):
    condition: RuleCondition
    value: str | None
    range_from: Decimal | None
    range_to: Decimal | None
    points: int


@dataclass(frozen=True)
class ParameterTarget:
    """What a classifier's rules may say about its parameter."""

    kind: ValueKind
    ranged: bool = False  # RANGE rules: only integer and decimal custom fields
    options: tuple[str, ...] = ()  # a VALUE of a choice field names one of them
    ids: frozenset[str] | None = None  # a VALUE of a stage, position or source names one
    unknown_id: str = ""


def field_target(definition: FieldDefinition) -> ParameterTarget:
    return ParameterTarget(
        kind=FIELD_KINDS[definition.type],
        ranged=definition.type in NUMERIC_TYPES,
        options=tuple(definition.options) if definition.type in CHOICE_TYPES else (),
    )


def check_ranges(
    v: Validator, ranges: Sequence[tuple[Decimal | None, Decimal | None]], path: str
) -> list[tuple[Decimal, Decimal]]:
    """R8.1: the definitions' ``(from, to)`` percent ranges, resolved. The first starts at 0 and
    the last ends at 100; each starts where the previous one ends (``from`` may be omitted for
    that); a missing ``to`` is ``from`` + 15. Errors name ``<path>.<index>.from`` or ``.to``; a
    definition whose ``to`` is wrong is the only one named, not the next one too."""
    resolved: list[tuple[Decimal, Decimal]] = []
    errors_before = len(v.errors)
    end, wrong_end = ZERO, False
    for i, (given_from, given_to) in enumerate(ranges):
        start = end if given_from is None else given_from
        if given_from is not None and given_from != end and not wrong_end:
            where = "start at 0 %" if i == 0 else f"start where the previous one ends, at {end} %"
            v.add(f"{path}.{i}.from", f"Must {where}.")
        end = start + AUTO_STEP if given_to is None else given_to
        wrong_end = True
        if given_to is not None and given_to <= start:
            v.add(f"{path}.{i}.to", f"Must be above from ({start} %).")
        elif end > HUNDRED:
            auto = "" if given_to is not None else f" (from + {AUTO_STEP} is {end} %)"
            v.add(f"{path}.{i}.to", f"At most 100 %{auto}.")
        else:
            wrong_end = False
        resolved.append((start, end))
    if resolved and len(v.errors) == errors_before and end != HUNDRED:
        last = f"{path}.{len(resolved) - 1}.to"
        v.add(last, f"The last definition must end at 100 %, not {end} %.")
    return resolved


def _canonical_number(text: str) -> Decimal:
    number = Decimal(text.strip().replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation
    return number


def _canonical_value(target: ParameterTarget, value: str) -> str:
    """The stored form of a VALUE for ``target``; ValueError with a message when it cannot be."""
    text = value.strip()
    if not text:
        raise ValueError("Must not be empty.")
    match target.kind:
        case ValueKind.ID:
            if target.ids is None or text not in target.ids:
                raise ValueError(target.unknown_id)
            return text
        case ValueKind.NUMBER:
            try:
                return str(_canonical_number(text))
            except (InvalidOperation, ValueError) as error:
                raise ValueError("Must be a number.") from error
        case ValueKind.FLAG:
            if text.casefold() not in ("true", "false"):
                raise ValueError("Must be true or false.")
            return text.casefold()
        case ValueKind.DATE:
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError as error:
                raise ValueError("Must be a date, YYYY-MM-DD.") from error
    if target.options:
        option = next((o for o in target.options if encode_text(o) == encode_text(text)), None)
        if option is None:
            raise ValueError(f"Must be one of: {', '.join(target.options)}.")
        return option
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"At most {MAX_VALUE_LENGTH} characters.")
    return text


def _check_rule(v: Validator, target: ParameterTarget, rule: RuleInput, path: str) -> Rule:
    v.check(0 <= rule.points <= MAX_POINTS, f"{path}.points", f"From 0 to {MAX_POINTS}.")
    stored = Rule(condition=rule.condition, points=rule.points)
    ranged = rule.range_from is not None or rule.range_to is not None
    if rule.condition is not RuleCondition.VALUE:
        v.check(rule.value is None, f"{path}.value", "Only VALUE rules have a value.")
    if rule.condition is not RuleCondition.RANGE:
        v.check(not ranged, f"{path}.from", "Only RANGE rules have from and to.")
    match rule.condition:
        case RuleCondition.VALUE:
            if v.check(rule.value is not None, f"{path}.value", "A VALUE rule needs a value."):
                try:
                    stored.value = _canonical_value(target, rule.value or "")
                except ValueError as error:
                    v.add(f"{path}.value", str(error))
        case RuleCondition.RANGE:
            if not v.check(
                target.ranged,
                f"{path}.condition",
                "RANGE is only for integer and decimal custom fields.",
            ):
                return stored
            v.check(ranged, f"{path}.from", "A RANGE rule needs from, to or both.")
            low, high = rule.range_from, rule.range_to
            for name, bound in (("from", low), ("to", high)):
                v.check(bound is None or bound.is_finite(), f"{path}.{name}", "Must be a number.")
            if low is not None and high is not None and low.is_finite() and high.is_finite():
                v.check(low <= high, f"{path}.to", "Must not be below from.")
            stored.range_from, stored.range_to = low, high
    return stored


def check_rules(
    v: Validator, target: ParameterTarget, rules: Sequence[RuleInput], path: str
) -> list[Rule]:
    """The classifier's rules, checked for its parameter; errors name ``<path>.<i>.<member>``."""
    v.check(bool(rules), path, "Add at least one rule.")
    v.check(len(rules) <= MAX_RULES, path, f"At most {MAX_RULES} rules.")
    checked = [_check_rule(v, target, rule, f"{path}.{i}") for i, rule in enumerate(rules)]
    seen: set[str] = set()
    exists = 0
    for i, rule in enumerate(checked):
        if rule.condition is RuleCondition.EXISTS:
            exists += 1
            v.check(exists == 1, f"{path}.{i}.condition", "At most one EXISTS rule.")
        if rule.value is not None:
            key = _value_key(target.kind, rule.value)
            v.check(key not in seen, f"{path}.{i}.value", "Another rule has this value.")
            seen.add(key)
    return checked


def check_weight(v: Validator, weight: Decimal, path: str) -> Decimal:
    v.check(
        weight.is_finite() and ZERO < weight <= MAX_WEIGHT,
        path,
        f"Must be above 0 and at most {MAX_WEIGHT}.",
    )
    return weight


# --- scoring ------------------------------------------------------------------------------------


def _value_key(kind: ValueKind, value: Any) -> str:
    """The form under which a contact's value and a VALUE rule's value are compared."""
    match kind:
        case ValueKind.TEXT:
            return encode_text(str(value))
        case ValueKind.NUMBER:
            # A value of another type (a field whose type changed) matches no number.
            try:
                number = (
                    value
                    if isinstance(value, int | Decimal) and not isinstance(value, bool)
                    else _canonical_number(str(value))
                )
                return encode_number(number)
            except (InvalidOperation, ValueError, TypeError):
                return f"\x00{value}"
        case ValueKind.FLAG:
            return str(value).casefold()
        case ValueKind.DATE:
            return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def _read(document: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    value: Any = document
    for part in parts:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class _Parameter:
    """One classifier, compiled for scoring many contacts."""

    path: str
    read: Callable[[Any], list[Any]]
    kind: ValueKind
    values: Mapping[str, Decimal]
    ranges: tuple[tuple[Decimal | None, Decimal | None, Decimal], ...]
    exists: Decimal | None
    parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.path.split(".")))

    def _in_range(self, value: Any) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return None
        for low, high, score in self.ranges:  # the first declared range holding it wins
            if (low is None or low <= value) and (high is None or value <= high):
                return score
        return None

    def score(self, document: Mapping[str, Any]) -> Decimal:
        values = self.read(_read(document, self.parts))
        if not values:
            return ZERO
        found = [] if self.exists is None else [self.exists]
        for value in values:
            if (score := self.values.get(_value_key(self.kind, value))) is not None:
                found.append(score)
            if self.ranges and (score := self._in_range(value)) is not None:
                found.append(score)
        return max(found, default=ZERO)


def _compile(classifier: Classifier, fields: Mapping[str, FieldDefinition]) -> _Parameter | None:
    """None: the classifier names a field the company no longer has (it scores nothing)."""
    if classifier.kind is ClassifierKind.NATIVE:
        assert classifier.parameter is not None
        path, kind = NATIVE_PARAMETERS[classifier.parameter]
        read = _as_list
    else:
        assert classifier.field_key is not None
        definition = fields.get(classifier.field_key)
        if definition is None:
            return None
        path, kind = custom_path(definition.key), FIELD_KINDS[definition.type]
        field_type = definition.type

        def read(stored: Any) -> list[Any]:
            return _as_list(from_stored(field_type, stored))

    weight = classifier.weight
    values: dict[str, Decimal] = {}
    ranges = []
    exists = None
    for rule in classifier.rules:
        score = rule.points * weight
        match rule.condition:
            case RuleCondition.VALUE:
                values.setdefault(_value_key(kind, rule.value), score)
            case RuleCondition.RANGE:
                ranges.append((rule.range_from, rule.range_to, score))
            case RuleCondition.EXISTS:
                exists = score if exists is None else exists
    return _Parameter(path, read, kind, values, tuple(ranges), exists)


@dataclass(frozen=True)
class ContactSegment:
    """A contact's segment; ``stored()`` is the ``segment`` sub-document of the contact, which
    keeps the definition as it was so that a contact always shows a whole segment."""

    definition: SegmentDefinition
    score: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal:
        return self.score * HUNDRED / self.max_score

    def stored(self) -> dict[str, Any]:
        d = self.definition
        return {
            "definition": {
                "id": ObjectId(d.id),
                "name": d.name,
                "color": d.color,
                "from": float(d.from_percent),
                "to": float(d.to_percent),
            },
            "score": float(self.score),
            "max_score": float(self.max_score),
            "percent": round(float(self.percent), 2),
        }


def holding(
    definitions: Sequence[SegmentDefinition], score: Decimal, maximum: Decimal
) -> SegmentDefinition | None:
    """The definition whose range holds ``score / maximum`` (``from`` inclusive, ``to``
    exclusive, 100 inclusive in the last), compared by exact products."""
    scaled = score * HUNDRED
    for i, definition in enumerate(definitions):
        last = i == len(definitions) - 1
        above = scaled >= definition.from_percent * maximum
        below = scaled < definition.to_percent * maximum or (
            last and scaled == definition.to_percent * maximum
        )
        if above and below:
            return definition
    return None


class Scorer:
    """A CRM's segmentation compiled once, then applied to any number of contacts (stored-shape
    dicts). ``fields`` are the company's contact field definitions."""

    def __init__(self, segmentation: Segmentation, fields: Iterable[FieldDefinition]) -> None:
        by_key = {definition.key: definition for definition in fields}
        self.definitions = list(segmentation.definitions)
        self.max_score = segmentation.max_score
        compiled = (_compile(classifier, by_key) for classifier in segmentation.classifiers)
        self._parameters = [parameter for parameter in compiled if parameter is not None]

    @property
    def paths(self) -> list[str]:
        """The contact's fields the scores read."""
        return sorted({parameter.path for parameter in self._parameters})

    def segment(self, document: Mapping[str, Any]) -> ContactSegment | None:
        if self.max_score <= ZERO:
            return None
        score = sum((parameter.score(document) for parameter in self._parameters), ZERO)
        definition = holding(self.definitions, score, self.max_score)
        if definition is None:
            return None
        return ContactSegment(definition, score, self.max_score)

    def stored_segment(self, document: Mapping[str, Any]) -> dict[str, Any] | None:
        segment = self.segment(document)
        return segment.stored() if segment is not None else None


def segment_sk(sk: Iterable[str], segment: Mapping[str, Any] | None) -> list[str]:
    """A contact's ``sk`` with the entry of its new ``segment`` (a stored sub-document) in place
    of the old one, in the order models.contact_keys.derive gives: what the job writes."""
    prefix = SEGMENT_KEY + SEPARATOR
    kept = {key for key in sk if not key.startswith(prefix)}
    if segment is not None:
        kept.add(entry(SEGMENT_KEY, str(segment["definition"]["id"])))
    return sorted(kept)
