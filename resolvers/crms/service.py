"""CRM configurations (R2): who sees which, validation, merging of backend settings, deletion
(the CRM at once; what belongs to it in the background: ``resolvers/crms/deletion.py``).

Create and update share one path: an input is applied over a current state (the defaults on
create, the stored CRM on update), every invalid value is collected, and nothing is written
unless the whole input is valid.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from app.crypto import SecretBox
from app.kept_reads import KeptReads
from app.outbound import OutboundPolicy
from app.services import Services
from models.company import Company, CompanySettings
from models.crm import (
    BACKEND_MODELS,
    MAX_SETTING_LENGTH,
    MAX_SYNC_INTERVAL_MINUTES,
    MIN_SYNC_INTERVAL_MINUTES,
    SYNCABLE_KINDS,
    BackendKind,
    BackendSettings,
    ContactSync,
    Crm,
    LocalBackend,
)
from models.crm_deletion import CrmDeletion
from models.errors import Conflict, NotFound, Validator
from models.timestamps import utcnow
from models.user import User
from models.values import check_name, check_url, is_valid_url, name_key
from resolvers.common.conflicts import name_taken
from resolvers.common.inputs import camel, given, refuse_nulls
from resolvers.context import Context
from resolvers.crms.deletion import CrmUsage, crm_usage
from resolvers.crms.inputs import (
    ContactSyncInput,
    CreateCrmInput,
    CrmBackendInput,
    UpdateCrmInput,
)

UPDATABLE = ("name", "show_phone_identification_fields", "backend", "contact_sync")


@dataclass(frozen=True)
class SettingTools:
    """What storing backend settings needs: the sealing of secrets and the outbound rules."""

    secrets: SecretBox
    outbound: OutboundPolicy

    @classmethod
    def of(cls, services: Services) -> "SettingTools":
        return cls(services.secrets, OutboundPolicy.of(services.settings))


@dataclass(frozen=True)
class CrmScope:
    """The CRMs a caller may see: all of the company's, or (R1.2) only ``only_ids``."""

    tenant_id: PydanticObjectId
    only_ids: frozenset[PydanticObjectId] | None = None

    def filter(self) -> dict[str, Any]:
        query: dict[str, Any] = {"tenant_id": self.tenant_id}
        if self.only_ids is not None:
            query["_id"] = {"$in": sorted(self.only_ids)}
        return query

    def sees(self, crm_id: PydanticObjectId) -> bool:
        return self.only_ids is None or crm_id in self.only_ids


def scope_for(
    tenant_id: PydanticObjectId,
    user: User,
    settings: CompanySettings,
    project_crms: Mapping[PydanticObjectId, PydanticObjectId | None],
) -> CrmScope:
    """R1.2: with ``restrictedCrm`` on, a non-admin sees only the CRMs of their projects
    (``project_crms``: the CRM of each, as the principal read them with the user)."""
    if not settings.restricted_crm or user.is_admin:
        return CrmScope(tenant_id)
    return CrmScope(tenant_id, frozenset(c for c in project_crms.values() if c is not None))


def caller_scope(ctx: Context) -> CrmScope:
    """The CRMs the caller of this request may see."""
    company = ctx.company()
    return scope_for(ctx.tenant_id, ctx.user(), company.settings, ctx.principal.project_crms)


async def find_visible_crm(
    scope: CrmScope, crm_id: PydanticObjectId, kept: KeptReads | None = None
) -> Crm | None:
    """``kept``: the process's kept CRM reads, for requests that only read the CRM; whoever
    changes it reads it afresh."""
    if not scope.sees(crm_id):
        return None
    if kept is None:
        return await Crm.find_one({"_id": crm_id, "tenant_id": scope.tenant_id})
    return await kept_crm(kept, scope.tenant_id, crm_id)


async def kept_crm(
    kept: KeptReads, tenant_id: PydanticObjectId, crm_id: PydanticObjectId
) -> Crm | None:
    """The company's CRM from the process's kept reads, for a caller that only reads it."""
    query = {"_id": crm_id, "tenant_id": tenant_id}
    row = await kept.get((tenant_id, crm_id), partial(Crm.get_pymongo_collection().find_one, query))
    # A document of its own for each request: nothing a request does to it reaches another.
    return None if row is None else Crm.model_validate(row)


async def list_crms(scope: CrmScope) -> list[Crm]:
    return await Crm.find(scope.filter()).sort("name_key").to_list()


