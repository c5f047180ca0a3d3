"""GraphQL types of segmentation (R8)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from models.segmentation import Classifier as ClassifierModel
from models.segmentation import ClassifierKind as ClassifierKindModel
from models.segmentation import JobStatus, SegmentationJobState
from models.segmentation import NativeParameter as NativeParameterModel
from models.segmentation import Rule as RuleModel
from models.segmentation import RuleCondition as RuleConditionModel
from models.segmentation import Segmentation as SegmentationModel
from models.segmentation import SegmentDefinition as SegmentDefinitionModel

ClassifierKind = strawberry.enum(
    ClassifierKindModel,
    description="NATIVE: a field every contact has; CUSTOM: a contact custom field.",
)
NativeParameter = strawberry.enum(NativeParameterModel, description="A contact's native field.")
RuleCondition = strawberry.enum(
    RuleConditionModel,
    description="VALUE: the parameter has the value; RANGE: an integer or decimal custom field's "
    "value lies in [from, to] (the first declared range wins); EXISTS: the parameter is filled in.",
)
SegmentationJobStatus = strawberry.enum(JobStatus, name="SegmentationJobStatus")


@strawberry.type(description="A segment: the contacts whose percent of points its range holds.")
class SegmentDefinition:
    id: strawberry.ID
    name: str
    from_percent: float = strawberry.field(name="from", description="Percent, inclusive.")
    to_percent: float = strawberry.field(
        name="to", description="Percent, exclusive; the last definition ends at 100 and holds it."
    )
    color: str = strawberry.field(description="#RRGGBB.")

    @classmethod
    def from_model(cls, definition: SegmentDefinitionModel) -> "SegmentDefinition":
        return cls(
            id=strawberry.ID(str(definition.id)),
            name=definition.name,
            from_percent=float(definition.from_percent),
            to_percent=float(definition.to_percent),
            color=definition.color,
        )

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "SegmentDefinition":
        """The definition as a contact's segment keeps it."""
        return cls(
            id=strawberry.ID(str(stored["id"])),
            name=stored["name"],
            from_percent=stored["from"],
            to_percent=stored["to"],
            color=stored["color"],
        )


@strawberry.type(description="Points for a value, a range or any value of the parameter.")
class ClassifierRule:
    condition: RuleCondition
    value: str | None = strawberry.field(
        description="VALUE: the value; the id of a stage, position or source."
    )
    range_from: Decimal | None = strawberry.field(name="from", description="RANGE: inclusive.")
    range_to: Decimal | None = strawberry.field(name="to", description="RANGE: inclusive.")
    points: int

    @classmethod
    def from_model(cls, rule: RuleModel) -> "ClassifierRule":
        return cls(
            condition=rule.condition,
            value=rule.value,
            range_from=rule.range_from,
            range_to=rule.range_to,
            points=rule.points,
        )


@strawberry.type(description="The points one parameter of a contact gives.")
class SegmentClassifier:
    kind: ClassifierKind
    parameter: NativeParameter | None = strawberry.field(description="NATIVE classifiers.")
    field_key: str | None = strawberry.field(description="CUSTOM classifiers: the field's key.")
    weight: float = strawberry.field(description="A rule scores points x weight.")
    rules: list[ClassifierRule]
    max_score: float = strawberry.field(description="Its best rule's score.")

    @classmethod
    def from_model(cls, classifier: ClassifierModel) -> "SegmentClassifier":
        return cls(
            kind=classifier.kind,
            parameter=classifier.parameter,
            field_key=classifier.field_key,
            weight=float(classifier.weight),
            rules=[ClassifierRule.from_model(rule) for rule in classifier.rules],
            max_score=float(classifier.best),
        )


@strawberry.type(description="A CRM's segmentation.")
class Segmentation:
    definitions: list[SegmentDefinition] = strawberry.field(description="By percent.")
    classifiers: list[SegmentClassifier]
    max_score: float = strawberry.field(
        description="The sum of the classifiers' best scores: what 100 % is."
    )

    @classmethod
    def from_model(cls, segmentation: SegmentationModel) -> "Segmentation":
        return cls(
            definitions=[SegmentDefinition.from_model(d) for d in segmentation.definitions],
            classifiers=[SegmentClassifier.from_model(c) for c in segmentation.classifiers],
            max_score=float(segmentation.max_score),
        )


@strawberry.type(description="A contact's segment, and the points it comes from.")
class ContactSegment:
    definition: SegmentDefinition
    score: float
    max_score: float
    percent: float = strawberry.field(description="score / maxScore x 100, to two decimals.")

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> "ContactSegment | None":
        if not stored:
            return None
        return cls(
            definition=SegmentDefinition.from_stored(stored["definition"]),
            score=stored["score"],
            max_score=stored["max_score"],
            percent=stored["percent"],
        )


@strawberry.type(description="The recomputation of a CRM's contacts after a change.")
class SegmentationJob:
    status: SegmentationJobStatus
    processed: int
    total: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @classmethod
    def from_model(cls, job: SegmentationJobState) -> "SegmentationJob":
        return cls(
            status=job.status,
            processed=job.processed,
            total=job.total,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=job.error,
        )


@strawberry.type
class SegmentCount:
    definition: SegmentDefinition | None = strawberry.field(
        description="Null: the contacts without a segment of the current definitions."
    )
    count: int
