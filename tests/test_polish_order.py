"""polish_sort_key: plain string order of the keys is Polish alphabetical order."""

import random
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from models.polish_order import polish_sort_key

# The reference: Polish letters in alphabetical order, spelled out here independently of the module.
POLISH = list("aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż")
# Letters Polish does not have, which sort as their base letter.
FOREIGN = {"é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a", "à": "a", "ç": "c", "ñ": "n"}
PUNCTUATION = ".-'("
LETTERS = POLISH + list(FOREIGN)
ALPHABET = [*LETTERS, *(c.upper() for c in LETTERS), *"0123456789", " ", *PUNCTUATION]


def reference_rank(text: str) -> list[int]:
    """Spaces, then punctuation, then digits, then letters in Polish order; case ignored."""
    ranks = []
    for ch in text.lower():
        if ch == " ":
            ranks.append(0)
        elif ch in PUNCTUATION:
            ranks.append(1)
        elif ch.isdigit():
            ranks.append(10 + int(ch))
        else:
            ranks.append(100 + POLISH.index(FOREIGN.get(ch, ch)))
    return ranks


texts = st.text(alphabet=ALPHABET, max_size=8)


def test_known_order_of_polish_words() -> None:
    expected = [
        "(brak)",
        "007",
        "1 maja",
        "Adam",
        "Anna Maria",
        "Annabel",
        "az",
        "ąb",
        "Bartek",
        "cyrk",
        "ćma",
        "Dorota",
        "Éva",
        "Ewa",
        "ęsi",
        "Lucyna",
        "Łukasz",
        "Marek",
        "Nowak",
        "nóż",
        "Ozon",
        "Óla",
        "Sylwia",
        "Ściana",
        "Ülle",
        "Urszula",
        "Zenon",
        "Źdźbło",
        "Żaneta",
    ]
    shuffled = expected[:]
    random.Random(5).shuffle(shuffled)
    assert sorted(shuffled, key=polish_sort_key) == expected


def test_case_does_not_change_the_alphabetical_order() -> None:
    words = ["LUCYNA", "łukasz", "Łukasza", "MAREK", "marek2", "źdźbło", "ŻANETA"]
    assert sorted(reversed(words), key=polish_sort_key) == words


def test_equal_but_for_case_lowercase_first() -> None:
    variants = ["ŁUKASZ", "Łukasz", "łukasz", "łUKASZ"]
    assert sorted(variants, key=polish_sort_key) == ["łukasz", "łUKASZ", "Łukasz", "ŁUKASZ"]


def test_other_scripts_follow_latin_letters() -> None:
    assert polish_sort_key("żżż") < polish_sort_key("Ωmega") < polish_sort_key("Яков")


def test_compatibility_forms_sort_as_their_plain_letters() -> None:
    cases = [
        ("\uff21dam", "adal", "adan"),  # fullwidth A
        ("ﬁlip", "fil", "filipa"),
        ("ᴬla", "akz", "alaa"),
        ("ᴮolek", "bok", "bolka"),  # modifier capital B: "b", not the weight of "B"
        ("\u210cenryk", "hen", "henryka"),  # black-letter capital H
        ("①a", "1", "1b"),
        ("\u0663", "2z", "3a"),  # Arabic-Indic three
        ("Straße", "strass", "strassea"),
        ("Ⅻ", "xih", "xij"),
    ]
    for fancy, below, above in cases:
        assert polish_sort_key(below) < polish_sort_key(fancy) < polish_sort_key(above), fancy


@given(texts, texts)
def test_consistent_with_the_reference_alphabet(a: str, b: str) -> None:
    if reference_rank(a) < reference_rank(b):
        assert polish_sort_key(a) < polish_sort_key(b)
    elif reference_rank(a) > reference_rank(b):
        assert polish_sort_key(a) > polish_sort_key(b)


@given(st.lists(texts, max_size=20))
def test_sorting_by_key_sorts_by_reference(words: list[str]) -> None:
    ranks = [reference_rank(w) for w in sorted(words, key=polish_sort_key)]
    assert ranks == sorted(ranks)


@given(texts)
def test_lowercase_sorts_before_uppercase(text: str) -> None:
    if text.lower() != text.upper():
        assert polish_sort_key(text.lower()) < polish_sort_key(text.upper())


def test_texts_equal_but_for_accents_or_punctuation_get_distinct_keys() -> None:
    for pair in [("u", "ü"), ("Mueller", "Müller"), ("e-mail", "e.mail"), ("é", "e\u0301")]:
        assert polish_sort_key(pair[0]) != polish_sort_key(pair[1]), pair


@given(st.text(), st.text())
def test_total_and_injective(a: str, b: str) -> None:
    assert polish_sort_key(a) == polish_sort_key(a)
    assert (polish_sort_key(a) == polish_sort_key(b)) == (a == b)


@given(st.text(), st.text())
def test_utf8_byte_order_equals_string_order(a: str, b: str) -> None:
    """MongoDB compares the UTF-8 bytes; Python the code points. They must agree."""
    key_a, key_b = polish_sort_key(a), polish_sort_key(b)
    assert (key_a < key_b) == (key_a.encode() < key_b.encode())


def primary(text: str) -> str:
    """The documented first part of the key: the case-folded primary weights."""
    return polish_sort_key(text).split("\x01", 1)[0]


def test_every_accented_or_compatibility_latin_letter_weighs_as_its_base() -> None:
    """Every character that decomposes into Latin letters (and marks), apart from the Polish
    letters, sorts exactly as those letters in lowercase: É, ǅ, ﬁ, black-letter or fullwidth H..."""
    polish = set("ąćęłńóśźż")
    wrong = []
    for code_point in range(0x110000):
        ch = chr(code_point)
        if ch.lower() in polish or unicodedata.category(ch) in ("Cn", "Co", "Cs"):
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and base.isascii() and base.isalpha() and primary(ch) != primary(base.lower()):
            wrong.append(ch)
    assert wrong == []


def test_every_character_gets_a_weight_in_its_class() -> None:
    """The primary part (before the first "\\x01") uses, per character: " " for whitespace, "!"
    for punctuation and symbols, "0".."9" for digits, "A".."c" for the 35 Latin letters, and code
    points above U+007F for letters of other scripts; nothing else. A stray weight (say an
    uppercase letter left unfolded) would put a character among the wrong letters."""
    latin = {chr(ord("A") + i) for i in range(35)}
    allowed = {" ", "!", *"0123456789", *latin}
    wrong = []
    for code_point in range(0x110000):
        # Unassigned, private-use and surrogate code points weigh as punctuation.
        if unicodedata.category(chr(code_point)) in ("Cn", "Co", "Cs"):
            continue
        if any(w not in allowed and ord(w) < 0x80 for w in primary(chr(code_point))):
            wrong.append(hex(code_point))
    assert wrong == []
