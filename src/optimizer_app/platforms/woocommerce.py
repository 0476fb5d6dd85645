"""WooCommerce REST API v3 client (`{site}/wp-json/wc/v3`).

Authentication follows WooCommerce: HTTP Basic with the consumer key and secret over HTTPS, and
one-legged OAuth 1.0a (HMAC-SHA256) over plain HTTP, where Basic is refused.

Field mapping: title → `name`; description → `description` (HTML). WooCommerce has no SEO
fields of its own; SEO plugins keep them in `meta_data`. This client reads and writes the keys of
the plugin the product already uses — Yoast SEO (`_yoast_wpseo_title`, `_yoast_wpseo_metadesc`)
or Rank Math (`rank_math_title`, `rank_math_description`) — and Yoast's keys when it has neither.
Publishing many products goes through `POST /products/batch`, at most 100 per call.

A product's `name` is HTML to WordPress (`the_title()` prints it unescaped, and kses lets some tags
through: https://developer.wordpress.org/reference/functions/the_title/): it is unescaped when read
and escaped when written, so the app handles the title as the text a shopper sees.

The site's address is the owner's: the client is handed an HTTP client built by `outbound` (every
request checked and pinned to a public address), follows no redirect, and never copies what the
site said into its messages.
"""

from __future__ import annotations

import base64
import html
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..auth.woocommerce import WooCredentials, oauth1_params
from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductPage
from ..outbound import UNREACHABLE
from .base import PlatformAuthError, PlatformUnavailable, ProductNotFound, StorePlatformError
from .http import DEFAULT_POLICY, PlatformHttp, RetryPolicy

MAX_PER_PAGE = 100
MAX_BATCH = 100

SEO_KEYS = {
    "yoast": ("_yoast_wpseo_title", "_yoast_wpseo_metadesc"),
    "rank_math": ("rank_math_title", "rank_math_description"),
}


# `POST /products/batch` updating product 0: WooCommerce answers 200 with this error for the item
# and changes nothing (no product has id 0). See WooCommerceClient.check.
PROBE_BATCH = {"update": [{"id": 0}]}
PROBE_ERROR_CODE = "woocommerce_rest_product_invalid_id"


class SiteRedirected(StorePlatformError):
    """The site answered with a redirect, which is not followed."""


class NotWooCommerce(StorePlatformError):
    """The site answered, but not the way WooCommerce's REST API does."""


class KeysReadOnly(PlatformAuthError):
    """The keys may read but not write."""


class WooCommerceClient(PlatformHttp):
    platform = "woocommerce"

    def __init__(
        self,
        *,
        site_url: str,
        credentials: WooCredentials,
        http: httpx.AsyncClient | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        super().__init__(http=http, policy=policy)
        self.site_url = site_url.rstrip("/")
        self.api_base = f"{self.site_url}/wp-json/wc/v3"
        self.credentials = credentials

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

        def build(_: str) -> httpx.Request:  # signed again for each try: a fresh OAuth nonce and timestamp
            query, headers = self._auth(method, url, {k: str(v) for k, v in (params or {}).items()})
            return self.http.build_request(method, url, params=query, json=json, headers=headers)

        try:
            res = await self.send(build)
        except httpx.TransportError:
            raise PlatformUnavailable(UNREACHABLE) from None
        if res.status_code == 429 or res.status_code >= 500:
            raise PlatformUnavailable(
                f"The WooCommerce site is unavailable ({res.status_code}); try again later.", status=res.status_code
            )
        if 300 <= res.status_code < 400:
            raise SiteRedirected(
                f"The site answered with a redirect ({res.status_code}), which we do not follow: enter the "
                "address your WordPress site lives at (as in Settings → General → Site Address).",
                status=res.status_code,
            )
        if res.status_code in (401, 403):
            raise PlatformAuthError(f"WooCommerce refused the keys ({res.status_code}).", status=res.status_code)
        if res.status_code == 404:
            raise ProductNotFound("WooCommerce has no such product (404).", status=404)
        if res.status_code >= 400:
            raise StorePlatformError(f"WooCommerce answered {res.status_code}.", status=res.status_code)
        return res

    async def check(self) -> None:
        """Proves, changing nothing in the store, that the site is WooCommerce and that the keys
        may read and write products.

        Read: `GET /products?per_page=1` must be a 200 with a JSON list of products and the
        `X-WP-Total` header WooCommerce puts on every list
        (https://woocommerce.github.io/woocommerce-rest-api-docs/#pagination).
        Write: WooCommerce checks a key's permission before any route runs — a POST with a key
        whose permission is "read" is answered 401 "The API key provided does not have write
        permissions." (WC_REST_Authentication::check_permissions, hooked on rest_pre_dispatch, in
        plugins/woocommerce/includes/class-wc-rest-authentication.php). Past that check,
        `POST /products/batch` (https://woocommerce.github.io/woocommerce-rest-api-docs/#batch-update-products)
        checks the user may edit products, then answers each item on its own; updating product 0,
        which cannot exist, is answered 200 with `{"update": [{"id": 0, "error": {"code":
        "woocommerce_rest_product_invalid_id", ...}}]}` (WC_REST_Controller::batch_items →
        WC_REST_CRUD_Controller::update_item) and writes nothing. A site that answers 200 to
        anything gives neither answer."""
        listed = await self._request("GET", "/products", params={"per_page": 1})
        if not _is_product_list(listed):
            raise NotWooCommerce("The site did not answer like a WooCommerce store.", status=listed.status_code)
        try:
            probed = await self._request("POST", "/products/batch", json=PROBE_BATCH)
        except PlatformAuthError as exc:
            raise KeysReadOnly(
                "These keys cannot change products (they are read-only, or their user may not edit products): "
                "in WooCommerce → Settings → Advanced → REST API create Read/Write keys for an administrator "
                "or shop manager.",
                status=exc.platform_status,
            ) from None
        if not _is_probe_answer(probed):
            raise NotWooCommerce("The site did not answer like a WooCommerce store.", status=probed.status_code)

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
                    outcomes.append(StorePlatformError(f"WooCommerce refused the update ({_error_code(error)})."))
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
        title=html.unescape(str(data.get("name") or "")),
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
        body["name"] = html.escape(values[Attribute.TITLE], quote=False)
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


def _json(res: httpx.Response) -> Any:
    try:
        return res.json()
    except (ValueError, RecursionError):
        return None


def _is_product_list(res: httpx.Response) -> bool:
    data = _json(res)
    return (
        res.status_code == 200
        and res.headers.get("x-wp-total", "").isdigit()
        and isinstance(data, list)
        and all(isinstance(p, dict) and isinstance(p.get("id"), int) and isinstance(p.get("name"), str) for p in data)
    )


def _is_probe_answer(res: httpx.Response) -> bool:
    data = _json(res)
    if res.status_code != 200 or not isinstance(data, dict) or not isinstance(data.get("update"), list):
        return False
    entries = data["update"]
    return (
        len(entries) == 1
        and isinstance(entries[0], dict)
        and isinstance(entries[0].get("error"), dict)
        and entries[0]["error"].get("code") == PROBE_ERROR_CODE
    )


def _error_code(error: Any) -> str:
    """WooCommerce's error code for an item, kept only when it looks like one (letters and _)."""
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, str) and 0 < len(code) <= 80 and all(c.isascii() and (c.isalnum() or c == "_") for c in code):
        return code
    return "unknown error"
