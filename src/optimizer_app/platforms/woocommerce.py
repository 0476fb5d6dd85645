"""WooCommerce REST API v3 client (`{site}/wp-json/wc/v3`).

Authentication follows WooCommerce: HTTP Basic with the consumer key and secret over HTTPS, and
one-legged OAuth 1.0a (HMAC-SHA256) over plain HTTP, where Basic is refused.

Field mapping: title → `name`; description → `description` (HTML). WooCommerce has no SEO
fields of its own; SEO plugins keep them in `meta_data`. This client reads and writes the keys of
the plugin the product already uses — Yoast SEO (`_yoast_wpseo_title`, `_yoast_wpseo_metadesc`)
or Rank Math (`rank_math_title`, `rank_math_description`) — and Yoast's keys when it has neither.
Publishing many products goes through `POST /products/batch`, at most 100 per call.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductPage
from .base import PlatformAuthError, PlatformUnavailable, ProductNotFound, StorePlatformError, retry_wait

MAX_PER_PAGE = 100
MAX_BATCH = 100

SEO_KEYS = {
    "yoast": ("_yoast_wpseo_title", "_yoast_wpseo_metadesc"),
    "rank_math": ("rank_math_title", "rank_math_description"),
}


@dataclass(frozen=True)
class WooCredentials:
    consumer_key: str
    consumer_secret: str


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


_HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def oauth1_params(
    method: str,
    url: str,
    query: Mapping[str, str],
    creds: WooCredentials,
    *,
    nonce: str,
    timestamp: int,
    signature_method: str = "HMAC-SHA256",
) -> dict[str, str]:
    """One-legged OAuth 1.0a as WooCommerce verifies it: the signature base string is
    METHOD&url&sorted(params), the key is `consumer_secret&`; the body is not signed."""
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(timestamp),
    }
    params = {**query, **oauth}
    normalized = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    base = "&".join([method.upper(), _pct(url), _pct(normalized)])
    digest = hmac.new(f"{creds.consumer_secret}&".encode(), base.encode(), _HASHES[signature_method]).digest()
    return {**oauth, "oauth_signature": base64.b64encode(digest).decode()}


class WooCommerceClient:
    platform = "woocommerce"

    def __init__(
        self,
        *,
        site_url: str,
        credentials: WooCredentials,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
    ) -> None:
        self.site_url = site_url.rstrip("/")
        self.api_base = f"{self.site_url}/wp-json/wc/v3"
        self.credentials = credentials
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))
        self.max_retries = max_retries
        self.backoff_base = backoff_base

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    def _auth(self, method: str, url: str, params: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        if urlsplit(url).scheme == "https":
            basic = base64.b64encode(f"{self.credentials.consumer_key}:{self.credentials.consumer_secret}".encode())
            return params, {"Authorization": f"Basic {basic.decode()}"}
        signed = oauth1_params(
            method, url, params, self.credentials, nonce=secrets.token_hex(16), timestamp=int(time.time())
        )
        return {**params, **signed}, {}

    async def _request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        url = self.api_base + path
        attempt = 0
        while True:
            query, headers = self._auth(method, url, {k: str(v) for k, v in (params or {}).items()})
            try:
                res = await self.http.request(method, url, params=query, json=json, headers=headers)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise PlatformUnavailable(f"The WooCommerce site could not be reached: {exc}") from exc
                await asyncio.sleep(self.backoff_base * 2**attempt)
                attempt += 1
                continue
            if res.status_code == 429 or res.status_code >= 500:
                if attempt >= self.max_retries:
                    raise PlatformUnavailable(
                        f"The WooCommerce site is unavailable ({res.status_code}): {_message(res)}",
                        status=res.status_code,
                    )
                await asyncio.sleep(retry_wait(res.headers, attempt, self.backoff_base))
                attempt += 1
                continue
            if res.status_code in (401, 403):
                raise PlatformAuthError(f"WooCommerce refused the keys: {_message(res)}", status=res.status_code)
            if res.status_code == 404:
                raise ProductNotFound(f"WooCommerce: {_message(res)}", status=404)
            if res.status_code >= 400:
                raise StorePlatformError(
                    f"WooCommerce answered {res.status_code}: {_message(res)}", status=res.status_code
                )
            return res

    async def check(self) -> None:
        """A cheap authenticated call: proves the site URL and keys before they are saved."""
        await self._request("GET", "/products", params={"per_page": 1})

    async def _page(self, params: dict[str, Any], cursor: str | None, limit: int) -> ProductPage:
        page = int(cursor) if cursor and cursor.isdigit() else 1
        res = await self._request(
            "GET", "/products", params={**params, "page": page, "per_page": min(limit, MAX_PER_PAGE)}
        )
        total_pages = int(res.headers.get("x-wp-totalpages", page))
        return ProductPage(
            products=[to_product(p) for p in res.json()],
            next_cursor=str(page + 1) if page < total_pages else None,
            total=int(res.headers["x-wp-total"]) if res.headers.get("x-wp-total") else None,
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        return await self._page({"search": query} if query else {}, cursor, limit)

    async def list_collections(self) -> list[Collection]:
        res = await self._request("GET", "/products/categories", params={"per_page": MAX_PER_PAGE})
        return [
            Collection(id=str(c["id"]), name=str(c.get("name", "")), product_count=c.get("count")) for c in res.json()
        ]

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        return await self._page({"category": collection_id}, cursor, limit)

    async def get_product(self, product_id: str) -> Product:
        return to_product((await self._request("GET", f"/products/{product_id}")).json())

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        # WooCommerce's product ids are integers; anything else is not found and never sent.
        product_ids = [pid for pid in product_ids if pid.isdecimal() and pid.isascii()]
        found: list[Product] = []
        for start in range(0, len(product_ids), MAX_PER_PAGE):
            chunk = product_ids[start : start + MAX_PER_PAGE]
            res = await self._request("GET", "/products", params={"include": ",".join(chunk), "per_page": MAX_PER_PAGE})
            found.extend(to_product(p) for p in res.json())
        return found

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        res = await self._request("PUT", f"/products/{product.id}", json=to_woo_update(product, values))
        return to_product(res.json())

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """`POST /products/batch`, ≤100 a call; one outcome per item, in order."""
        outcomes: list[Product | StorePlatformError] = []
        for start in range(0, len(items), MAX_BATCH):
            chunk = items[start : start + MAX_BATCH]
            body = {"update": [{"id": int(p.id), **to_woo_update(p, v)} for p, v in chunk]}
            res = await self._request("POST", "/products/batch", json=body)
            for entry in res.json().get("update", []):
                error = entry.get("error")
                if error:
                    outcomes.append(StorePlatformError(str(error.get("message", "update failed"))))
                else:
                    outcomes.append(to_product(entry))
        return outcomes


def _meta(data: dict[str, Any]) -> dict[str, str]:
    return {str(m.get("key")): str(m.get("value") or "") for m in data.get("meta_data") or [] if isinstance(m, dict)}


def seo_plugin(meta: Mapping[str, str]) -> str:
    return "rank_math" if any(k in meta for k in SEO_KEYS["rank_math"]) else "yoast"


def to_product(data: dict[str, Any]) -> Product:
    meta = _meta(data)
    title_key, description_key = SEO_KEYS[seo_plugin(meta)]
    extra: dict[str, Any] = {}
    if data.get("price"):
        extra["price"] = data["price"]
    if data.get("short_description"):
        extra["short_description"] = data["short_description"]
    for attribute in data.get("attributes") or []:
        if attribute.get("name") and attribute.get("options"):
            extra[str(attribute["name"]).lower()] = ", ".join(map(str, attribute["options"]))
    images = data.get("images") or []
    return Product(
        id=str(data["id"]),
        title=str(data.get("name") or ""),
        description_html=str(data.get("description") or ""),
        seo_title=meta.get(title_key, ""),
        seo_description=meta.get(description_key, ""),
        revision=None,
        collection_ids=tuple(str(c["id"]) for c in data.get("categories") or []),
        image_url=images[0].get("src") if images else None,
        extra=extra,
        platform_data={"seo_plugin": seo_plugin(meta)},
    )


def to_woo_update(product: Product, values: Mapping[Attribute, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if Attribute.TITLE in values:
        body["name"] = values[Attribute.TITLE]
    if Attribute.DESCRIPTION in values:
        body["description"] = values[Attribute.DESCRIPTION]
    title_key, description_key = SEO_KEYS[str(product.platform_data.get("seo_plugin") or "yoast")]
    meta = []
    if Attribute.SEO_TITLE in values:
        meta.append({"key": title_key, "value": values[Attribute.SEO_TITLE]})
    if Attribute.SEO_DESCRIPTION in values:
        meta.append({"key": description_key, "value": values[Attribute.SEO_DESCRIPTION]})
    if meta:
        body["meta_data"] = meta
    return body


def _message(res: httpx.Response) -> str:
    try:
        data = res.json()
    except ValueError:
        return res.text[:200]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("code") or data)[:300]
    return str(data)[:300]
