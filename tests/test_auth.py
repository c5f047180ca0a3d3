"""Authentication: login, tokens, the operator level, throttling of failed logins."""

from app.tokens import TokenKind, TokenService
from tests.client import field_paths
from tests.conftest import PASSWORD


async def test_login_returns_a_token_that_identifies_the_user(tenant, anonymous):
    result = await anonymous.op("Login", email=tenant.admin_email.upper(), password=PASSWORD)
    payload = result.data["login"]
    assert payload["user"]["email"] == tenant.admin_email
    me = await anonymous.as_(payload["token"]).op("Me")
    assert me.data["me"]["email"] == tenant.admin_email
    assert me.data["me"]["roles"] == ["ADMIN"]


async def test_every_operation_but_login_needs_a_token(anonymous):
    result = await anonymous.op("Me")
    assert result.error_code == "UNAUTHENTICATED"
    assert result.body["data"] is None


async def test_a_forged_or_expired_token_is_refused_with_401(anonymous, tenant, settings):
    forged = anonymous.as_("not-a-token")
    result = await forged.op("Me")
    assert result.status == 401
    assert result.error_code == "UNAUTHENTICATED"

    other_key = TokenService("another-secret-another-secret-another-secret", 3600)
    result = await anonymous.as_(other_key.issue(TokenKind.OPERATOR, "operator")).op("Me")
    assert result.status == 401

    expired = TokenService(settings.jwt_secret, -10).issue(TokenKind.OPERATOR, "operator")
    assert (await anonymous.as_(expired).op("Me")).status == 401


async def test_wrong_password_and_unknown_email_answer_alike(tenant, anonymous):
    wrong = await anonymous.op("Login", email=tenant.admin_email, password="wrong password")
    unknown = await anonymous.op("Login", email="nobody@nowhere.example", password="x" * 10)
    assert wrong.error_code == unknown.error_code == "UNAUTHENTICATED"
    assert wrong.error["message"] == unknown.error["message"]


async def test_repeated_failures_lock_the_email_for_a_while(tenant, anonymous, settings):
    for _ in range(settings.login_max_failures):
        failed = await anonymous.op("Login", email=tenant.admin_email, password="bad password")
        assert failed.error_code == "UNAUTHENTICATED"
    locked = await anonymous.op("Login", email=tenant.admin_email, password=PASSWORD)
    assert locked.error_code == "TOO_MANY_REQUESTS"
    assert locked.error["extensions"]["retryAfterSeconds"] > 0


async def test_a_success_clears_earlier_failures(tenant, anonymous, settings):
    for _ in range(settings.login_max_failures - 1):
        await anonymous.op("Login", email=tenant.admin_email, password="bad password")
    assert (await anonymous.op("Login", email=tenant.admin_email, password=PASSWORD)).data
    for _ in range(settings.login_max_failures - 1):
        await anonymous.op("Login", email=tenant.admin_email, password="bad password")
    assert (await anonymous.op("Login", email=tenant.admin_email, password=PASSWORD)).data


async def test_a_deactivated_user_can_neither_log_in_nor_use_an_old_token(tenant, anonymous):
    agent = await tenant.add_user(["AGENT"])
    deactivated = await tenant.admin.op("UpdateUser", id=agent.id, input={"active": False})
    assert deactivated.data["updateUser"]["active"] is False
    assert (await agent.client.op("Me")).status == 401
    login = await anonymous.op("Login", email=agent.email, password=PASSWORD)
    assert login.error_code == "UNAUTHENTICATED"


async def test_operator_token_creates_companies_but_reads_no_tenant_data(operator):
    result = await operator.op("Me")
    assert result.error_code == "FORBIDDEN"


async def test_only_operators_create_companies(tenant, anonymous):
    input_ = {"name": "Sneaky", "adminEmail": "a@sneaky.example", "adminPassword": PASSWORD}
    assert (await tenant.admin.op("CreateCompany", input=input_)).error_code == "FORBIDDEN"
    assert (await anonymous.op("CreateCompany", input=input_)).error_code == "UNAUTHENTICATED"


async def test_company_names_are_unique_ignoring_case_and_accents(operator, tenant):
    result = await operator.op(
        "CreateCompany",
        input={
            "name": f"  {tenant.name.upper()} ",
            "adminEmail": "other-admin@dup.example",
            "adminPassword": PASSWORD,
        },
    )
    assert result.error_code == "CONFLICT"
    assert result.error["extensions"]["field"] == "name"
    assert result.error["extensions"]["existingId"] == tenant.id
    login = await operator.as_(None).op("Login", email="other-admin@dup.example", password=PASSWORD)
    assert login.error_code == "UNAUTHENTICATED"


async def test_create_company_validates_the_admin_and_stores_nothing(operator, anonymous):
    result = await operator.op(
        "CreateCompany",
        input={"name": "Valid Name Co", "adminEmail": "not-an-email", "adminPassword": "short"},
    )
    assert result.error_code == "VALIDATION_FAILED"
    assert field_paths(result) == {"input.adminEmail", "input.adminPassword"}
    again = await operator.op(
        "CreateCompany",
        input={
            "name": "Valid Name Co",
            "adminEmail": "admin@validname.example",
            "adminPassword": PASSWORD,
        },
    )
    assert again.data["createCompany"]["name"] == "Valid Name Co"
