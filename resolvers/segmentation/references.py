"""What a classifier names cannot change under it unnoticed.

- A stage, position or acquisition source that a rule names is not deleted: CONFLICT naming the
  CRM (decision, like deleting one that contacts use: the admin changes the segmentation first,
  rather than have it lose a rule, and every contact's percent with it, silently). Renames change
  nothing: rules name them by id.
- A contact custom field that a classifier names is not deleted either, and a change of its type
  or options that its rules would not fit is refused (VALIDATION_FAILED at ``type`` or
  ``options``). A type change converts the stored values, so it recomputes the contacts of the
  CRMs whose segmentation classifies the field.
"""

from beanie import PydanticObjectId

from app.segmentation_jobs import request_recompute
from models.crm import Crm
from models.errors import Conflict, ValidationFailed, Validator
from models.field_definition import FieldDefinition, FieldEntity
from models.segmentation import (
    NATIVE_PARAMETERS,
    Classifier,
    ClassifierKind,
    ValueKind,
    check_rules,
    field_target,
)

# The contact field holding the id of each parameter that names a record.
_ID_PARAMETERS = {
    path: parameter for parameter, (path, kind) in NATIVE_PARAMETERS.items() if kind is ValueKind.ID
}


async def _classifiers(tenant_id: PydanticObjectId) -> list[tuple[Crm, Classifier]]:
    crms = await Crm.find({"tenant_id": tenant_id}).to_list()
    return [(crm, c) for crm in crms for c in crm.segmentation.classifiers]


async def refuse_if_classified(
    tenant_id: PydanticObjectId, field: str, value_id: PydanticObjectId, what: str
) -> None:
    """``field`` is the contact's field holding the id, e.g. ``stage_id``."""
    parameter = _ID_PARAMETERS[field]
    for crm, classifier in await _classifiers(tenant_id):
        if classifier.parameter is parameter and any(
            rule.value == str(value_id) for rule in classifier.rules
        ):
            raise Conflict(
                f"The {what} is named by the segmentation of CRM “{crm.name}”; "
                "remove it from the classifier first.",
                field="segmentation",
                existing_id=crm.id,
            )


async def _classifying(tenant_id: PydanticObjectId, key: str) -> list[tuple[Crm, Classifier]]:
    return [
        (crm, classifier)
        for crm, classifier in await _classifiers(tenant_id)
        if classifier.kind is ClassifierKind.CUSTOM and classifier.field_key == key
    ]


async def refuse_if_field_classified(
    tenant_id: PydanticObjectId, definition_id: PydanticObjectId
) -> None:
    definition = await FieldDefinition.find_one({"tenant_id": tenant_id, "_id": definition_id})
    if definition is None or definition.entity is not FieldEntity.CONTACT:
        return
    for crm, _ in await _classifying(tenant_id, definition.key):
        raise Conflict(
            f"The field is classified by the segmentation of CRM “{crm.name}”; "
            "remove its classifier first.",
            field="segmentation",
            existing_id=crm.id,
        )


async def check_field_change(
    tenant_id: PydanticObjectId,
    current: FieldDefinition,
    target: FieldDefinition,
    prefix: str | None,
) -> None:
    """Refuses a type or options change that a classifier's rules of the field would not fit;
    ``prefix`` is the path of the update's input (None: the argument itself)."""
    if current.entity is not FieldEntity.CONTACT or (current.type, current.options) == (
        target.type,
        target.options,
    ):
        return
    name = "type" if target.type is not current.type else "options"
    for crm, classifier in await _classifying(tenant_id, current.key):
        v = Validator()
        check_rules(v, field_target(target), classifier.rules, "rules")
        if v.errors:
            raise ValidationFailed.single(
                f"{prefix}.{name}" if prefix else name,
                f"The segmentation of CRM “{crm.name}” has rules of this field that the change "
                f"would not fit ({v.errors[0].message}); change them first.",
            )


async def recompute_after_field_change(
    tenant_id: PydanticObjectId, before: FieldDefinition, after: FieldDefinition
) -> None:
    """A type change converted the stored values: the contacts' segments may have changed."""
    if after.entity is not FieldEntity.CONTACT or after.type is before.type:
        return
    for crm_id in {crm.id for crm, _ in await _classifying(tenant_id, after.key)}:
        assert crm_id is not None
        await request_recompute(tenant_id, crm_id)
