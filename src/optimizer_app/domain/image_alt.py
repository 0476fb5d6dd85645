"""Image alt text as one field: the value of `image_alt` is a JSON list of `{image_id, alt}`, one
entry per image of the product, in the product's image order.

Keeping the field a string lets it travel like the text fields: the before and after values of an
item, the publish log's replaced and written values, and a revert's comparison are all this
canonical JSON (no spaces, keys in this order), so two values are equal exactly when every image
has the same alt text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageAlt:
    image_id: str
    alt: str


def encode(alts: Iterable[ImageAlt]) -> str:
    """The canonical JSON of a product's alt texts."""
    return json.dumps([{"image_id": a.image_id, "alt": a.alt} for a in alts], ensure_ascii=False, separators=(",", ":"))


def decode(value: str) -> list[ImageAlt]:
    """The alt texts a value holds; ValueError when it is not a list of `{image_id, alt}` objects
    with text values, or names an image twice."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise ValueError("image alt text must be a JSON list of {image_id, alt} objects") from None
    if not isinstance(data, list):
        raise ValueError("image alt text must be a JSON list of {image_id, alt} objects")
    alts: list[ImageAlt] = []
    for entry in data:
        if (
            not isinstance(entry, dict)
            or set(entry) != {"image_id", "alt"}
            or not isinstance(entry["image_id"], str)
            or not entry["image_id"]
            or not isinstance(entry["alt"], str)
        ):
            raise ValueError("each entry must be an object with an image_id and an alt, both text")
        alts.append(ImageAlt(entry["image_id"], entry["alt"]))
    if len({a.image_id for a in alts}) != len(alts):
        raise ValueError("an image is named twice")
    return alts


def by_image(value: str) -> dict[str, str]:
    """{image_id: alt} of a value (decode's errors)."""
    return {a.image_id: a.alt for a in decode(value)}


def same_images(value: str, image_ids: Sequence[str]) -> bool:
    """Whether a value names exactly these images, in this order."""
    try:
        return [a.image_id for a in decode(value)] == list(image_ids)
    except ValueError:
        return False
