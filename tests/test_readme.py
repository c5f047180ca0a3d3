"""The README documents every setting."""

from pathlib import Path

from app.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [
        f"CRM_{name.upper()}"
        for name in Settings.model_fields
        if f"`CRM_{name.upper()}`" not in README
    ]
    assert not missing
