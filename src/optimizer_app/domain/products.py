"""The normalised product every platform client returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .attributes import Attribute
from .image_alt import ImageAlt, encode


@dataclass(frozen=True)
class ProductImage:
    """One image of a product as its platform lists it: the platform's id for it (what alt text is
    written by), where it is served, its alt text, and whether the platform lets its alt text be
    written now (Shopify: a MediaImage that is READY)."""

    id: str
    url: str | None = None
    alt: str = ""
    ready: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "alt": self.alt, "ready": self.ready}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProductImage:
        return cls(
            id=str(data["id"]), url=data.get("url"), alt=str(data.get("alt") or ""), ready=bool(data.get("ready", True))
        )


# The field (and snapshot key) holding each text attribute's value: Product.value, and the same rule
# in queue.sql's copy_cached_products (the key's value; "" when the snapshot lacks the key).
TEXT_FIELDS = {
    Attribute.TITLE: "title",
    Attribute.DESCRIPTION: "description_html",
    Attribute.SEO_TITLE: "seo_title",
    Attribute.SEO_DESCRIPTION: "seo_description",
}


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    description_html: str = ""
    seo_title: str = ""
    seo_description: str = ""
    # The platform's optimistic-lock token (Wix `revision`); None where the platform has none.
    revision: str | None = None
    collection_ids: tuple[str, ...] = ()
    image_url: str | None = None
    # The product's page in the storefront, as the platform reports it; None when it has none
    # (Shopify: not published to the Online Store).
    url: str | None = None
    # Facts the LLM may use (price, material, brand...); never instructions.
    extra: dict[str, Any] = field(default_factory=dict)
    # What the platform client needs to write the product back (e.g. Wix's other SEO tags);
    # never shown to the LLM.
    platform_data: dict[str, Any] = field(default_factory=dict)
    # The product's images in the platform's order; None when they were not read (Shopify reads
    # them apart, `StoreClient.with_images`).
    images: tuple[ProductImage, ...] | None = None

    def value(self, attribute: Attribute) -> str:
        if attribute is Attribute.IMAGE_ALT:
            if self.images is None:
                raise ValueError(f"the images of product {self.id} were not read")
            return encode(ImageAlt(i.id, i.alt) for i in self.images)
        value: str = getattr(self, TEXT_FIELDS[attribute])
        return value

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description_html": self.description_html,
            "seo_title": self.seo_title,
            "seo_description": self.seo_description,
            "revision": self.revision,
            "collection_ids": list(self.collection_ids),
            "image_url": self.image_url,
            "url": self.url,
            "extra": self.extra,
            "platform_data": self.platform_data,
            "images": None if self.images is None else [i.to_json() for i in self.images],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Product:
        return cls(
            id=data["id"],
            title=data.get("title", ""),
            description_html=data.get("description_html", ""),
            seo_title=data.get("seo_title", ""),
            seo_description=data.get("seo_description", ""),
            revision=data.get("revision"),
            collection_ids=tuple(data.get("collection_ids", ())),
            image_url=data.get("image_url"),
            url=data.get("url"),
            extra=dict(data.get("extra", {})),
            platform_data=dict(data.get("platform_data", {})),
            images=None if data.get("images") is None else tuple(ProductImage.from_json(i) for i in data["images"]),
        )


@dataclass(frozen=True)
class Collection:
    id: str
    name: str
    product_count: int | None = None


@dataclass(frozen=True)
class ProductPage:
    products: list[Product]
    next_cursor: str | None
    total: int | None = None
