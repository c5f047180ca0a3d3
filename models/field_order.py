"""The order of custom field definitions (R5): by position, unpositioned last, ties by name."""

from models.polish_order import polish_sort_key


def field_order_key(position: int | None, name: str) -> tuple[bool, int, str]:
    """Sorting by this key gives position ascending, no position last, equal positions (and the
    unpositioned fields) by name in Polish alphabetical order."""
    return position is None, position or 0, polish_sort_key(name)
