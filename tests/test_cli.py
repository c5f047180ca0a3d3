"""The ``crm`` command: the schema file, tokens, and ``serve --demo`` on the embedded database."""

import re
import subprocess
import sys
from pathlib import Path

import httpx

from app.demo import ADMIN_EMAIL, AGENT_EMAIL, DEMO_TOKEN_FILE
from tests.conftest import clean_env, free_port, service_env, wait_until_ready
from tests.operations import document

ROOT = Path(__file__).resolve().parent.parent
BEARER = re.compile(r"Bearer ([\w.-]+)")


def crm(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=60
    )
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
