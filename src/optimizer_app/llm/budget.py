"""How many tokens one answer may take: computed from the fields asked and their limits.

A flat cap is either too small for a long description (the answer is cut and refused) or far too
large for a title (a small model in JSON mode writes on until the cap, which costs minutes on a
CPU server). Here each field gets its limit in tokens, at about 3.5 characters a token (English
runs near 4, most other languages the app offers below), plus room for HTML tags, the JSON around
the values, and a margin for a first draft that runs a little long (the over-long check asks again).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.attributes import Attribute

CHARS_PER_TOKEN = 3.5
HTML_OVERHEAD = 1.3  # tags and entities around the visible text of a description
FIELD_OVERHEAD_TOKENS = 12  # a key, its quotes, colon and comma
OBJECT_OVERHEAD_TOKENS = 16
MARGIN = 1.25
FLOOR_TOKENS = 256
# Image alt text is one text per image: room for this many (a product's first images; the
# over-long check asks again when a gallery runs past it).
ALT_TEXTS = 10


def output_token_budget(attributes: Iterable[Attribute]) -> int:
    """The output limit for one answer holding every attribute in `attributes`."""
    tokens = float(OBJECT_OVERHEAD_TOKENS)
    for attribute in dict.fromkeys(attributes):
        if attribute is Attribute.IMAGE_ALT:
            tokens += ALT_TEXTS * (attribute.max_length / CHARS_PER_TOKEN + FIELD_OVERHEAD_TOKENS)
            continue
        chars = attribute.max_length * (HTML_OVERHEAD if attribute.is_html else 1.0)
        tokens += chars / CHARS_PER_TOKEN + FIELD_OVERHEAD_TOKENS
    return max(FLOOR_TOKENS, round(tokens * MARGIN))
