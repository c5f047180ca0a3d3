"""Decodes the JSON of requests (GraphQL bodies, GET variables, multipart parts, telephony
events) so that no input makes the decoder fail with anything but :class:`UnreadableJson`.

Python's own decoder accepts ``NaN`` and ``Infinity``, decodes bytes with ``surrogatepass``,
raises RecursionError past about 1,000 levels and ValueError for integers of more than 4,300
digits; a value nested hundreds of levels deep would then also exhaust the stack of the code that
walks it (GraphQL's input coercion). Here: strict UTF-8, no non-finite numbers, at most
``MAX_DEPTH`` levels (a filter at its deepest needs about 20).
"""

import json
import math

MAX_DEPTH = 64


class UnreadableJson(json.JSONDecodeError):
    """Subclasses JSONDecodeError so that Strawberry's handling of bad JSON (HTTP and WebSocket)
    applies; ``msg`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)


def _refuse_constant(name: str) -> float:
    raise UnreadableJson(f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnreadableJson(f"The number {text[:20]} is out of range.")
    return number


def decode_json(data: str | bytes) -> object:
    try:
        text = data.decode() if isinstance(data, bytes | bytearray) else data
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError as error:
        raise UnreadableJson(f"Not UTF-8 (byte {error.start}).") from error
    except RecursionError as error:
        raise UnreadableJson(f"Nested deeper than {MAX_DEPTH} levels.") from error
    except ValueError as error:  # an integer of more than 4,300 digits
        raise UnreadableJson("A number of too many digits.") from error
    _check_depth(value)
    return value


def _check_depth(value: object) -> None:
    """Iterative, so that checking cannot itself run out of stack."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_DEPTH:
            raise UnreadableJson(f"Nested deeper than {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
