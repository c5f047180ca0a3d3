"""The README's first hour (issue 12, item 11): its commands work in a fresh virtual environment,
it lists what the demo data holds (so a new user does not collide with it) from app/demo.py
itself, and it tells graphql-ws clients that a 4403 is final."""

import re
from pathlib import Path

from app.demo import DEMO_CONTACT_FIELDS, DEMO_CONTACTS, DEMO_ORGANIZATION_FIELDS, DEMO_STAGES
from models.values import name_key

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
VENV = "python3 -m venv .venv && . .venv/bin/activate && pip install -e "


def test_the_start_and_test_commands_create_and_activate_a_virtual_environment_first():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert f"{VENV}. && crm serve --demo" in commands
    assert f'{VENV}".[dev]" && pytest' in commands


def test_the_demo_token_is_said_to_be_the_admins():
    assert "The token\n`crm serve --demo` prints is the admin's" in README


def test_the_readme_lists_the_demo_data():
    text = " ".join(README.split())
    for field in (*DEMO_CONTACT_FIELDS, *DEMO_ORGANIZATION_FIELDS):
        assert f"`{field['key']}`" in text, field["key"]
    for name, _, _ in DEMO_STAGES:
        assert name in text
    for first, last, phone, _, _ in DEMO_CONTACTS:
        assert f"{first} {last}" in text
        assert f"`{name_key(first)}.{name_key(last)}@example.com`" in text
        assert phone in text
    assert "Acme Sp. z o.o." in text
    assert "Zaawansowany" in text


def test_graphql_ws_clients_are_told_that_4403_is_final():
    bullet = README.split("- **WebSocket clients: 4403 is final.**", 1)[1].split("\n- ", 1)[0]
    assert "shouldRetry: (e) => e?.code !== 4403" in bullet
    assert "closed" in bullet
    assert "retries it silently by default" in bullet
