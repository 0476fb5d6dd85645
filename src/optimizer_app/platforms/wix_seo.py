"""Wix SEO tags (`seoData.tags`), the same shape in Catalog V1 and V3: the title is
`{type: "title", children}`, the meta description `{type: "meta", props: {name: "description",
content}}` (wix/skills `create-product-from-image-catalog-v3.md`). The list is replaced whole on
update, so the tags the app does not write are sent back as they were."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..domain.attributes import Attribute
from ..domain.products import Product


def seo_tag(tags: list[dict[str, Any]], kind: str) -> str:
    """The title or meta description the product's page prints: a disabled tag prints nothing."""
    for tag in tags:
        if tag.get("disabled"):
            continue
        if kind == "title" and tag.get("type") == "title":
            return str(tag.get("children") or "")
        props = tag.get("props") or {}
        if kind == "description" and tag.get("type") == "meta" and props.get("name") == "description":
            return str(props.get("content") or "")
    return ""


def _is_description(tag: dict[str, Any]) -> bool:
    return tag.get("type") == "meta" and (tag.get("props") or {}).get("name") == "description"


def seo_tags_with(product: Product, values: Mapping[Attribute, str]) -> list[dict[str, Any]] | None:
    """The product's tags with the SEO values written over them; None when no SEO value is written."""
    if Attribute.SEO_TITLE not in values and Attribute.SEO_DESCRIPTION not in values:
        return None
    tags = [t for t in copy.deepcopy(product.platform_data.get("seo_tags") or []) if isinstance(t, dict)]
    if Attribute.SEO_TITLE in values:
        tags = [t for t in tags if t.get("type") != "title"]
        tags.append({"type": "title", "children": values[Attribute.SEO_TITLE], "custom": True, "disabled": False})
    if Attribute.SEO_DESCRIPTION in values:
        tags = [t for t in tags if not _is_description(t)]
        content = values[Attribute.SEO_DESCRIPTION]
        tags.append(
            {"type": "meta", "props": {"name": "description", "content": content}, "custom": True, "disabled": False}
        )
    return tags
