"""Demo data for ``crm serve --demo``: created once, then only its log-in details are shown."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from beanie import PydanticObjectId
from bson.decimal128 import Decimal128

from app.passwords import hash_password
from app.tokens import TokenKind, TokenService
from models.company import Company, CompanySettings
from models.contact import Contact, Organization
from models.contact_keys import derive_contact, derive_organization
from models.crm import Crm, LocalBackend
from models.crm_lists import Stage, StageFlag
from models.field_definition import FieldDefinition, FieldEntity, FieldType
from models.position import Position
from models.project import Project
from models.record_rows import new_record_row
from models.segmentation import (
    Classifier,
    ClassifierKind,
    NativeParameter,
    Rule,
    RuleCondition,
    Scorer,
    Segmentation,
    segment_definitions,
)
from models.user import Permission, Role, User
from models.values import name_key

DEMO_COMPANY = "Demo Company"
ADMIN_EMAIL = "admin@demo.example"
AGENT_EMAIL = "agent@demo.example"
DEMO_PASSWORD = "demo-password"
DEMO_TOKEN_FILE = "demo-token.txt"
TERMINAL = Path("/dev/tty")

DEMO_STAGES = [
    ("Lead", StageFlag.OPEN, "#2196F3"),
    ("Główny lead", StageFlag.OPEN, "#FF9800"),
    ("Klient", StageFlag.WON, "#4CAF50"),
    ("Utracony", StageFlag.LOST, "#9E9E9E"),
]
DEMO_CONTACT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "Numer klienta",
        "key": "numerKlienta",
        "type": FieldType.INTEGER,
        "unique": True,
        "searchable": True,
    },
    {"name": "Rok urodzenia", "key": "rokUrodzenia", "type": FieldType.INTEGER, "searchable": True},
    {
        "name": "Segment",
        "key": "segment",
        "type": FieldType.SELECT,
        "options": ["A", "B", "C"],
        "searchable": True,
    },
    {
        "name": "Zainteresowania",
        "key": "zainteresowania",
        "type": FieldType.MULTI_SELECT,
        "options": ["Internet", "Telewizja", "Telefon"],
        "searchable": True,
    },
    {"name": "Limit kredytowy", "key": "limitKredytowy", "type": FieldType.DECIMAL},
    {"name": "Zgoda marketingowa", "key": "zgodaMarketingowa", "type": FieldType.FLAG},
    {"name": "Data pierwszego kontaktu", "key": "dataPierwszegoKontaktu", "type": FieldType.DATE},
    {"name": "Notatka", "key": "notatka", "type": FieldType.LONG_TEXT},
]
DEMO_ORGANIZATION_FIELDS: list[dict[str, Any]] = [
    {"name": "Branża", "key": "branza", "type": FieldType.TEXT, "searchable": True},
    {"name": "Strona z cennikiem", "key": "stronaZCennikiem", "type": FieldType.URL},
]
DEMO_CONTACTS = [
    (
        "Łukasz",
        "Kowalski",
        "+48500000001",
        0,
        {
            "numerKlienta": 1001,
            "rokUrodzenia": 1985,
            "segment": "A",
            "zainteresowania": ["Internet"],
            "limitKredytowy": Decimal128("1500.00"),
            "zgodaMarketingowa": True,
        },
    ),
    (
        "Anna",
        "Nowak",
        "+48500000002",
        1,
        {
            "numerKlienta": 1002,
            "rokUrodzenia": 1990,
            "segment": "B",
            "zainteresowania": ["Telewizja", "Telefon"],
            "dataPierwszegoKontaktu": datetime(2026, 3, 1, tzinfo=UTC),
        },
    ),
    (
        "Zofia",
        "Żak",
        "+48500000003",
        2,
        {"numerKlienta": 1003, "segment": "C", "notatka": "Stała klientka od 2019 roku."},
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    admin: User
    token: str


async def ensure_demo_data(tokens: TokenService) -> DemoLogin:
    company = await Company.find_one({"name_key": name_key(DEMO_COMPANY)})
    if company is None:
        company = await _create_demo_company()
    admin = await User.find_one({"tenant_id": company.id, "email": ADMIN_EMAIL})
    assert admin is not None, "the demo company has lost its admin"
    token = tokens.issue(
        TokenKind.USER, str(admin.id), str(company.id), version=admin.token_version
    )
    return DemoLogin(admin=admin, token=token)


async def _create_demo_company() -> Company:
    company = await Company(name=DEMO_COMPANY, name_key=name_key(DEMO_COMPANY)).insert()
    password_hash = await hash_password(DEMO_PASSWORD)
    admin = await User(
        tenant_id=company.id,
        email=ADMIN_EMAIL,
        display_name="Anna Administratorka",
        roles=[Role.ADMIN],
        permissions=[Permission.DIAL],
        password_hash=password_hash,
    ).insert()
    agent = await User(
        tenant_id=company.id,
        email=AGENT_EMAIL,
        display_name="Łukasz Konsultant",
        roles=[Role.AGENT],
        permissions=[Permission.DIAL],
        password_hash=password_hash,
    ).insert()
    crm = await Crm(
        tenant_id=company.id,
        name="Sprzedaż",
        name_key=name_key("Sprzedaż"),
        backend=LocalBackend(),
        stages=[
            Stage(name=name, name_key=name_key(name), flag=flag, kanban_position=i, color=color)
            for i, (name, flag, color) in enumerate(DEMO_STAGES)
        ],
    ).insert()
    await Project(
        tenant_id=company.id,
        name="Infolinia",
        name_key=name_key("Infolinia"),
        crm_id=crm.id,
        member_ids=[admin.id, agent.id],
    ).insert()
    # R1.4 on: a call from a contact's number assigns the contact at once (README, "Calls").
    settings = CompanySettings(default_crm_id=crm.id, caller_id_authentication=True)
    await company.set({"settings": settings.model_dump()})
    await _create_demo_records(company, crm)
    return company


async def _create_demo_records(company: Company, crm: Crm) -> None:
    """Custom fields of several types, positions, an organization and contacts using them."""
    definitions = [
        FieldDefinition(tenant_id=company.id, entity=FieldEntity.CONTACT, position=i, **spec)
        for i, spec in enumerate(DEMO_CONTACT_FIELDS)
    ] + [
        FieldDefinition(tenant_id=company.id, entity=FieldEntity.ORGANIZATION, position=i, **spec)
        for i, spec in enumerate(DEMO_ORGANIZATION_FIELDS)
    ]
    await FieldDefinition.insert_many(definitions)
    await company.inc({Company.fields_version: 1})
    positions = [
        # Ids given here: insert_many does not set them on the documents, and contacts name them.
        Position(id=PydanticObjectId(), tenant_id=company.id, name=name, name_key=name_key(name))
        for name in ("Prezes", "Kierownik sprzedaży", "Konsultant")
    ]
    await Position.insert_many(positions)
    contact_definitions = [d for d in definitions if d.entity is FieldEntity.CONTACT]
    segmentation = _demo_segmentation(crm, positions)
    await crm.set({Crm.segmentation: segmentation})
    scorer = Scorer(segmentation, contact_definitions)
    organization = _stored(
        company,
        crm,
        {
            "name": "Acme Sp. z o.o.",
            "tax_id": "5260250274",
            "phones": [{"number": "+48221234567", "raw": "22 123 45 67"}],
            "custom": {"branza": "IT"},
        },
    )
    organization.update(derive_organization(organization, definitions))
    await Organization.get_pymongo_collection().insert_one(organization)
    rows = []
    for i, (first, last, phone, stage_index, custom) in enumerate(DEMO_CONTACTS):
        row = _stored(
            company,
            crm,
            {
                "first_name": first,
                "last_name": last,
                "email": f"{name_key(first)}.{name_key(last)}@example.com".replace(" ", ""),
                "phones": [{"number": phone, "raw": phone}],
                "stage_id": crm.stages[stage_index].id,
                "position_id": positions[i % len(positions)].id,
                "acquisition_source_id": crm.acquisition_sources[0].id,
                "organization_id": organization["_id"],
                "tags": ["demo"],
                "custom": custom,
            },
        )
        if (segment := scorer.stored_segment(row)) is not None:
            row["segment"] = segment
        row.update(derive_contact(row, contact_definitions, organization["name"]))
        rows.append(row)
    await Contact.get_pymongo_collection().insert_many(rows)


def _demo_segmentation(crm: Crm, positions: list[Position]) -> Segmentation:
    """R8.4's example on the demo's stages and positions, plus ranges of the credit limit."""
    ranges = [("Słaby", 0, 30, "#9E9E9E"), ("Umiarkowany", 30, 70, "#FF9800")]
    ranges.append(("Zaawansowany", 70, 100, "#4CAF50"))

    def values(ids: list[Any]) -> list[Rule]:
        return [
            Rule(condition=RuleCondition.VALUE, value=str(i), points=p)
            for i, p in zip(ids, (1, 5, 10), strict=False)
        ]

    return Segmentation(
        definitions=segment_definitions(ranges),
        classifiers=[
            Classifier(
                kind=ClassifierKind.NATIVE,
                parameter=NativeParameter.STAGE,
                rules=values([stage.id for stage in crm.stages[:3]]),
            ),
            Classifier(
                kind=ClassifierKind.NATIVE,
                parameter=NativeParameter.POSITION,
                rules=values([position.id for position in reversed(positions)]),
            ),
            Classifier(
                kind=ClassifierKind.CUSTOM,
                field_key="limitKredytowy",
                rules=[
                    Rule(
                        condition=RuleCondition.RANGE,
                        range_from=Decimal(0),
                        range_to=Decimal("999.99"),
                        points=1,
                    ),
                    Rule(condition=RuleCondition.RANGE, range_from=Decimal(1000), points=10),
                ],
            ),
        ],
    )


def _stored(company: Company, crm: Crm, fields: dict[str, Any]) -> dict[str, Any]:
    return {**new_record_row(company.id, crm.id), **fields}


def show_demo_login(token: str, graphql_url: str, data_dir: Path, terminal: Path = TERMINAL) -> str:
    """Puts the admin's bearer token, and a GraphiQL link carrying it, where only the person who
    started the service sees them: the controlling terminal, or else a file only its owner reads.
    Returns the banner for the output, which may be a log: it never holds the token.

    The link carries the token in its fragment (``#token=``), which the browser never sends: it
    reaches neither the server nor its access log, and GraphiQL's page puts it in its headers."""
    login = (
        f"GraphiQL as the demo admin (the token is in the link):\n  {graphql_url}#token={token}\n"
        f"The admin's bearer token, for GraphiQL's Headers tab or another client:\n"
        f'  {{"Authorization": "Bearer {token}"}}\n'
    )
    try:
        with terminal.open("w") as tty:
            tty.write(f"\n{login}")
        where = "on the terminal (not in the log)"
    except OSError:  # no controlling terminal: a service manager, a container, a test
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / DEMO_TOKEN_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when the file was there before
        with os.fdopen(descriptor, "w") as file:
            file.write(login)
        where = f"in {path} (readable by its owner only)"
    return "\n".join(
        [
            "",
            f"Demo company ready. GraphiQL: {graphql_url}",
            f"  admin: {ADMIN_EMAIL} / {DEMO_PASSWORD}",
            f"  agent: {AGENT_EMAIL} / {DEMO_PASSWORD}",
            f"  A GraphiQL link with the admin's bearer token in its headers is {where}.",
            "",
        ]
    )
