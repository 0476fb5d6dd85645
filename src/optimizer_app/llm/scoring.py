"""A saved value's quality score: the domain's rule (domain/quality.py) applied to the text a
shopper reads of it. Used where a result is saved (the worker) and where the owner edits one."""

from __future__ import annotations

from typing import Any

from ..domain import image_alt
from ..domain.attributes import Attribute
from ..domain.quality import quality
from .checks import visible_text


def score_value(
    attribute: Attribute,
    value: str,
    *,
    product_name: str,
    language: str,
    flags: int = 0,
    duplicate_penalty: int = 0,
) -> dict[str, Any]:
    """`{score, reasons}` of a value as saved (a description's markup is not counted; image alt
    text scores as its weakest alt text, the flags counted once)."""
    if attribute is Attribute.IMAGE_ALT:
        alts = [a.alt for a in image_alt.decode(value) if a.alt] or [""]
        scored = [quality(attribute, alt, product_name=product_name, language=language, flags=flags) for alt in alts]
        return min(scored, key=lambda q: q["score"])
    text = visible_text(value) if attribute.is_html else value
    return quality(
        attribute,
        text,
        product_name=product_name,
        language=language,
        flags=flags,
        duplicate_penalty=duplicate_penalty,
    )
