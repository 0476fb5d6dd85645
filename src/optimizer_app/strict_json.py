"""JSON from outside the app (request bodies, webhook bodies), parsed so that bad input is a
MalformedRequest and never a 500 further in: no NUL characters (PostgreSQL refuses them in text
and jsonb), integers within PostgreSQL's bigint, bounded nesting, no NaN or Infinity."""

from __future__ import annotations

import json
from typing import Any

from .errors import MalformedRequest

INT64_MAX = 2**63 - 1
MAX_DEPTH = 32
# The longest integer that can be within bigint; checked before int() so a 5,000-digit number
# never reaches Python's own digit limit.
_MAX_INT_CHARS = len(str(-INT64_MAX))


def bounded_int(text: str, name: str = "a number") -> int:
    """An integer within PostgreSQL's bigint, or MalformedRequest naming `name`."""
    if len(text.strip()) > _MAX_INT_CHARS:
        raise MalformedRequest(f"{name} is out of range.")
    try:
        value = int(text)
    except ValueError:
        raise MalformedRequest(f"{name} must be an integer.") from None
    if not -INT64_MAX <= value <= INT64_MAX:
        raise MalformedRequest(f"{name} is out of range.")
    return value


def check_text(value: str, name: str) -> str:
    if "\x00" in value:
        raise MalformedRequest(f"{name} must not contain NUL characters.")
    return value


def _no_constant(name: str) -> Any:
    raise MalformedRequest(f"{name} is not a JSON number.")


def loads_object(raw: bytes | str, what: str = "The request body") -> dict[str, Any]:
    """A JSON object, checked as the module docstring says; MalformedRequest names `what`."""
    try:
        data = json.loads(
            raw,
            parse_int=lambda text: bounded_int(text, "A number in the JSON"),
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise MalformedRequest(f"{what} is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedRequest(f"{what} must be a JSON object.")
    _check_tree(data, what)
    return data


def _check_tree(data: object, what: str) -> None:
    """NUL characters anywhere and nesting beyond MAX_DEPTH, without recursion (the tree may be
    as deep as the parser allows)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            check_text(node, f"Text in {what.lower()}")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise MalformedRequest(f"{what} is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((value, depth + 1) for value in node.values())
        else:
            stack.extend((value, depth + 1) for value in node)