async def get_crm(scope: CrmScope, crm_id: PydanticObjectId) -> Crm:
    """A CRM the caller may not see answers exactly like one that does not exist."""
    crm = await find_visible_crm(scope, crm_id)
    if crm is None:
        raise NotFound("Crm", crm_id)
    return crm


def _present(value: Any) -> bool:
    return given(value) and value is not None


def _text(v: Validator, value: str, path: str) -> str | None:
    """A trimmed text setting; a blank one is no value."""
    trimmed = value.strip()
    v.check(len(trimmed) <= MAX_SETTING_LENGTH, path, f"At most {MAX_SETTING_LENGTH} characters.")
    return trimmed or None


async def _setting(
    v: Validator,
    model: type[BackendSettings],
    name: str,
    value: Any,
    path: str,
    tools: SettingTools,
) -> Any:
    """The stored form of one given, non-null setting: secrets sealed, texts and URLs checked
    (a URL also against the outbound rules, once it is well-formed)."""
    if not isinstance(value, str):
        return value
    text = _text(v, value, path)
    rule = model.url_rule(name)
    if rule is not None and text is not None:
        url = check_url(v, text, path, template=rule.template)
        if url is not None and is_valid_url(url, template=rule.template):
            problem = await tools.outbound.saved_url_problem(url, template=rule.template)
            v.check(problem is None, path, problem or "")
        text = url
    if model.is_secret(name):
        if not v.check(text is not None, path, "Must not be empty; send null to remove it."):
            return None
        return tools.secrets.seal(text, url=rule is not None)
    return text


def _chosen_member(data: CrmBackendInput) -> tuple[str, Any]:
    """The one member a ``@oneOf`` input holds (GraphQL validation guarantees exactly one)."""
    [chosen] = [
        (field.name, getattr(data, field.name))
        for field in dataclasses.fields(data)
        if _present(getattr(data, field.name))
    ]
    return chosen


async def _backend(
    v: Validator, current: BackendSettings, data: CrmBackendInput, tools: SettingTools
) -> BackendSettings:
    """The same kind as ``current``: its settings, changed where given. Another kind: replaced."""
    member_name, member = _chosen_member(data)
    model = BACKEND_MODELS[BackendKind[member_name.upper()]]
    path = f"input.backend.{camel(member_name)}"
    values = current.model_dump() if isinstance(current, model) else {}
    for name in model.setting_names():
        value = getattr(member, name)
        if not given(value):
            continue
        setting_path = f"{path}.{camel(name)}"
        if value is None:
            if v.check(model.is_nullable(name), setting_path, "Must not be null."):
                values[name] = None
            continue
        values[name] = await _setting(v, model, name, value, setting_path, tools)
    return model.model_validate(values)


def _contact_sync(
    v: Validator, current: ContactSync, data: ContactSyncInput | None, kind: BackendKind
) -> ContactSync:
    """Sync only for external kinds: asking for it elsewhere is an error; a switch turns it off."""
    path = "input.contactSync"
    values = current.model_dump()
    if data is not None:
        refuse_nulls(v, data, ("enabled", "interval_minutes"), path)
        if _present(data.interval_minutes):
            v.check(
                MIN_SYNC_INTERVAL_MINUTES <= data.interval_minutes <= MAX_SYNC_INTERVAL_MINUTES,
                f"{path}.intervalMinutes",
                f"From {MIN_SYNC_INTERVAL_MINUTES} to {MAX_SYNC_INTERVAL_MINUTES} minutes.",
            )
            values["interval_minutes"] = data.interval_minutes
        if _present(data.enabled):
            v.check(
                not data.enabled or kind in SYNCABLE_KINDS,
                f"{path}.enabled",
                f"Contacts are synchronized only from external CRMs, not from {kind}.",
            )
            values["enabled"] = data.enabled
    if kind not in SYNCABLE_KINDS:
        values["enabled"] = False
    return ContactSync.model_validate(values)


async def _changes(
    v: Validator,
    data: CreateCrmInput | UpdateCrmInput,
    backend: BackendSettings,
    sync: ContactSync,
    tools: SettingTools,
) -> dict[str, Any]:
    """The fields ``data`` changes, applied over the current ``backend`` and ``sync``."""
    changes: dict[str, Any] = {}
    if _present(data.name):
        name = check_name(v, data.name, "input.name")
        changes.update(name=name, name_key=name_key(name))
    if _present(data.show_phone_identification_fields):
        changes["show_phone_identification_fields"] = data.show_phone_identification_fields
    if _present(data.backend):
        backend = changes["backend"] = await _backend(v, backend, data.backend, tools)
    sync_input = data.contact_sync if _present(data.contact_sync) else None
    new_sync = _contact_sync(v, sync, sync_input, backend.kind)
    if new_sync != sync:
        changes["contact_sync"] = new_sync
    return changes


