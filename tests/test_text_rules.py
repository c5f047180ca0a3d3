"""The text rule every text input goes through (models/text_rules.py)."""

import pytest

from models.text_rules import InvalidText, TextKind, clean_text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("N-A-0\u200b", "N-A-0"),
        ("\ufeffKowalski", "Kowalski"),
        ("Ko\u00adwal\u2060ski", "Kowalski"),
        ("\u202eKowalski\u202c", "Kowalski"),
        ("Ann\u200e", "Ann"),
        ("Zoe\u0301", "Zoé"),
        ("Zo\u200be\u0301", "Zoé"),
        ("plain ascii", "plain ascii"),
        ("", ""),
        # A zero-width joiner inside Latin text hides a duplicate: dropped.
        ("N-A\u200d-0", "N-A-0"),
        ("a\u200cb", "ab"),
        # A variation selector after a Latin letter hides a duplicate: dropped.
        ("0\ufe0f", "0"),
    ],
)
def test_invisible_characters_are_dropped_and_text_is_nfc(sent: str, kept: str) -> None:
    assert clean_text(sent) == kept


@pytest.mark.parametrize(
    "text",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist: ZWJ between two emoji
        "\U0001f468\U0001f3fd\u200d\U0001f9b0",  # skin tone, then ZWJ
        "\u2764\ufe0f",  # red heart, emoji presentation
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire: VS16, then ZWJ
        "1\ufe0f\u20e3",  # keycap one
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian ZWNJ between letters
        "\u0915\u094d\u200d\u0937",  # Devanagari ZWJ
        "\u845b\U000e0100",  # ideographic variation sequence
    ],
)
def test_meaningful_joiners_and_selectors_are_kept(text: str) -> None:
    assert clean_text(text) == text


def test_a_flag_tag_without_its_flag_is_dropped() -> None:
    assert clean_text("Ann\U000e0067\U000e007f") == "Ann"


@pytest.mark.parametrize("kind", list(TextKind))
def test_unpaired_surrogates_are_refused_in_every_kind(kind: TextKind) -> None:
    for text in ("\ud800", "a\udfffb"):
        with pytest.raises(InvalidText, match="surrogate"):
            clean_text(text, kind)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
@pytest.mark.parametrize("kind", [TextKind.LINE, TextKind.MULTILINE])
def test_control_characters_are_refused(char: str, kind: TextKind) -> None:
    with pytest.raises(InvalidText, match=f"control character \\(U\\+{ord(char):04X}\\)"):
        clean_text(f"Ann{char}", kind)


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u2028", "\u2029"])
def test_line_breaks_and_tabs_only_in_multiline_text(char: str) -> None:
    with pytest.raises(InvalidText, match="line break"):
        clean_text(f"a{char}b")
    assert clean_text(f"a{char}b", TextKind.MULTILINE) == f"a{char}b"


def test_multiline_text_is_normalized_too() -> None:
    assert clean_text("line\u200b one\nZoe\u0301", TextKind.MULTILINE) == "line one\nZoé"


def test_verbatim_text_is_kept_as_sent() -> None:
    secret = "pa\u200bss\x00e\u0301\n"
    assert clean_text(secret, TextKind.VERBATIM) == secret
