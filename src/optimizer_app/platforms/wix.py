"""Wix Stores Catalog V3 client.

Field mapping: title → `name`; description → `plainDescription` (an HTML string Wix converts to
rich content); SEO title → the `title` tag of `seoData.tags`; meta description → the
`meta name=description` tag. `seoData.tags` is replaced whole on update, so other tags are kept.
Collections are Wix Categories (tree `@wix/stores`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductPage
from .base import (
    PlatformAuthError,
    PlatformUnavailable,
    ProductNotFound,
    StaleRevision,
    StorePlatformError,
    TokenSource,
)
from .http import DEFAULT_POLICY, PlatformHttp, RetryPolicy
from .pacing import Pacer

_FIELDS = ["PLAIN_DESCRIPTION", "DIRECT_CATEGORIES_INFO", "MEDIA_ITEMS_INFO", "INFO_SECTION_PLAIN_DESCRIPTION"]
_STORES_TREE = {"appNamespace": "@wix/stores", "treeKey": None}
_BATCH = 100


class WixClient(PlatformHttp):
    platform = "wix"

    def __init__(
        self,
        *,
        api_base: str,
        tokens: TokenSource,
        http: httpx.AsyncClient | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
        pacer: Pacer | None = None,
    ) -> None:
        super().__init__(http=http, policy=policy, pacer=pacer)
        self.api_base = api_base.rstrip("/")
        self.tokens = tokens

    async def _request(self, method: str, path: str, *, json: Any = None, params: Any = None) -> dict[str, Any]:
        """One API call through `send` (429/5xx/network retried, Retry-After honoured, one token
        refresh after a 401), its failures in Wix's words."""
        url = self.api_base + path
        try:
            res = await self.send(
                lambda token: self.http.build_request(
                    method, url, json=json, params=params, headers={"Authorization": token}
                ),
                tokens=self.tokens,
            )
        except httpx.TransportError as exc:
            raise PlatformUnavailable(f"Wix could not be reached: {exc}") from exc
        if res.status_code == 429 or res.status_code >= 500:
            raise PlatformUnavailable(
                f"Wix is unavailable ({res.status_code}): {_message(res)}", status=res.status_code
            )
        if res.status_code >= 400:
            raise _error_for(res)
        data: dict[str, Any] = res.json()
        return data

    async def _query(self, path: str, query: dict[str, Any]) -> ProductPage:
        data = await self._request("POST", path, json={"query": query, "fields": _FIELDS})
        paging = data.get("pagingMetadata") or {}
        next_cursor = (paging.get("cursors") or {}).get("next")
        return ProductPage(
            products=[to_product(p) for p in data.get("products", [])],
            next_cursor=next_cursor if next_cursor and paging.get("hasNext", True) else None,
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        paging: dict[str, Any] = {"limit": min(limit, _BATCH)}
        if cursor:
            paging["cursor"] = cursor
        if query:
            search: dict[str, Any] = {"cursorPaging": paging}
            if not cursor:
                search["search"] = {"expression": query}
            data = await self._request("POST", "/stores/v3/products/search", json={"search": search, "fields": _FIELDS})
            paging_meta = data.get("pagingMetadata") or {}
            nxt = (paging_meta.get("cursors") or {}).get("next")
            return ProductPage([to_product(p) for p in data.get("products", [])], nxt or None)
        body: dict[str, Any] = {"cursorPaging": paging}
        if not cursor:
            body["sort"] = [{"fieldName": "createdDate", "order": "ASC"}]
        return await self._query("/stores/v3/products/query", body)

    async def list_collections(self) -> list[Collection]:
        data = await self._request(
            "POST",
            "/categories/v1/categories/query",
            json={"query": {"cursorPaging": {"limit": 100}}, "treeReference": _STORES_TREE},
        )
        return [
            Collection(id=c["id"], name=c.get("name", ""), product_count=c.get("itemCounter"))
            for c in data.get("categories", [])
        ]

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        paging: dict[str, Any] = {"limit": min(limit, _BATCH)}
        if cursor:
            return await self._query("/stores/v3/products/query", {"cursorPaging": {**paging, "cursor": cursor}})
        flt = {"allCategoriesInfo.categories": {"$matchItems": [{"id": {"$in": [collection_id]}}]}}
        return await self._query("/stores/v3/products/query", {"filter": flt, "cursorPaging": paging})

    async def get_product(self, product_id: str) -> Product:
        try:
            data = await self._request(
                "GET", f"/stores/v3/products/{product_id}", params=[("fields", f) for f in _FIELDS]
            )
        except StorePlatformError as exc:
            if exc.platform_status == 404:
                raise ProductNotFound(f"Product {product_id} no longer exists in the store.", status=404) from exc
            raise
        return to_product(data["product"])

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        found: list[Product] = []
        for start in range(0, len(product_ids), _BATCH):
            chunk = list(product_ids[start : start + _BATCH])
            page = await self._query(
                "/stores/v3/products/query", {"filter": {"id": {"$in": chunk}}, "cursorPaging": {"limit": _BATCH}}
            )
            found.extend(page.products)
        return found

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        body = {"product": to_wix_patch(product, values)}
        try:
            data = await self._request("PATCH", f"/stores/v3/products/{product.id}", json=body)
        except StorePlatformError as exc:
            if exc.platform_status == 404:
                raise ProductNotFound(f"Product {product.id} no longer exists in the store.", status=404) from exc
            raise
        return to_product(data["product"])

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """Bulk Update Products, ≤100 a call; one outcome per item, in order."""
        outcomes: list[Product | StorePlatformError] = []
        for start in range(0, len(items), _BATCH):
            chunk = items[start : start + _BATCH]
            data = await self._request(
                "POST",
                "/stores/v3/bulk/products/update",
                json={"products": [{"product": to_wix_patch(p, v)} for p, v in chunk], "returnEntity": True},
            )
            by_index = {r["itemMetadata"]["originalIndex"]: r for r in data.get("results", [])}
            for index in range(len(chunk)):
                result = by_index.get(index)
                if result is None:
                    outcomes.append(StorePlatformError("Wix returned no result for this product."))
                elif result["itemMetadata"].get("success"):
                    outcomes.append(to_product(result["item"]))
                else:
                    error = result["itemMetadata"].get("error") or {}
                    cls = StaleRevision if error.get("code") == "REVISION_MISMATCH" else StorePlatformError
                    outcomes.append(cls(error.get("description", "update failed"), platform_code=error.get("code")))
        return outcomes


def _seo_tag(tags: list[dict[str, Any]], kind: str) -> str:
    for tag in tags:
        if kind == "title" and tag.get("type") == "title" and not tag.get("disabled"):
            return str(tag.get("children") or "")
        props = tag.get("props") or {}
        if kind == "description" and tag.get("type") == "meta" and props.get("name") == "description":
            return str(props.get("content") or "")
    return ""


def to_product(data: dict[str, Any]) -> Product:
    tags = (data.get("seoData") or {}).get("tags") or []
    categories = ((data.get("directCategoriesInfo") or {}).get("categories")) or []
    main = ((data.get("media") or {}).get("main") or {}).get("image") or {}
    extra: dict[str, Any] = {}
    if (data.get("brand") or {}).get("name"):
        extra["brand"] = data["brand"]["name"]
    price = ((data.get("actualPriceRange") or {}).get("minValue") or {}).get("formattedAmount")
    if price:
        extra["price"] = price
    for section in data.get("infoSections") or []:
        if section.get("title") and section.get("plainDescription"):
            extra[str(section["title"]).lower()] = section["plainDescription"]
    if (data.get("ribbon") or {}).get("name"):
        extra["ribbon"] = data["ribbon"]["name"]
    return Product(
        id=data["id"],
        title=data.get("name", ""),
        description_html=data.get("plainDescription") or "",
        seo_title=_seo_tag(tags, "title"),
        seo_description=_seo_tag(tags, "description"),
        revision=str(data["revision"]) if data.get("revision") is not None else None,
        collection_ids=tuple(c["id"] for c in categories if c.get("id")),
        image_url=main.get("url"),
        extra=extra,
        platform_data={"seo_tags": tags},
    )


def to_wix_patch(product: Product, values: Mapping[Attribute, str]) -> dict[str, Any]:
    patch: dict[str, Any] = {"id": product.id, "revision": product.revision}
    if Attribute.TITLE in values:
        patch["name"] = values[Attribute.TITLE]
    if Attribute.DESCRIPTION in values:
        patch["plainDescription"] = values[Attribute.DESCRIPTION]
    if Attribute.SEO_TITLE in values or Attribute.SEO_DESCRIPTION in values:
        tags = [t for t in copy.deepcopy(product.platform_data.get("seo_tags") or []) if isinstance(t, dict)]
        if Attribute.SEO_TITLE in values:
            tags = [t for t in tags if t.get("type") != "title"]
            tags.append({"type": "title", "children": values[Attribute.SEO_TITLE], "custom": True, "disabled": False})
        if Attribute.SEO_DESCRIPTION in values:
            tags = [
                t for t in tags if not (t.get("type") == "meta" and (t.get("props") or {}).get("name") == "description")
            ]
            tags.append(
                {
                    "type": "meta",
                    "props": {"name": "description", "content": values[Attribute.SEO_DESCRIPTION]},
                    "custom": True,
                    "disabled": False,
                }
            )
        patch["seoData"] = {"tags": tags}
    return patch


def _message(res: httpx.Response) -> str:
    try:
        data = res.json()
    except ValueError:
        return res.text[:200]
    if isinstance(data, dict):
        app_error = (data.get("details") or {}).get("applicationError") or {}
        return str(data.get("message") or app_error.get("description") or data)[:300]
    return str(data)[:300]


def _error_for(res: httpx.Response) -> StorePlatformError:
    try:
        data = res.json()
    except ValueError:
        data = {}
    app_error = ((data.get("details") or {}).get("applicationError") or {}) if isinstance(data, dict) else {}
    code = app_error.get("code")
    message = _message(res)
    if res.status_code in (409, 428) or "revision mismatch" in message.lower():
        return StaleRevision(
            f"The product changed in Wix meanwhile: {message}", status=res.status_code, platform_code=code
        )
    if res.status_code == 403:
        return PlatformAuthError(f"Wix refused access: {message}", status=403, platform_code=code)
    return StorePlatformError(f"Wix answered {res.status_code}: {message}", status=res.status_code, platform_code=code)
