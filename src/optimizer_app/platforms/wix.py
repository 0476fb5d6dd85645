"""Wix Stores client: Catalog V3, or Catalog V1 (`wix_v1`) on the sites still on it.

Wix sites run one of two catalogs that speak different APIs; every `/stores/v3/...` call on a V1
site answers 428 (wix/skills `query-products-catalog-v1.md`). The client asks the site's version
once with Get Catalog Version, `GET /stores/v3/provision/version` → `V1_CATALOG`, `V3_CATALOG` or
`STORES_NOT_INSTALLED`
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-versioning/get-catalog-version.md),
and the caller keeps the answer with the store: Wix documents the version as permanent for a site,
except that a V1 site may be migrated to V3. A 428 therefore means "ask again", never "the product
changed meanwhile".

V3 field mapping: title → `name`; description → `plainDescription` (an HTML string Wix converts to
rich content); SEO title and meta description → `seoData.tags` (`wix_seo`); the product's page →
`url.url`, returned when `URL` is in `fields` ("The product's public storefront URL, including both
relative path and full URL with base domain":
https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/product-object).
Collections are Wix Categories (tree `@wix/stores`), listed page by page, hidden ones included; the products of one
are found with Search Products, the only V3 endpoint that filters on categories
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/supported-filters-and-sorting).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

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
from .wix_seo import seo_tag, seo_tags_with
from .wix_v1 import V1Catalog

V1_CATALOG, V3_CATALOG, STORES_NOT_INSTALLED = "V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED"
_FIELDS = ["PLAIN_DESCRIPTION", "DIRECT_CATEGORIES_INFO", "MEDIA_ITEMS_INFO", "INFO_SECTION_PLAIN_DESCRIPTION", "URL"]
_STORES_TREE = {"appNamespace": "@wix/stores", "treeKey": None}
_BATCH = 100
T = TypeVar("T")


class StoresNotInstalled(StorePlatformError):
    """The site has no Wix Stores: nothing to list or publish until the owner adds it."""

    status = 409
    code = "stores_not_installed"


class CatalogMismatch(StorePlatformError):
    """Wix answered 428: the call is for the other catalog version than the site's."""


