"""The normalised product every platform client returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .attributes import Attribute


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

    def value(self, attribute: Attribute) -> str:
        return {
            Attribute.TITLE: self.title,
            Attribute.DESCRIPTION: self.description_html,
            Attribute.SEO_TITLE: self.seo_title,
            Attribute.SEO_DESCRIPTION: self.seo_description,
        }[attribute]

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
