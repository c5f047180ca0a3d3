"""Inputs of segmentation (R8): the admin UI saves the whole tab, definitions and classifiers."""

from decimal import Decimal

import strawberry

from models.segmentation import AUTO_STEP, HUNDRED
from resolvers.segmentation.types import ClassifierKind, NativeParameter, RuleCondition


@strawberry.input
class SegmentDefinitionInput:
    name: str
    color: str = strawberry.field(description="#RRGGBB.")
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An existing definition's id keeps it (contacts and filters name it); "
        "omitted: a new definition.",
    )
    from_percent: float | None = strawberry.field(
        name="from",
        default=None,
        description="Where the previous definition ends (0 for the first); may be omitted.",
    )
    to_percent: float | None = strawberry.field(
        name="to",
        default=None,
        description=f"Percent, exclusive; omitted: from + {AUTO_STEP}. The last definition must "
        "end at 100 (another end is refused): give it to: 100 unless it starts at "
        f"{HUNDRED - AUTO_STEP}.",
    )


@strawberry.input
class ClassifierRuleInput:
    condition: RuleCondition
    points: int = strawberry.field(description="A matching rule scores points x weight.")
    value: str | None = strawberry.field(
        default=None,
        description="VALUE only; for a stage, position or acquisition source, its id.",
    )
    range_from: Decimal | None = strawberry.field(
        name="from", default=None, description="RANGE only: inclusive; omitted: open."
    )
    range_to: Decimal | None = strawberry.field(
        name="to", default=None, description="RANGE only: inclusive; omitted: open."
    )


@strawberry.input
class SegmentClassifierInput:
    kind: ClassifierKind
    rules: list[ClassifierRuleInput]
    parameter: NativeParameter | None = strawberry.field(default=None, description="NATIVE only.")
    field_key: str | None = strawberry.field(
        default=None, description="CUSTOM only: the key of a contact custom field."
    )
    weight: float = 1.0


@strawberry.input(description="Replaces the CRM's definitions and classifiers at once.")
class SegmentationInput:
    definitions: list[SegmentDefinitionInput]
    classifiers: list[SegmentClassifierInput]
