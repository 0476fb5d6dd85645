"""Which of a product's fields are empty, for jobs that write only those (`only_empty`).

Empty means what the catalog index's `missing_fields` column means (migration 016): a text field
with nothing but spaces; a description with nothing but markup, `&nbsp;` and spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .attributes import Attribute
from .products import Product

_NOT_TEXT = re.compile(r"<[^>]*>|&nbsp;|&#160;|\s")


def is_empty(attribute: Attribute, value: str | None) -> bool:
    if not value:
        return True
    if attribute is Attribute.DESCRIPTION:
        return not _NOT_TEXT.sub("", value)
    return not value.strip()


@dataclass(frozen=True)
class FieldsToWrite:
    """Each product with the fields a job writes for it (products with none left out), and how
    many product fields were skipped for already having a value."""

    products: list[tuple[Product, tuple[Attribute, ...]]]
    skipped: int

    @property
    def fields(self) -> int:
        return sum(len(attributes) for _, attributes in self.products)


def fields_to_write(products: Sequence[Product], attributes: Sequence[Attribute], *, only_empty: bool) -> FieldsToWrite:
    """Every asked field of every product, or with `only_empty` only the empty ones."""
    if not only_empty:
        return FieldsToWrite([(p, tuple(attributes)) for p in products], 0)
    chosen: list[tuple[Product, tuple[Attribute, ...]]] = []
    skipped = 0
    for product in products:
        empty = tuple(a for a in attributes if is_empty(a, product.value(a)))
        skipped += len(attributes) - len(empty)
        if empty:
            chosen.append((product, empty))
    return FieldsToWrite(chosen, skipped)
