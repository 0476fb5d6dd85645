"""Salla Merchant API (admin/v2) client.

Field mapping: title → `name`; description → `description` (HTML); SEO title →
`metadata_title`; meta description → `metadata_description` (read back from `metadata.title` /
`metadata.description`). One client reads and writes one language (`Accept-Language` and
`Content-Language`): the store's, which is the language new text is written in. Collections are
Salla categories. The product's page is `url` (also `urls.customer`; Product Details:
https://docs.salla.dev/docs/doc-422988/s.salla.sa/doc-421412/api-5394169). Paging is
`page`/`per_page` (≤ 60); this client's cursor is the next page number.
Responses use the `{status, success, data}` envelope.

Images: Product Details' `images[] {id, url, alt, type, sort, main}`. Alt text is written per
image with Update Image, `POST /products/images/{image-id}` as `multipart/form-data`, one image a
request ("You can only update one image per request"), whose `photo` is marked required: the image's
own URL is sent as `photo` with the new `alt`
(https://docs.salla.dev/docs/merchant/doc-422688/doc-422610/doc-422988/doc-421412/api-5394188).
Only images whose alt text changes are sent, so each costs a request of the store's bucket once.

Webhooks: the store's subscriptions are read with List Webhooks, `GET /webhooks`
(https://docs.salla.dev/5394135e0.md), and added with Register Webhook, `POST /webhooks/subscribe`
`{name, event, url, version}` (https://docs.salla.dev/5394134e0.md), both under the
`webhooks.read_write` scope.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ..domain import image_alt
from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductImage, ProductPage
from .base import (
    PlatformAuthError,
    PlatformUnavailable,
    ProductNotFound,
    StorePlatformError,
    TokenSource,
)
from .http import PlatformHttp, RetryPolicy, SendHooks
from .pacing import Pacer

MAX_PER_PAGE = 60
# A wait for Salla's bucket to refill (X-RateLimit-Reset) may last up to a minute.
SALLA_POLICY = RetryPolicy(cap=60.0)
_FETCH_CONCURRENCY = 4


class _RateLimitHeaders(SendHooks):
    """Salla announces its bucket in every answer (`X-RateLimit-Remaining`, and
    `X-RateLimit-Reset` as the epoch second it refills): an empty bucket pauses the store's pacer
    until the reset, and a 429 without Retry-After waits for it."""

    def __init__(self, client: SallaClient) -> None:
        self.client = client

    def retry_after(self, res: httpx.Response) -> float | None:
        reset = res.headers.get("x-ratelimit-reset")
        if not res.headers.get("retry-after") and reset and reset.isdigit():
            return max(0.0, int(reset) - time.time())
        return super().retry_after(res)

    def observe(self, res: httpx.Response) -> None:
        remaining, reset = res.headers.get("x-ratelimit-remaining"), res.headers.get("x-ratelimit-reset")
        if self.client.pacer is not None and remaining == "0" and reset and reset.isdigit():
            self.client.pacer.pause_until(time.monotonic() + self.client.policy.wait(0, self.retry_after(res)))


@dataclass(frozen=True)
class WebhookSubscription:
    id: str
    event: str
    url: str


class SallaClient(PlatformHttp):
    platform = "salla"

    def __init__(
        self,
        *,
        api_base: str,
        tokens: TokenSource,
        http: httpx.AsyncClient | None = None,
        policy: RetryPolicy = SALLA_POLICY,
        pacer: Pacer | None = None,
        language: str = "ar",
    ) -> None:
        super().__init__(http=http, policy=policy, pacer=pacer)
        self.api_base = api_base.rstrip("/")
        self.tokens = tokens
        self.language = language
        self._signals = _RateLimitHeaders(self)

    async def _request(
        self, method: str, path: str, *, params: Any = None, json: Any = None, form: dict[str, str] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """(data, whole body) of one call through `send`; its failures in Salla's words."""
        url = self.api_base + path

        def build(token: str) -> httpx.Request:
            # Salla's name and description are multi-language: Accept-Language picks the value
            # read, Content-Language says which one a body writes (https://docs.salla.dev/421122m0.md),
            # so text in another language never lands on the Arabic value.
            headers = {"Authorization": f"Bearer {token}", "Accept-Language": self.language}
            if json is not None or form is not None:
                headers["Content-Language"] = self.language
            # A multipart form without files: each field as a part without a file name.
            files = {k: (None, v) for k, v in form.items()} if form is not None else None
            return self.http.build_request(method, url, params=params, json=json, files=files, headers=headers)

        try:
            res = await self.send(build, tokens=self.tokens, hooks=self._signals)
        except httpx.TransportError as exc:
            raise PlatformUnavailable(f"Salla could not be reached: {exc}") from exc
        if res.status_code == 429 or res.status_code >= 500:
            raise PlatformUnavailable(
                f"Salla is unavailable ({res.status_code}): {_message(res)}", status=res.status_code
            )
        body = _json(res)
        if res.status_code == 404:
            raise ProductNotFound(f"Salla: {_message(res)}", status=404)
        if res.status_code in (401, 403):
            raise PlatformAuthError(f"Salla refused access: {_message(res)}", status=res.status_code)
        if res.status_code >= 400 or body.get("success") is False:
            raise StorePlatformError(f"Salla answered {res.status_code}: {_message(res)}", status=res.status_code)
        return body.get("data"), body

    async def _page(self, params: dict[str, Any], cursor: str | None, limit: int) -> ProductPage:
        page = int(cursor) if cursor and cursor.isdigit() else 1
        data, body = await self._request(
            "GET", "/products", params={**params, "page": page, "per_page": min(limit, MAX_PER_PAGE)}
        )
        pagination = body.get("pagination") or {}
        current, total_pages = int(pagination.get("currentPage", page)), int(pagination.get("totalPages", page))
        return ProductPage(
            products=[to_product(p) for p in data or []],
            next_cursor=str(current + 1) if current < total_pages else None,
            total=pagination.get("total"),
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        return await self._page({"keyword": query} if query else {}, cursor, limit)

    async def list_collections(self) -> list[Collection]:
        collections: list[Collection] = []
        page = 1
        while True:
            data, body = await self._request("GET", "/categories", params={"page": page, "per_page": MAX_PER_PAGE})
            collections.extend(Collection(id=str(c["id"]), name=str(c.get("name", ""))) for c in data or [])
            pagination = body.get("pagination") or {}
            if int(pagination.get("currentPage", page)) >= int(pagination.get("totalPages", page)):
                return collections
            page += 1

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        return await self._page({"category": collection_id}, cursor, limit)

    async def get_product(self, product_id: str) -> Product:
        data, _ = await self._request("GET", f"/products/{product_id}")
        return to_product(data)

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        gate = asyncio.Semaphore(_FETCH_CONCURRENCY)

        async def one(pid: str) -> Product | None:
            async with gate:
                try:
                    return await self.get_product(pid)
                except ProductNotFound:
                    return None

        # Salla's product ids are integers; anything else is not found (and never reaches a URL path).
        found = await asyncio.gather(*(one(pid) for pid in product_ids if pid.isdecimal() and pid.isascii()))
        return [p for p in found if p is not None]

    async def with_images(self, products: Sequence[Product]) -> list[Product]:
        unread = [p.id for p in products if p.images is None]
        read = {p.id: p for p in await self.get_products(unread)} if unread else {}
        return [read.get(p.id, p) if p.images is None else p for p in products]

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        if Attribute.IMAGE_ALT in values:
            product = await self._update_alts(product, values[Attribute.IMAGE_ALT])
        text: dict[Attribute, str] = {a: v for a, v in values.items() if a is not Attribute.IMAGE_ALT}
        if not text:
            return product
        data, _ = await self._request("PUT", f"/products/{product.id}", json=to_salla_update(text))
        return to_product(data)

    async def webhook_subscriptions(self) -> list[WebhookSubscription]:
        """Every webhook the store has registered, page by page."""
        found: list[WebhookSubscription] = []
        page = 1
        while True:
            data, body = await self._request("GET", "/webhooks", params={"page": page})
            found.extend(
                WebhookSubscription(str(w.get("id")), str(w.get("event") or ""), str(w.get("url") or ""))
                for w in data or []
                if isinstance(w, dict)
            )
            pagination = body.get("pagination") or {}
            if int(pagination.get("currentPage", page)) >= int(pagination.get("totalPages", page)):
                return found
            page += 1

    async def subscribe_webhook(self, event: str, url: str, *, name: str) -> WebhookSubscription:
        """Register `url` for `event`, as version 2 (the default; said so that it never changes).
        Salla signs it as the app's other webhooks: the Signature strategy is the default
        (https://docs.salla.dev/421119m0.md)."""
        data, _ = await self._request(
            "POST", "/webhooks/subscribe", json={"name": name, "event": event, "url": url, "version": 2}
        )
        data = data if isinstance(data, dict) else {}
        return WebhookSubscription(str(data.get("id")), str(data.get("event") or event), str(data.get("url") or url))

    async def _update_alts(self, product: Product, value: str) -> Product:
        wanted = image_alt.by_image(value)
        written: dict[str, str] = {}
        for image in product.images or ():
            alt = wanted.get(image.id)
            if alt is None or alt == image.alt or not image.id.isdecimal() or not image.url:
                continue
            await self._request("POST", f"/products/images/{image.id}", form={"photo": image.url, "alt": alt})
            written[image.id] = alt
        return replace(product, images=tuple(replace(i, alt=written.get(i.id, i.alt)) for i in product.images or ()))


def to_product(data: dict[str, Any]) -> Product:
    metadata = data.get("metadata") or {}
    extra: dict[str, Any] = {}
    price = data.get("price") or {}
    if isinstance(price, dict) and price.get("amount") is not None:
        extra["price"] = f"{price['amount']} {price.get('currency', '')}".strip()
    if (data.get("brand") or {}).get("name"):
        extra["brand"] = data["brand"]["name"]
    if data.get("subtitle"):
        extra["subtitle"] = data["subtitle"]
    main_image = data.get("main_image") or ((data.get("images") or [{}])[0] or {}).get("url")
    if isinstance(main_image, dict):  # product webhooks send it as {id, url, video_url, type}
        main_image = main_image.get("url")
    images = data.get("images")
    return Product(
        id=str(data["id"]),
        title=str(data.get("name") or ""),
        description_html=str(data.get("description") or ""),
        seo_title=str(metadata.get("title") or data.get("metadata_title") or ""),
        seo_description=str(metadata.get("description") or data.get("metadata_description") or ""),
        revision=None,
        collection_ids=tuple(str(c["id"]) for c in data.get("categories") or [] if isinstance(c, dict)),
        image_url=main_image,
        url=str(data.get("url") or (data.get("urls") or {}).get("customer") or "") or None,
        extra=extra,
        images=None
        if not isinstance(images, list)
        else tuple(
            ProductImage(id=str(i["id"]), url=i.get("url") or None, alt=str(i.get("alt") or ""))
            for i in images
            if isinstance(i, dict) and i.get("id") is not None and i.get("type", "image") == "image"
        ),
    )


def to_salla_update(values: Mapping[Attribute, str]) -> dict[str, str]:
    fields = {
        Attribute.TITLE: "name",
        Attribute.DESCRIPTION: "description",
        Attribute.SEO_TITLE: "metadata_title",
        Attribute.SEO_DESCRIPTION: "metadata_description",
    }
    return {fields[attribute]: value for attribute, value in values.items()}


def _json(res: httpx.Response) -> dict[str, Any]:
    try:
        data = res.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _message(res: httpx.Response) -> str:
    body = _json(res)
    error = body.get("error") or {}
    if isinstance(error, dict) and error.get("message"):
        fields = error.get("fields") or {}
        detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in fields.items()) if fields else ""
        return f"{error['message']}{' (' + detail + ')' if detail else ''}"[:300]
    return (res.text or str(res.status_code))[:300]
