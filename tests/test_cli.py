"""The ``crm`` command: the schema file, tokens, and ``serve --demo`` on the embedded database;
a company's schema, the import's exit codes and failed rows, a data directory without a
database."""

import re
import subprocess
import sys
from pathlib import Path

import httpx

from app.demo import ADMIN_EMAIL, AGENT_EMAIL, DEMO_TOKEN_FILE
from app.import_cli import progress_bar
from tests.conftest import clean_env, free_port, service_env, wait_until_ready
from tests.operations import document
from tests.records import with_default_crm

ROOT = Path(__file__).resolve().parent.parent
BEARER = re.compile(r"Bearer ([\w.-]+)")


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def crm(*args: str, env: dict[str, str]) -> str:
    done = run(*args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_schema_file_is_current(settings):
    exported = crm("export-schema", env=service_env(settings))
    assert (ROOT / "schema.graphql").read_text() == exported, (
        "schema.graphql is stale: run `crm export-schema > schema.graphql`"
    )


def _post(base_url: str, token: str, name: str, **variables: object) -> dict:
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": document(name), "operationName": name, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


def test_operator_and_user_tokens_from_the_command_line(settings, live_server):
    env = service_env(settings)
    operator = crm("token", "--operator", env=env).strip()
    created = _post(
        live_server.base_url,
        operator,
        "CreateCompany",
        input={
            "name": "Cli Tokens Co",
            "adminEmail": "boss@clitokens.example",
            "adminPassword": "long enough password",
        },
    )
    assert created["data"]["createCompany"]["name"] == "Cli Tokens Co"
    user_token = crm("token", "BOSS@clitokens.example", env=env).strip()
    me = _post(live_server.base_url, user_token, "Me")
    assert me["data"]["me"]["email"] == "boss@clitokens.example"


def test_token_for_an_unknown_email_fails_clearly(settings):
    done = subprocess.run(
        [sys.executable, "-m", "app", "token", "nobody@nowhere.example"],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "no active user" in done.stderr


def test_serve_demo_on_the_embedded_database(tmp_path):
    """The README's first command: embedded database, demo data, a ready token."""
    port = free_port()
    env = clean_env()
    env["CRM_DATA_DIR"] = str(tmp_path / "data")
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app", "serve", "--demo", "--port", str(port)]
    for _ in range(2):  # a second start finds the demo data and does not duplicate it
        log_path = tmp_path / "serve.log"
        with log_path.open("w") as log:
            # A new session: no controlling terminal, so the token goes to a file.
            process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until_ready(base_url, process)
            token = demo_token(tmp_path / "data", log_path)
            me = _post(base_url, token, "Me")
            assert me["data"]["me"]["email"] == ADMIN_EMAIL
            assert [p["name"] for p in me["data"]["me"]["projects"]] == ["Infolinia"]
            demo = _post(base_url, token, "DemoContacts", search="lukasz kow")["data"]["contacts"]
            assert demo["totalCount"] == 1
            lukasz = demo["edges"][0]["node"]
            assert lukasz["custom"]["numerKlienta"] == 1001
            assert lukasz["custom"]["limitKredytowy"] == "1500.00"
            assert lukasz["stage"]["name"] == "Lead"
            assert lukasz["organization"]["custom"]["branza"] == "IT"
            agent_token = crm("token", AGENT_EMAIL, env=env).strip()
            assert _post(base_url, agent_token, "Me")["data"]["me"]["roles"] == ["AGENT"]
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert not (tmp_path / "data" / "embedded" / "server.json").exists()


def demo_token(data_dir: Path, log_path: Path) -> str:
    """The admin's token ``serve --demo`` wrote for its owner; the log must not hold it."""
    token_file = data_dir / DEMO_TOKEN_FILE
    assert token_file.stat().st_mode & 0o777 == 0o600
    match = BEARER.search(token_file.read_text())
    assert match, token_file.read_text()
    log = log_path.read_text()
    assert match.group(1) not in log, log
    assert str(token_file) in log, log
    return match.group(1)


async def test_export_schema_of_a_company_has_its_custom_fields(settings, tenant):
    await tenant.admin.op(
        "CreateFieldDefinition",
        input={"entity": "CONTACT", "name": "Numer klienta", "key": "numerKlienta", "type": "TEXT"},
    )
    env = service_env(settings)

    company = crm("export-schema", "--company", tenant.name, env=env)

    assert "numerKlienta" in company
    assert "numerKlienta" not in crm("export-schema", env=env)
    assert crm("export-schema", "--company", tenant.id, env=env) == company
    unknown = run("export-schema", "--company", "No Such Company", env=env)
    assert unknown.returncode == 1
    assert "no company No Such Company" in unknown.stderr


async def contact_count(tenant) -> int:
    return (await tenant.admin.op("CountedContacts", first=1)).data["contacts"]["totalCount"]


async def test_import_exit_codes_failed_rows_file_and_dry_run(settings, tenant, tmp_path):
    await with_default_crm(tenant, "Sprzedaż")
    env = service_env(settings)
    target = ("--company", tenant.name, "--crm", "Sprzedaż")
    mixed = tmp_path / "nowi.csv"
    mixed.write_text("Imię;Nazwisko;E-mail\nEwa;Lis;ewa@example.com\nZły;Mail;zly\n", "utf-8")

    dry = run("import", str(mixed), *target, "--dry-run", env=env)
    assert dry.returncode == 2, dry.stderr
    assert "would create 1" in dry.stderr
    assert "dry run" in dry.stderr
    assert await contact_count(tenant) == 0

    imported = run("import", str(mixed), *target, env=env)
    assert imported.returncode == 2, imported.stderr
    errors_file = tmp_path / "nowi.csv.errors.csv"
    assert str(errors_file) in imported.stderr
    assert "/imports/" not in imported.stderr
    lines = errors_file.read_text("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Zły;Mail;zly;")
    assert await contact_count(tenant) == 1

    clean = tmp_path / "czysty.csv"
    clean.write_text("Imię;Nazwisko\nOla;Nowak\n", "utf-8")
    done = run("import", str(clean), *target, env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "czysty.csv.errors.csv").exists()
    refused = run("import", str(clean), *target, "--mode", "upsert", env=env)
    assert refused.returncode == 1
    assert await contact_count(tenant) == 2


def test_the_progress_bar_is_empty_at_zero_of_zero():
    assert "#" not in progress_bar({"total": 0, "processed": 0, "status": "COMPLETED"})
    half = progress_bar({"total": 4, "processed": 2, "status": "RUNNING"})
    assert "#" * 15 + "." * 15 in half


def test_commands_outside_the_data_directory_create_nothing(tmp_path):
    env = clean_env()
    for args in (["token", "boss@example.com"], ["token", "--operator"]):
        done = run(*args, env=env, cwd=tmp_path)
        assert done.returncode == 1
        assert f"no database in {tmp_path / 'data'}" in done.stderr
        assert "CRM_DATA_DIR" in done.stderr
        assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []
    env["CRM_JWT_SECRET"] = "a-jwt-secret-of-sufficient-length-0123456789"
    operator = run("token", "--operator", env=env, cwd=tmp_path)
    assert operator.returncode == 0, operator.stderr
    assert operator.stdout.strip()
    assert list(tmp_path.iterdir()) == []
