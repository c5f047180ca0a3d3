"""Set-up shared by the tests of contacts and organizations: a company with a default CRM, and
the custom contact fields that graphql/contacts_custom.graphql selects."""

from dataclasses import dataclass

from beanie import PydanticObjectId

from models.company import Company
from models.field_definition import FieldDefinition, FieldEntity, FieldType
from tests.conftest import Tenant

# key: (type, options, searchable, unique)
CUSTOM_CONTACT_FIELDS: dict[str, tuple[FieldType, list[str], bool, bool]] = {
    "rokZalozenia": (FieldType.INTEGER, [], True, False),
    "nip": (FieldType.TEXT, [], True, True),
    "segment": (FieldType.SELECT, ["A", "B", "C"], True, False),
    "zainteresowania": (FieldType.MULTI_SELECT, ["sport", "muzyka", "kino"], True, False),
    "obrot": (FieldType.DECIMAL, [], True, False),
    "vip": (FieldType.FLAG, [], True, False),
    "dataUrodzenia": (FieldType.DATE, [], True, False),
    "strona": (FieldType.URL, [], False, False),
    "notatka": (FieldType.LONG_TEXT, [], False, False),
    "numerKlienta": (FieldType.INTEGER, [], False, True),
}


@dataclass
class CrmTenant:
    tenant: Tenant
    crm_id: str

    @property
    def admin(self):
        return self.tenant.admin


async def with_default_crm(tenant: Tenant, name: str = "Sprzedaż") -> CrmTenant:
    created = await tenant.admin.op("CreateCrm", input={"name": name})
    crm_id = created.data["createCrm"]["id"]
    await tenant.admin.op("UpdateCompanySettings", input={"defaultCrmId": crm_id})
    return CrmTenant(tenant, crm_id)


async def define_fields(
    tenant: Tenant,
    fields: dict[str, tuple[FieldType, list[str], bool, bool]],
    entity: FieldEntity = FieldEntity.CONTACT,
    required: frozenset[str] = frozenset(),
) -> None:
    """Stores definitions directly (their API is tested on its own) and bumps the version."""
    tenant_id = PydanticObjectId(tenant.id)
    for position, (key, (field_type, options, searchable, unique)) in enumerate(fields.items()):
        await FieldDefinition(
            tenant_id=tenant_id,
            entity=entity,
            name=key,
            key=key,
            type=field_type,
            options=options,
            position=position,
            searchable=searchable,
            unique=unique,
            required=key in required,
        ).insert()
    await Company.find_one({"_id": tenant_id}).update({"$inc": {"fields_version": 1}})
