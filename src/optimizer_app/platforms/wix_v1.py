"""Wix Stores Catalog V1, spoken for sites that have not moved to Catalog V3.

Endpoints (https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/introduction):
Query Products `POST /stores/v1/products/query` (offset paging, ≤100 a page; `filter` and `sort`
are JSON-encoded strings, not objects: wix/skills `query-products-catalog-v1.md`), Get Product
`GET /stores/v1/products/{id}`, Update Product `PATCH /stores/v1/products/{product.id}`
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/update-product.md)
and Query Collections `POST /stores/v1/collections/query`. V1 products have no revision, and
V1's bulk update sets only one price-like property across products
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/bulk-update-product-property.md),
so text is written one product at a time.

Field mapping: title → `name`; description → `description` (HTML); SEO → `seoData.tags` as in V3;
collections → `collectionIds`; the product's page → `productPageUrl` `{base, path}` (Product Object:
https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/product-object).
Names are filtered with `$startsWith`, the text filter V1 offers
(https://dev.wix.com/docs/velo/apis/wix-stores-v2/products/query-products.md).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductPage
from .base import StorePlatformError
from .wix_seo import seo_tag, seo_tags_with

Request = Callable[..., Awaitable[dict[str, Any]]]
_BATCH = 100


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise StorePlatformError("The paging cursor is not valid.", status=400)
    return int(cursor)


class V1Catalog:
    """The V1 half of the Wix client: `request` is the client's one send path."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def _query(self, flt: dict[str, Any] | None, offset: int, limit: int) -> ProductPage:
        query: dict[str, Any] = {"paging": {"limit": min(limit, _BATCH), "offset": offset}}
        if flt:
            query["filter"] = json.dumps(flt)
        data = await self.request("POST", "/stores/v1/products/query", json={"query": query, "includeVariants": False})
        products = [to_product(p) for p in data.get("products", [])]
        total = data.get("totalResults")
        end = offset + len(products)
        more = products and (end < total if isinstance(total, int) else len(products) == min(limit, _BATCH))
        return ProductPage(products, str(end) if more else None, total if isinstance(total, int) else None)

    async def list_products(self, *, cursor: str | None, query: str | None, limit: int) -> ProductPage:
        return await self._query({"name": {"$startsWith": query}} if query else None, _offset(cursor), limit)

    async def products_in_collection(self, collection_id: str, *, cursor: str | None, limit: int) -> ProductPage:
        return await self._query({"collections.id": {"$hasSome": [collection_id]}}, _offset(cursor), limit)

    async def list_collections(self) -> list[Collection]:
        found: list[Collection] = []
        while True:
            data = await self.request(
                "POST",
                "/stores/v1/collections/query",
                json={"query": {"paging": {"limit": _BATCH, "offset": len(found)}}},
            )
            page = data.get("collections", [])
            found.extend(Collection(c["id"], c.get("name", ""), c.get("numberOfProducts")) for c in page)
            total = data.get("totalResults")
            if not page or (isinstance(total, int) and len(found) >= total) or len(page) < _BATCH:
                return found

    async def get_product(self, product_id: str) -> Product:
        data = await self.request("GET", f"/stores/v1/products/{product_id}")
        return to_product(data["product"])

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        found: list[Product] = []
        for start in range(0, len(product_ids), _BATCH):
            page = await self._query({"id": {"$in": list(product_ids[start : start + _BATCH])}}, 0, _BATCH)
            found.extend(page.products)
        return found

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        data = await self.request(
            "PATCH", f"/stores/v1/products/{product.id}", json={"product": to_v1_patch(product, values)}
        )
        return to_product(data["product"])


def to_product(data: dict[str, Any]) -> Product:
    tags = (data.get("seoData") or {}).get("tags") or []
    image = ((data.get("media") or {}).get("mainMedia") or {}).get("image") or {}
    extra: dict[str, Any] = {}
    if data.get("brand"):
        extra["brand"] = data["brand"]
    price = ((data.get("price") or {}).get("formatted") or {}).get("price")
    if price:
        extra["price"] = price
    for section in data.get("additionalInfoSections") or []:
        if section.get("title") and section.get("description"):
            extra[str(section["title"]).lower()] = section["description"]
    if data.get("ribbon"):
        extra["ribbon"] = data["ribbon"]
    return Product(
        id=data["id"],
        title=data.get("name", ""),
        description_html=data.get("description") or "",
        seo_title=seo_tag(tags, "title"),
        seo_description=seo_tag(tags, "description"),
        collection_ids=tuple(str(c) for c in data.get("collectionIds") or ()),
        image_url=image.get("url"),
        url=_page_url(data.get("productPageUrl")),
        extra=extra,
        platform_data={"seo_tags": tags},
    )


def _page_url(page: Any) -> str | None:
    """`productPageUrl` `{base, path}` joined: the site's address and the page's path below it."""
    if not isinstance(page, dict) or not page.get("base") or not page.get("path"):
        return None
    return str(page["base"]).rstrip("/") + "/" + str(page["path"]).lstrip("/")


def to_v1_patch(product: Product, values: Mapping[Attribute, str]) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    if Attribute.TITLE in values:
        patch["name"] = values[Attribute.TITLE]
    if Attribute.DESCRIPTION in values:
        patch["description"] = values[Attribute.DESCRIPTION]
    tags = seo_tags_with(product, values)
    if tags is not None:
        patch["seoData"] = {"tags": tags}
    return patch