def _is_stale(code: object, message: str) -> bool:
    # Wix documents the message ("revision mismatch"), not the code, of a stale write
    # (wix/skills `update-product-catalog-v3.md`); the code is matched too in case it is the one given.
    return code == "REVISION_MISMATCH" or "revision mismatch" in message.lower()


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
        catalog_version: str | None = None,
        remember_version: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(http=http, policy=policy, pacer=pacer)
        self.api_base = api_base.rstrip("/")
        self.tokens = tokens
        self.catalog_version = catalog_version
        self.remember_version = remember_version
        self.v1 = V1Catalog(self._request)

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

    async def detect_catalog_version(self) -> str:
        """Ask Wix which catalog the site runs, and remember it (not a missing Wix Stores: the
        owner may add it any time)."""
        data = await self._request("GET", "/stores/v3/provision/version")
        version = data.get("catalogVersion")
        if version == STORES_NOT_INSTALLED:
            raise StoresNotInstalled(
                "Wix Stores is not installed on this site. Add Wix Stores in the Wix dashboard, "
                "then open the app again to improve your products."
            )
        if version not in (V1_CATALOG, V3_CATALOG):
            raise StorePlatformError(f"Wix reported an unknown catalog version: {version!r}.")
        if version != self.catalog_version and self.remember_version is not None:
            await self.remember_version(version)
        self.catalog_version = str(version)
        return self.catalog_version

    async def _on_catalog(self, v1: Callable[[], Awaitable[T]], v3: Callable[[], Awaitable[T]]) -> T:
        """Run the call for the site's catalog; on a 428 ask the version again (a V1 site moved
        to V3 meanwhile) and, if it changed, run it once more."""
        version = self.catalog_version or await self.detect_catalog_version()
        try:
            return await (v1() if version == V1_CATALOG else v3())
        except CatalogMismatch:
            if await self.detect_catalog_version() == version:
                raise
            return await (v1() if self.catalog_version == V1_CATALOG else v3())

    async def _query(self, path: str, body: dict[str, Any]) -> ProductPage:
        data = await self._request("POST", path, json={**body, "fields": _FIELDS})
        paging = data.get("pagingMetadata") or {}
        next_cursor = (paging.get("cursors") or {}).get("next")
        return ProductPage(
            products=[to_product(p) for p in data.get("products", [])],
            next_cursor=next_cursor if next_cursor and paging.get("hasNext", True) else None,
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        return await self._on_catalog(
            lambda: self.v1.list_products(cursor=cursor, query=query, limit=limit),
            lambda: self._list_v3(cursor=cursor, query=query, limit=limit),
        )

    async def _list_v3(self, *, cursor: str | None, query: str | None, limit: int) -> ProductPage:
        paging: dict[str, Any] = {"limit": min(limit, _BATCH)}
        if cursor:
            paging["cursor"] = cursor
        if query:
            search: dict[str, Any] = {"cursorPaging": paging}
            if not cursor:
                search["search"] = {"expression": query}
            return await self._query("/stores/v3/products/search", {"search": search})
        body: dict[str, Any] = {"cursorPaging": paging}
        if not cursor:
            body["sort"] = [{"fieldName": "createdDate", "order": "ASC"}]
        return await self._query("/stores/v3/products/query", {"query": body})

    async def list_collections(self) -> list[Collection]:
        return await self._on_catalog(self.v1.list_collections, self._categories)

    async def _categories(self) -> list[Collection]:
        """Every category of the Stores tree, page by page (a tree holds up to 1,000), hidden ones
        too: `returnNonVisibleCategories` defaults to false
        (https://dev.wix.com/docs/rest/business-management/categories/query-categories)."""
        found: list[Collection] = []
        cursor: str | None = None
        while True:
            paging: dict[str, Any] = {"limit": _BATCH, **({"cursor": cursor} if cursor else {})}
            data = await self._request(
                "POST",
                "/categories/v1/categories/query",
                json={
                    "query": {"cursorPaging": paging},
                    "treeReference": _STORES_TREE,
                    "returnNonVisibleCategories": True,
                },
            )
            found.extend(
                Collection(id=c["id"], name=c.get("name", ""), product_count=c.get("itemCounter"))
                for c in data.get("categories", [])
            )
            meta = data.get("pagingMetadata") or {}
            cursor = (meta.get("cursors") or {}).get("next")
            if not cursor or not meta.get("hasNext", True):
                return found

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        return await self._on_catalog(
            lambda: self.v1.products_in_collection(collection_id, cursor=cursor, limit=limit),
            lambda: self._in_category_v3(collection_id, cursor=cursor, limit=limit),
        )

    async def _in_category_v3(self, collection_id: str, *, cursor: str | None, limit: int) -> ProductPage:
        paging: dict[str, Any] = {"limit": min(limit, _BATCH)}
        if cursor:
            return await self._query(
                "/stores/v3/products/search", {"search": {"cursorPaging": {**paging, "cursor": cursor}}}
            )
        flt = {"allCategoriesInfo.categories": {"$matchItems": [{"id": {"$in": [collection_id]}}]}}
        return await self._query("/stores/v3/products/search", {"search": {"filter": flt, "cursorPaging": paging}})

    async def get_product(self, product_id: str) -> Product:
        try:
            return await self._on_catalog(lambda: self.v1.get_product(product_id), lambda: self._get_v3(product_id))
        except StorePlatformError as exc:
            if exc.platform_status == 404:
                raise ProductNotFound(f"Product {product_id} no longer exists in the store.", status=404) from exc
            raise

    async def _get_v3(self, product_id: str) -> Product:
        data = await self._request("GET", f"/stores/v3/products/{product_id}", params=[("fields", f) for f in _FIELDS])
        return to_product(data["product"])

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        return await self._on_catalog(lambda: self.v1.get_products(product_ids), lambda: self._get_many_v3(product_ids))

    async def _get_many_v3(self, product_ids: Sequence[str]) -> list[Product]:
        found: list[Product] = []
        for start in range(0, len(product_ids), _BATCH):
            chunk = list(product_ids[start : start + _BATCH])
            page = await self._query(
                "/stores/v3/products/query",
                {"query": {"filter": {"id": {"$in": chunk}}, "cursorPaging": {"limit": _BATCH}}},
            )
            found.extend(page.products)
        return found

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        try:
            return await self._on_catalog(
                lambda: self.v1.update_product(product, values), lambda: self._update_v3(product, values)
            )
        except StorePlatformError as exc:
            if exc.platform_status == 404:
                raise ProductNotFound(f"Product {product.id} no longer exists in the store.", status=404) from exc
            raise

    async def _update_v3(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        body = {"product": to_wix_patch(product, values)}
        data = await self._request("PATCH", f"/stores/v3/products/{product.id}", json=body)
        return to_product(data["product"])

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """One outcome per item, in order: V3's Bulk Update Products (≤100 a call), or on V1 one
        Update Product each."""
        return await self._on_catalog(lambda: self._update_each(items), lambda: self._bulk_update_v3(items))

    async def _update_each(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        outcomes: list[Product | StorePlatformError] = []
        for product, values in items:
            try:
                outcomes.append(await self.update_product(product, values))
            except CatalogMismatch:
                raise
            except StorePlatformError as exc:
                outcomes.append(exc)
        return outcomes

    async def _bulk_update_v3(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
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
                    description = str(error.get("description") or error.get("message") or "update failed")
                    cls = StaleRevision if _is_stale(error.get("code"), description) else StorePlatformError
                    outcomes.append(cls(description, platform_code=error.get("code")))
        return outcomes


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
        seo_title=seo_tag(tags, "title"),
        seo_description=seo_tag(tags, "description"),
        revision=str(data["revision"]) if data.get("revision") is not None else None,
        collection_ids=tuple(c["id"] for c in categories if c.get("id")),
        image_url=main.get("url"),
        url=(data.get("url") or {}).get("url") or None,
        extra=extra,
        platform_data={"seo_tags": tags},
    )


def to_wix_patch(product: Product, values: Mapping[Attribute, str]) -> dict[str, Any]:
    patch: dict[str, Any] = {"id": product.id, "revision": product.revision}
    if Attribute.TITLE in values:
        patch["name"] = values[Attribute.TITLE]
    if Attribute.DESCRIPTION in values:
        patch["plainDescription"] = values[Attribute.DESCRIPTION]
    tags = seo_tags_with(product, values)
    if tags is not None:
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
    if res.status_code == 428:
        return CatalogMismatch(
            f"Wix refused a call for another catalog version than this site's: {message}",
            status=428,
            platform_code=code,
        )
    if res.status_code == 409 or _is_stale(code, message):
        return StaleRevision(
            f"The product changed in Wix meanwhile: {message}", status=res.status_code, platform_code=code
        )
    if res.status_code == 403:
        return PlatformAuthError(f"Wix refused access: {message}", status=403, platform_code=code)
    return StorePlatformError(f"Wix answered {res.status_code}: {message}", status=res.status_code, platform_code=code)
