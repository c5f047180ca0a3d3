"""Root fields of contact exports, built per company: ``exportContacts`` takes the company's
``ContactFilter``, the very type the ``contacts`` list takes."""

from typing import Any

import strawberry
from bson import json_util
from strawberry.tools import create_type

from models.export_job import ExportFormat as ExportFormatModel
from models.export_job import ExportJob as ExportJobModel
from models.timestamps import utcnow
from resolvers.contacts.filters import filter_fields
from resolvers.context import Info
from resolvers.exports.storage import retention
from resolvers.exports.types import ExportFormat, ExportJob
from resolvers.imports.access import visible_job
from resolvers.records.access import records_crm
from resolvers.records.filtering import compile_filter, custom_fields
from resolvers.records.listing import list_query
from resolvers.records.tenant_types import RecordTypes


def argument_type(root: type, field_name: str, argument: str) -> Any:
    """The type of an argument of a root field (``Optional`` unwrapped)."""
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    found = next(f for f in definition.fields if f.python_name == field_name)
    annotation = next(a for a in found.arguments if a.python_name == argument).type
    return getattr(annotation, "of_type", annotation)


def export_roots(types: RecordTypes, contact_query: type) -> tuple[type, type]:
    ContactFilter = argument_type(contact_query, "contacts", "filter")
    customs = custom_fields(list(types.contact_fields.definitions))

    async def export_contacts(
        info: Info,
        *,
        crm_id: strawberry.ID | None = None,
        filter: ContactFilter | None = None,  # type: ignore[valid-type]
        format: ExportFormat,
    ) -> ExportJob:
        ctx = info.context
        crm = await records_crm(ctx, crm_id)
        natives = filter_fields(ctx.company().settings.default_phone_region)
        clauses = compile_filter(filter, natives, customs)
        listed = list_query({"crm_id": crm.id, "deleted": False}, clauses, None, None)
        extension = ExportFormatModel(format.value).value.lower()
        job = ExportJobModel(
            tenant_id=ctx.tenant_id,
            crm_id=crm.id,
            user_id=ctx.user().id,
            file_name=f"kontakty-{crm.name}-{utcnow():%Y%m%d-%H%M}.{extension}",
            format=ExportFormatModel(format.value),
            query=json_util.dumps(listed.query),
        )
        await job.insert()
        ctx.services.jobs.wake()
        return ExportJob.from_model(job, retention(ctx.services.settings))

    async def export_job(info: Info, id: strawberry.ID) -> ExportJob:
        job = await visible_job(info.context, ExportJobModel, id, "ExportJob")
        return ExportJob.from_model(job, retention(info.context.services.settings))

    query = create_type("ExportQuery", [strawberry.field(name="exportJob", resolver=export_job)])
    mutation = create_type(
        "ExportMutation",
        [
            strawberry.mutation(
                name="exportContacts",
                resolver=export_contacts,
                description="Writes the CRM's contacts matching the filter (all when omitted) "
                "to a file, in the background, with the import's columns: downloadUrl once "
                "COMPLETED.",
            )
        ],
    )
    return query, mutation
