"""Demo data for ``crm serve --demo``: created once, then only its log-in details are printed."""

from dataclasses import dataclass

from app.passwords import hash_password
from app.tokens import TokenKind, TokenService
from models.company import Company, CompanySettings
from models.crm import Crm, LocalBackend
from models.project import Project
from models.user import Permission, Role, User
from models.values import name_key

DEMO_COMPANY = "Demo Company"
ADMIN_EMAIL = "admin@demo.example"
AGENT_EMAIL = "agent@demo.example"
DEMO_PASSWORD = "demo-password"


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
    token = tokens.issue(TokenKind.USER, str(admin.id), str(company.id))
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
        tenant_id=company.id, name="Sprzedaż", name_key=name_key("Sprzedaż"), backend=LocalBackend()
    ).insert()
    await Project(
        tenant_id=company.id,
        name="Infolinia",
        name_key=name_key("Infolinia"),
        crm_id=crm.id,
        member_ids=[admin.id, agent.id],
    ).insert()
    await company.set({"settings": CompanySettings(default_crm_id=crm.id).model_dump()})
    return company


def demo_banner(login: DemoLogin, graphql_url: str) -> str:
    return "\n".join(
        [
            "",
            f"Demo company ready. GraphiQL: {graphql_url}",
            f"  admin: {ADMIN_EMAIL} / {DEMO_PASSWORD}",
            f"  agent: {AGENT_EMAIL} / {DEMO_PASSWORD}",
            "  In GraphiQL's Headers tab:",
            f'  {{"Authorization": "Bearer {login.token}"}}',
            "",
        ]
    )
