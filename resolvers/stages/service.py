"""Stages (R7): the list ``stages`` of a CRM document, names unique within the CRM."""

from typing import Any

from beanie import PydanticObjectId

from models.crm import Crm
from models.crm_lists import Stage, check_color
from models.errors import Validator
from models.values import check_name, name_key
from resolvers.common.inputs import given, refuse_nulls
from resolvers.contact_options.crm_lists import (
    CrmList,
    add_item,
    change_item,
    crm_holding,
    remove_item,
)
from resolvers.contact_options.in_use import refuse_if_used
from resolvers.stages.inputs import CreateStageInput, UpdateStageInput

STAGES: CrmList[Stage] = CrmList("stages", "stage", "Stage")
NOT_NULL = ("name", "flag", "show_in_kanban", "color")


def _present(value: Any) -> bool:
    return given(value) and value is not None


def _fields(v: Validator, data: CreateStageInput | UpdateStageInput) -> dict[str, Any]:
    """The stage's fields ``data`` gives, as stored; every invalid value is reported to ``v``."""
    fields: dict[str, Any] = {}
    if _present(data.name):
        name = check_name(v, data.name, "input.name")
        fields.update(name=name, name_key=name_key(name))
    if _present(data.flag):
        fields["flag"] = data.flag
    if _present(data.show_in_kanban):
        fields["show_in_kanban"] = data.show_in_kanban
    if given(data.kanban_position):
        position = data.kanban_position
        v.check(position is None or position >= 0, "input.kanbanPosition", "Must be 0 or more.")
        fields["kanban_position"] = position
    if _present(data.color):
        fields["color"] = check_color(v, data.color, "input.color")
    return fields


async def create_stage(crm: Crm, data: CreateStageInput) -> tuple[Crm, Stage]:
    v = Validator()
    fields = _fields(v, data)
    v.raise_if_any()
    return await add_item(STAGES, crm, Stage(**fields), "input.crmId")


async def update_stage(
    tenant_id: PydanticObjectId, stage_id: PydanticObjectId, data: UpdateStageInput
) -> tuple[Crm, Stage]:
    crm = await crm_holding(STAGES, tenant_id, stage_id)
    v = Validator()
    refuse_nulls(v, data, NOT_NULL)
    fields = _fields(v, data)
    v.raise_if_any()
    if not fields:
        return crm, STAGES.item(crm, stage_id)
    return await change_item(STAGES, crm, stage_id, fields)


async def delete_stage(
    tenant_id: PydanticObjectId, stage_id: PydanticObjectId
) -> tuple[Crm, Stage]:
    """Deletes a stage no contact is at and returns it as it was (see ``in_use``)."""
    crm = await crm_holding(STAGES, tenant_id, stage_id)
    await refuse_if_used(tenant_id, "stage_id", stage_id, "stage")
    return await remove_item(STAGES, crm, stage_id)
