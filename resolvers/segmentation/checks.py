"""Checks a segmentation input against the CRM it configures and the company's contact fields.

Every problem is reported with its path (``input.definitions.1.to``,
``input.classifiers.0.rules.2.value``), so the definition or classifier at fault is named, and
nothing is stored unless the whole input is valid.
"""

from decimal import Decimal

from beanie import PydanticObjectId

from models.crm import Crm
from models.crm_lists import check_color
from models.errors import Validator
from models.field_definition import FieldDefinition, FieldEntity
from models.position import Position
from models.segmentation import (
    MAX_CLASSIFIERS,
    MAX_DEFINITIONS,
    NATIVE_PARAMETERS,
    Classifier,
    ClassifierKind,
    NativeParameter,
    ParameterTarget,
    Segmentation,
    SegmentDefinition,
    check_ranges,
    check_rules,
    check_weight,
    field_target,
)
from models.values import check_name, name_key
from resolvers.fields.definitions import definitions_of
from resolvers.segmentation.inputs import (
    SegmentationInput,
    SegmentClassifierInput,
    SegmentDefinitionInput,
)


def _decimal(value: float | None) -> Decimal | None:
    """A Float as the decimal it was written as (0.1 is 0.1, not 0.1000000000000000055...)."""
    return None if value is None else Decimal(repr(value))


def _definitions(
    v: Validator, crm: Crm, inputs: list[SegmentDefinitionInput], path: str
) -> list[SegmentDefinition]:
    v.check(len(inputs) <= MAX_DEFINITIONS, path, f"At most {MAX_DEFINITIONS} definitions.")
    given = [(_decimal(d.from_percent), _decimal(d.to_percent)) for d in inputs]
    ranges = check_ranges(v, given, path)
    current = {str(d.id) for d in crm.segmentation.definitions}
    names: set[str] = set()
    ids: set[str] = set()
    definitions = []
    for i, (data, (start, stop)) in enumerate(zip(inputs, ranges, strict=True)):
        at = f"{path}.{i}"
        name = check_name(v, data.name, f"{at}.name")
        key = name_key(name)
        v.check(key not in names, f"{at}.name", "Another definition has this name.")
        names.add(key)
        definition_id = PydanticObjectId()
        if data.id is not None:
            known = v.check(data.id in current, f"{at}.id", "No such definition in this CRM.")
            if known and v.check(data.id not in ids, f"{at}.id", "Given twice."):
                definition_id = PydanticObjectId(data.id)
            ids.add(data.id)
        definitions.append(
            SegmentDefinition(
                id=definition_id,
                name=name,
                name_key=key,
                from_percent=start,
                to_percent=stop,
                color=check_color(v, data.color, f"{at}.color"),
            )
        )
    return definitions


class _Targets:
    """What each parameter's rules may name in this CRM; the positions are read once, if asked."""

    def __init__(self, crm: Crm, fields: dict[str, FieldDefinition]) -> None:
        self.crm = crm
        self.fields = fields
        self._positions: frozenset[str] | None = None

    async def native(self, parameter: NativeParameter) -> ParameterTarget:
        _, kind = NATIVE_PARAMETERS[parameter]
        match parameter:
            case NativeParameter.STAGE:
                ids = frozenset(str(stage.id) for stage in self.crm.stages)
                return ParameterTarget(kind, ids=ids, unknown_id="No such stage in this CRM.")
            case NativeParameter.ACQUISITION_SOURCE:
                ids = frozenset(str(source.id) for source in self.crm.acquisition_sources)
                return ParameterTarget(
                    kind, ids=ids, unknown_id="No such acquisition source in this CRM."
                )
            case NativeParameter.POSITION:
                if self._positions is None:
                    found = await Position.find({"tenant_id": self.crm.tenant_id}).to_list()
                    self._positions = frozenset(str(position.id) for position in found)
                return ParameterTarget(kind, ids=self._positions, unknown_id="No such position.")
        return ParameterTarget(kind)


async def _classifier(
    v: Validator, targets: _Targets, data: SegmentClassifierInput, at: str
) -> tuple[Classifier, str | None]:
    """The classifier, and what it scores (None when that is not valid): one classifier each."""
    target = None
    scores: str | None = None
    native = data.kind is ClassifierKind.NATIVE
    given, other = ("parameter", "fieldKey") if native else ("fieldKey", "parameter")
    v.check(
        (data.field_key if native else data.parameter) is None,
        f"{at}.{other}",
        f"A {data.kind.value} classifier has a {given}, not a {other}.",
    )
    if native and v.check(data.parameter is not None, f"{at}.parameter", "Name the parameter."):
        assert data.parameter is not None
        target = await targets.native(data.parameter)
        scores = f"{at}.parameter"
    elif not native and v.check(data.field_key is not None, f"{at}.fieldKey", "Name the field."):
        definition = targets.fields.get(data.field_key or "")
        if v.check(definition is not None, f"{at}.fieldKey", "No such contact field."):
            assert definition is not None
            target = field_target(definition)
            scores = f"{at}.fieldKey"
    weight = check_weight(v, Decimal(repr(data.weight)), f"{at}.weight")
    rules = check_rules(v, target, data.rules, f"{at}.rules") if target is not None else []
    classifier = Classifier(
        kind=data.kind,
        parameter=data.parameter if native else None,
        field_key=None if native else data.field_key,
        weight=weight,
        rules=rules,
    )
    return classifier, scores


async def _classifiers(
    v: Validator, crm: Crm, inputs: list[SegmentClassifierInput], path: str
) -> list[Classifier]:
    v.check(len(inputs) <= MAX_CLASSIFIERS, path, f"At most {MAX_CLASSIFIERS} classifiers.")
    fields = await definitions_of(crm.tenant_id, FieldEntity.CONTACT)
    targets = _Targets(crm, {definition.key: definition for definition in fields})
    scored: set[tuple[ClassifierKind, str | None]] = set()
    classifiers = []
    for i, data in enumerate(inputs):
        classifier, scores = await _classifier(v, targets, data, f"{path}.{i}")
        if scores is not None:
            parameter = (classifier.kind, classifier.parameter or classifier.field_key)
            v.check(parameter not in scored, scores, "Another classifier scores this parameter.")
            scored.add(parameter)
        classifiers.append(classifier)
    return classifiers


async def checked_segmentation(crm: Crm, data: SegmentationInput) -> Segmentation:
    """The CRM's new definitions and classifiers; VALIDATION_FAILED lists every problem."""
    v = Validator()
    definitions = _definitions(v, crm, data.definitions, "input.definitions")
    classifiers = await _classifiers(v, crm, data.classifiers, "input.classifiers")
    v.raise_if_any()
    return Segmentation(definitions=definitions, classifiers=classifiers)
