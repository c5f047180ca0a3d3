"""Acquisition sources (R9): the list ``acquisition_sources`` of a CRM document.

The system sources come with every CRM (``models.crm_lists.system_sources``). Renaming or
deleting one is refused with VALIDATION_FAILED at ``id``: nothing is wrong with the caller's
rights (not FORBIDDEN), the id names a source that cannot change.
"""

from beanie import PydanticObjectId

from models.crm import Crm
from models.crm_lists import AcquisitionSource
from models.errors import ValidationFailed, Validator
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
from resolvers.sources.inputs import CreateAcquisitionSourceInput, UpdateAcquisitionSourceInput

SOURCES: CrmList[AcquisitionSource] = CrmList(
    "acquisition_sources", "acquisition source", "AcquisitionSource"
)
SYSTEM_SOURCE = "System sources cannot be renamed or deleted."


def _not_system(source: AcquisitionSource) -> None:
    if source.system:
        raise ValidationFailed.single("id", SYSTEM_SOURCE)


async def create_source(crm: Crm, data: CreateAcquisitionSourceInput) -> AcquisitionSource:
    v = Validator()
    name = check_name(v, data.name, "input.name")
    v.raise_if_any()
    source = AcquisitionSource(name=name, name_key=name_key(name))
    _, created = await add_item(SOURCES, crm, source, "input.crmId")
    return created


async def update_source(
    tenant_id: PydanticObjectId, source_id: PydanticObjectId, data: UpdateAcquisitionSourceInput
) -> AcquisitionSource:
    crm = await crm_holding(SOURCES, tenant_id, source_id)
    source = SOURCES.item(crm, source_id)
    v = Validator()
    refuse_nulls(v, data, ("name",))
    v.raise_if_any()
    if not given(data.name):
        return source
    _not_system(source)
    name = check_name(v, data.name, "input.name")
    v.raise_if_any()
    changes = {"name": name, "name_key": name_key(name)}
    _, changed = await change_item(SOURCES, crm, source_id, changes)
    return changed


async def delete_source(
    tenant_id: PydanticObjectId, source_id: PydanticObjectId
) -> AcquisitionSource:
    """Deletes a company's own source that no contact names; returns it as it was."""
    crm = await crm_holding(SOURCES, tenant_id, source_id)
    _not_system(SOURCES.item(crm, source_id))
    await refuse_if_used(tenant_id, "acquisition_source_id", source_id, "acquisition source")
    _, removed = await remove_item(SOURCES, crm, source_id)
    return removed
