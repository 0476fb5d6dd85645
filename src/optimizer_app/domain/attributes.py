"""The product fields the app can improve, and the limits their values must respect."""

from __future__ import annotations

from enum import StrEnum


class Attribute(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    SEO_TITLE = "seo_title"
    SEO_DESCRIPTION = "seo_description"
    # One alt text per image of the product; its value is a JSON list (domain/image_alt.py).
    IMAGE_ALT = "image_alt"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def max_length(self) -> int:
        return MAX_LENGTH[self]

    @property
    def is_html(self) -> bool:
        return self is Attribute.DESCRIPTION


_LABELS = {
    Attribute.TITLE: "Title",
    Attribute.DESCRIPTION: "Description",
    Attribute.SEO_TITLE: "SEO title",
    Attribute.SEO_DESCRIPTION: "SEO meta description",
    Attribute.IMAGE_ALT: "Image alt text",
}

# Characters of visible text. SEO limits are what search engines show before truncating;
# the title limit is the strictest of the supported platforms (Wix: 80). Image alt text: per image,
# what Shopify recommends (https://help.shopify.com/en/manual/products/product-media/add-alt-text:
# "Keep your alt text to 125 characters or less"; its hard limit is 512).
MAX_LENGTH = {
    Attribute.TITLE: 80,
    Attribute.DESCRIPTION: 8000,
    Attribute.SEO_TITLE: 60,
    Attribute.SEO_DESCRIPTION: 160,
    Attribute.IMAGE_ALT: 125,
}


# The fields whose value is one text (the catalog index knows which of them a product lacks).
TEXT_ATTRIBUTES = (Attribute.TITLE, Attribute.DESCRIPTION, Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)


def parse_attributes(names: object) -> tuple[Attribute, ...]:
    """Validate a list of attribute names from a request; keeps order, drops duplicates."""
    if not isinstance(names, list) or not names:
        raise ValueError("attributes must be a non-empty list")
    seen: dict[Attribute, None] = {}
    for name in names:
        try:
            seen[Attribute(name)] = None
        except ValueError:
            allowed = ", ".join(a.value for a in Attribute)
            raise ValueError(f"unknown attribute {name!r}; allowed: {allowed}") from None
    return tuple(seen)
