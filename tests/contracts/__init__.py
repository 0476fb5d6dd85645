"""Documented request and payload examples per platform (see README.md), and how tests read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


def example(platform: str, name: str) -> dict[str, Any]:
    """The documented example of `<platform>/<name>.json`."""
    data: dict[str, Any] = json.loads((_HERE / platform / f"{name}.json").read_text())
    assert data["source"].startswith("https://"), "every contract fixture names its source"
    example: dict[str, Any] = data["example"]
    return example


def shape_mismatches(documented: Any, answered: Any, path: str = "") -> list[str]:
    """Where `answered` lacks a key of `documented` or holds another JSON type there (lists are
    compared by their first items)."""
    if isinstance(documented, dict):
        if not isinstance(answered, dict):
            return [f"{path or '.'}: expected an object"]
        return [
            problem
            for key, value in documented.items()
            for problem in (
                shape_mismatches(value, answered[key], f"{path}.{key}")
                if key in answered
                else [f"{path}.{key}: missing"]
            )
        ]
    if isinstance(documented, list):
        if not isinstance(answered, list):
            return [f"{path}: expected a list"]
        return shape_mismatches(documented[0], answered[0], f"{path}[0]") if documented and answered else []
    numbers = (int, float)
    same = (isinstance(documented, numbers) and isinstance(answered, numbers)) or type(documented) is type(answered)
    return [] if same else [f"{path}: expected {type(documented).__name__}, got {type(answered).__name__}"]
