"""The R5 order of custom field definitions."""

import random

from hypothesis import given
from hypothesis import strategies as st

from models.field_order import field_order_key


def test_mixed_definitions_in_order() -> None:
    expected = [
        (-1, "Zysk"),
        (0, "Ulica"),
        (1, "Zawód"),
        (1, "żona"),
        (1, "Żona"),
        (2, "Lato"),
        (2, "Łódź"),
        (2, "Marka"),
        (10, "Adres"),
        (None, "adres"),
        (None, "cyrk 2"),
        (None, "Ćma"),
        (None, "Źródło"),
    ]
    shuffled = expected[:]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=lambda d: field_order_key(*d)) == expected


definitions = st.lists(st.tuples(st.none() | st.integers(-5, 5), st.text(max_size=5)))


@given(definitions)
def test_positions_ascending_then_unpositioned(defs: list[tuple[int | None, str]]) -> None:
    ordered = sorted(defs, key=lambda d: field_order_key(*d))
    positions = [p for p, _ in ordered]
    positioned = [p for p in positions if p is not None]
    assert positions == positioned + [None] * (len(positions) - len(positioned))
    assert positioned == sorted(positioned)
