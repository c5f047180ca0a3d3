"""``crm serve --demo`` shows the admin's bearer token to the person who started it, never in the
output that may be a log: on the controlling terminal, or else in a file only its owner reads."""

from app.demo import DEMO_TOKEN_FILE, show_demo_login

TOKEN = "header.payload.signature"
URL = "http://127.0.0.1:8000/graphql"


def test_with_a_terminal_the_token_goes_there_only(tmp_path):
    terminal = tmp_path / "tty"  # stands for /dev/tty
    banner = show_demo_login(TOKEN, URL, tmp_path / "data", terminal=terminal)
    assert TOKEN not in banner
    assert f"Bearer {TOKEN}" in terminal.read_text()
    assert not (tmp_path / "data" / DEMO_TOKEN_FILE).exists()


def test_without_a_terminal_the_token_goes_to_a_file_only_its_owner_reads(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    token_file = data_dir / DEMO_TOKEN_FILE
    token_file.write_text("an earlier token")
    token_file.chmod(0o644)
    banner = show_demo_login(TOKEN, URL, data_dir, terminal=tmp_path / "no" / "tty")
    assert TOKEN not in banner
    assert str(token_file) in banner
    assert f'  {{"Authorization": "Bearer {TOKEN}"}}\n' in token_file.read_text()
    assert token_file.stat().st_mode & 0o777 == 0o600