async def create_crm(tenant_id: PydanticObjectId, data: CreateCrmInput, tools: SettingTools) -> Crm:
    v = Validator()
    changes = await _changes(v, data, LocalBackend(), ContactSync(), tools)
    v.raise_if_any()
    crm = Crm(tenant_id=tenant_id, **changes)
    try:
        await crm.insert()
    except DuplicateKeyError as error:
        raise await name_taken(Crm, {"tenant_id": tenant_id}, crm.name_key, "CRM") from error
    return crm


async def update_crm(
    tenant_id: PydanticObjectId,
    crm_id: PydanticObjectId,
    data: UpdateCrmInput,
    tools: SettingTools,
) -> Crm:
    crm = await get_crm(CrmScope(tenant_id), crm_id)
    v = Validator()
    refuse_nulls(v, data, UPDATABLE)
    changes = await _changes(v, data, crm.backend, crm.contact_sync, tools)
    v.raise_if_any()
    if not changes:
        return crm
    changes["updated_at"] = utcnow()
    try:
        # Not ``crm.set``: Beanie would merge the stored backend into ours field by field,
        # which fails when the kind changes. The changes are validated models already.
        await Crm.find_one({"_id": crm.id, "tenant_id": tenant_id}).update({"$set": changes})
    except DuplicateKeyError as error:
        raise await name_taken(Crm, {"tenant_id": tenant_id}, changes["name_key"], "CRM") from error
    return crm.model_copy(update=changes)


class CrmInUse(Conflict):
    """R2.5: a CRM is not deleted while projects use it (one of them is the existing record),
    nor while it holds records, unless they are to go with it (``cascade``)."""

    def __init__(self, usage: CrmUsage) -> None:
        if usage.projects:
            message = (
                f"The CRM is used by {usage.projects} project(s); assign them another CRM first."
            )
        else:
            message = (
                f"The CRM holds {usage.contacts} contact(s) and {usage.organizations} "
                "organization(s), those in the trash included; delete it with cascade: true "
                "to delete them with it."
            )
        super().__init__(message, existing_id=usage.first_project_id)
        self.extensions.update(
            projectCount=usage.projects,
            contactCount=usage.contacts,
            organizationCount=usage.organizations,
        )


async def delete_crm(
    tenant_id: PydanticObjectId, user_id: PydanticObjectId, crm_id: PydanticObjectId, cascade: bool
) -> tuple[Crm, CrmDeletion]:
    """Deletes the CRM at once and queues the deletion of what belongs to it; returns the CRM as
    it was and the job. The company's default CRM is unset if it was this one."""
    crm = await get_crm(CrmScope(tenant_id), crm_id)

    async def hide(session: AsyncClientSession) -> CrmDeletion:
        usage = await crm_usage(tenant_id, crm.id, session)
        if usage.projects or (not cascade and (usage.contacts or usage.organizations)):
            raise CrmInUse(usage)
        deletion = CrmDeletion(
            tenant_id=tenant_id,
            crm_id=crm.id,
            crm_name=crm.name,
            user_id=user_id,
            total=usage.records,
        )
        await deletion.insert(session=session)
        gone = await Crm.get_pymongo_collection().delete_one(
            {"_id": crm.id, "tenant_id": tenant_id}, session=session
        )
        if gone.deleted_count == 0:  # deleted by another request meanwhile
            raise NotFound("Crm", crm_id)
        await Company.get_pymongo_collection().update_one(
            {"_id": tenant_id, "settings.default_crm_id": crm.id},
            {"$set": {"settings.default_crm_id": None}},
            session=session,
        )
        return deletion

    async with Crm.get_pymongo_collection().database.client.start_session() as session:
        deletion = await session.with_transaction(hide)
    return crm, deletion


async def crm_deletion(tenant_id: PydanticObjectId, crm_id: PydanticObjectId) -> CrmDeletion:
    """The deletion of a CRM of the company; another company's answers as no deletion."""
    deletion = await CrmDeletion.find_one({"tenant_id": tenant_id, "crm_id": crm_id})
    if deletion is None:
        raise NotFound("CrmDeletion", crm_id)
    return deletion
