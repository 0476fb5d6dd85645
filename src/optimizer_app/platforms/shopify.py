"""Shopify Admin GraphQL client (API version 2026-10 by default).

Field mapping: title → `title`; description → `descriptionHtml`; SEO title and meta description →
`seo { title description }`; the product's page → `onlineStoreUrl` ("The online store URL for the
product. A value of null indicates that the product isn't published to the Online Store sales
channel": https://shopify.dev/docs/api/admin-graphql/latest/objects/Product#field-onlineStoreUrl).
Updates go through `productUpdate(product: ProductUpdateInput!)`
(the `input:` argument is deprecated since 2024-10); `userErrors` become per-product errors.

Rate limits are Shopify's calculated query cost: every answer carries
`extensions.cost.throttleStatus {maximumAvailable currentlyAvailable restoreRate}`. The client
keeps the last status per shop and waits before a query the bucket cannot pay for; a `THROTTLED`
answer (HTTP 200 with `errors[].extensions.code`, or a 429) is waited out and sent again, never
turned into a failure. Both are `send()`'s hooks; 401, 5xx and network errors are its own rules.

Image alt text: a product's images are its media (`Product.media`, the `MediaImage` nodes; the
older `Product.images` is deprecated), read apart from the product in small `nodes(ids:)` queries
(MEDIA_CHUNK products each), because twenty media per product in a page of fifty would cost far
over the 1,000-point single-query limit. Alt text is written with `fileUpdate(files: [{id, alt}])`
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fileUpdate; `productUpdateMedia` is
deprecated in 2026-10: "Use `fileUpdate` instead"), which needs the `write_files` scope; only
images whose `status` is READY are written ("Files must be in `ready` state before they can be
updated"), never `referencesToRemove`, which takes the file out of the product.

Every document sent is in DOCUMENTS, and a test validates each against the published schema.
"""

from __future__ import annotations

import asyncio
import re
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
from .http import DEFAULT_POLICY, PlatformHttp, RetryPolicy, SendHooks

API_VERSION = "2026-10"
PAGE_SIZE = 50  # keeps a products page well under the 1,000-point single-query cap
MAX_IDS = 100
# Shopify refuses a whole query for one malformed global id: such an id is not found, never sent.
_PRODUCT_GID = re.compile(r"gid://shopify/Product/[0-9]+")
_COLLECTION_GID = re.compile(r"gid://shopify/Collection/[0-9]+")

_PRODUCT_FIELDS = """
fragment ProductFields on Product {
  id
  title
  handle
  onlineStoreUrl
  descriptionHtml
  vendor
  productType
  tags
  updatedAt
  seo { title description }
  featuredMedia { preview { image { url } } }
  priceRangeV2 { minVariantPrice { amount currencyCode } }
  collections(first: 5) { nodes { id } }
}
"""

PRODUCTS_QUERY = (
    """
query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...ProductFields }
  }
}
"""
    + _PRODUCT_FIELDS
)

COLLECTION_PRODUCTS_QUERY = (
    """
query CollectionProducts($id: ID!, $first: Int!, $after: String) {
  collection(id: $id) {
    products(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...ProductFields }
    }
  }
}
"""
    + _PRODUCT_FIELDS
)

PRODUCT_QUERY = (
    """
query Product($id: ID!) {
  product(id: $id) { ...ProductFields }
}
"""
    + _PRODUCT_FIELDS
)

PRODUCTS_BY_ID_QUERY = (
    """
query ProductsById($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { ...ProductFields } }
}
"""
    + _PRODUCT_FIELDS
)

COLLECTIONS_QUERY = """
query Collections($first: Int!, $after: String) {
  collections(first: $first, after: $after, sortKey: TITLE) {
    pageInfo { hasNextPage endCursor }
    nodes { id title productsCount { count } }
  }
}
"""

PRODUCT_UPDATE_MUTATION = (
    """
mutation ProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { ...ProductFields }
    userErrors { field message }
  }
}
"""
    + _PRODUCT_FIELDS
)

# A product's images: its media, in the order the admin shows them. Products per query: a product
# with media(first: 20) costs about 50 points (measured with the sandbox's cost model).
MEDIA_CHUNK = 10
PRODUCT_MEDIA_QUERY = """
query ProductMedia($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Product {
      id
      media(first: 20, sortKey: POSITION) {
        nodes {
          id
          alt
          mediaContentType
          status
          ... on MediaImage { image { url } }
        }
      }
    }
  }
}
"""

FILE_UPDATE_MUTATION = """
mutation FileUpdate($files: [FileUpdateInput!]!) {
  fileUpdate(files: $files) {
    files { id alt fileStatus }
    userErrors { field message code }
  }
}
"""
# FilesUserError codes that mean "not now", not "never": the file is being processed or changed.
_BUSY_FILE_CODES = frozenset({"FILE_LOCKED", "MEDIA_CANNOT_BE_MODIFIED", "NON_READY_STATE"})

SHOP_QUERY = """
query Shop {
  shop { name myshopifyDomain }
}
"""

APP_SUBSCRIPTION_CREATE_MUTATION = """
mutation AppSubscriptionCreate(
  $name: String!, $lineItems: [AppSubscriptionLineItemInput!]!, $returnUrl: URL!, $test: Boolean
) {
  appSubscriptionCreate(name: $name, lineItems: $lineItems, returnUrl: $returnUrl, test: $test) {
    appSubscription { id name status }
    confirmationUrl
    userErrors { field message }
  }
}
"""

# Product webhooks, subscribed per shop at install
# (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate;
# `uri` replaces the deprecated `callbackUrl`). Shopify deletes a shop's subscriptions when the app
# is uninstalled (https://shopify.dev/docs/apps/auth/installation/uninstall-app), so a reinstall
# subscribes again; a subscription already there with our address is kept.
PRODUCT_WEBHOOK_TOPICS = ("PRODUCTS_CREATE", "PRODUCTS_UPDATE")

WEBHOOK_SUBSCRIPTIONS_QUERY = """
query WebhookSubscriptions($topics: [WebhookSubscriptionTopic!], $first: Int!, $after: String) {
  webhookSubscriptions(topics: $topics, first: $first, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE_MUTATION = """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

# Products written by one request: each under its own alias, with its own userErrors. Shopify runs
# the mutations of a document in order and charges each its own cost, so this saves round trips,
# not points. (bulkOperationRunMutation is asynchronous, one at a time per shop and minutes long:
# made for catalog imports, not for an owner waiting on the review screen.)
UPDATE_BATCH = 10


def products_update_mutation(count: int) -> str:
    params = ", ".join(f"$p{i}: ProductUpdateInput!" for i in range(count))
    fields = "".join(
        f"  p{i}: productUpdate(product: $p{i}) {{ product {{ ...ProductFields }} userErrors {{ field message }} }}\n"
        for i in range(count)
    )
    return f"mutation ProductsUpdate{count}({params}) {{\n{fields}}}\n" + _PRODUCT_FIELDS


DOCUMENTS = {
    "Products": PRODUCTS_QUERY,
    "CollectionProducts": COLLECTION_PRODUCTS_QUERY,
    "Product": PRODUCT_QUERY,
    "ProductsById": PRODUCTS_BY_ID_QUERY,
    "Collections": COLLECTIONS_QUERY,
    "ProductUpdate": PRODUCT_UPDATE_MUTATION,
    "ProductMedia": PRODUCT_MEDIA_QUERY,
    "FileUpdate": FILE_UPDATE_MUTATION,
    "Shop": SHOP_QUERY,
    "AppSubscriptionCreate": APP_SUBSCRIPTION_CREATE_MUTATION,
    "WebhookSubscriptions": WEBHOOK_SUBSCRIPTIONS_QUERY,
    "WebhookSubscriptionCreate": WEBHOOK_SUBSCRIPTION_CREATE_MUTATION,
    **{f"ProductsUpdate{n}": products_update_mutation(n) for n in range(1, UPDATE_BATCH + 1)},
}


@dataclass
class CostBudget:
    """What Shopify last said about a shop's query-cost bucket, drained forward in time."""

    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 100.0
    updated: float = 0.0

    def estimate(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.updated) * self.restore_rate)

    def observe(self, status: Mapping[str, Any], now: float) -> None:
        self.maximum = float(status.get("maximumAvailable") or self.maximum)
        self.available = float(status.get("currentlyAvailable") or 0.0)
        self.restore_rate = float(status.get("restoreRate") or self.restore_rate) or 1.0
        self.updated = now

    def wait_for(self, cost: float, now: float) -> float:
        missing = min(cost, self.maximum) - self.estimate(now)
        return max(0.0, missing / self.restore_rate)


class QueryCosts:
    """What a process knows of Shopify's costs (StoreClients owns one): each shop's bucket, and the
    cost Shopify last asked for each document, which the next run of it will need."""

    def __init__(self) -> None:
        self._budgets: dict[str, CostBudget] = {}
        self._requested: dict[str, float] = {}

    def budget(self, shop: str) -> CostBudget:
        if shop not in self._budgets:
            self._budgets[shop] = CostBudget(updated=time.monotonic())
        return self._budgets[shop]

    def requested(self, name: str) -> float:
        return self._requested.get(name, 50.0)

    def note(self, name: str, cost: float) -> None:
        self._requested[name] = cost


class _CostHooks(SendHooks):
    """The cost bucket around one document's sends: wait before a query the bucket cannot pay for,
    note every throttleStatus, and wait out a THROTTLED answer. Keeps the last answer's body."""

    def __init__(self, client: ShopifyClient, name: str) -> None:
        self.client = client
        self.name = name
        self.payload: dict[str, Any] = {}

    async def before(self) -> None:
        wait = self.client.budget.wait_for(self.client.costs.requested(self.name), time.monotonic())
        if wait > 0:
            self.client.throttle_waits += 1
            await asyncio.sleep(wait)

    def observe(self, res: httpx.Response) -> None:
        self.payload = _json(res)
        cost = (self.payload.get("extensions") or {}).get("cost") or {}
        if isinstance(cost.get("throttleStatus"), dict):
            self.client.budget.observe(cost["throttleStatus"], time.monotonic())
        if cost.get("requestedQueryCost") is not None:
            self.client.costs.note(self.name, float(cost["requestedQueryCost"]))

    def throttle_wait(self, res: httpx.Response, waited: int) -> float | None:
        if not _is_throttled(res, self.payload):
            return None
        self.client.throttle_waits += 1
        cost = (self.payload.get("extensions") or {}).get("cost") or {}
        if isinstance(cost.get("throttleStatus"), dict):
            requested = float(cost.get("requestedQueryCost") or self.client.costs.requested(self.name))
            return self.client.budget.wait_for(requested, time.monotonic()) + 0.01
        return self.client.policy.wait(min(waited + 1, 4), self.retry_after(res))


@dataclass(frozen=True)
class AppSubscription:
    id: str
    status: str
    confirmation_url: str


class ShopifyClient(PlatformHttp):
    platform = "shopify"

    def __init__(
        self,
        *,
        shop: str,
        tokens: TokenSource,
        admin_base: str = "",
        api_version: str = API_VERSION,
        http: httpx.AsyncClient | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
        costs: QueryCosts | None = None,
    ) -> None:
        super().__init__(http=http, policy=policy)
        self.shop = shop
        origin = admin_base.rstrip("/").replace("{shop}", shop) if admin_base else f"https://{shop}"
        self.endpoint = f"{origin}/admin/api/{api_version}/graphql.json"
        self.tokens = tokens
        self.costs = costs or QueryCosts()
        self.budget = self.costs.budget(shop)
        self.throttle_waits = 0  # how often the client waited on the cost bucket (observability, tests)

    async def graphql(self, name: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run DOCUMENTS[name] through `send`; returns `data`, or raises its failure in Shopify's words."""
        body = {"query": DOCUMENTS[name], "variables": dict(variables or {}), "operationName": name}
        hooks = _CostHooks(self, name)
        try:
            res = await self.send(
                lambda token: self.http.build_request(
                    "POST", self.endpoint, json=body, headers={"X-Shopify-Access-Token": token}
                ),
                tokens=self.tokens,
                hooks=hooks,
            )
        except httpx.TransportError as exc:
            raise PlatformUnavailable(f"Shopify could not be reached: {exc}") from exc
        payload = hooks.payload
        if _is_throttled(res, payload):
            raise PlatformUnavailable("Shopify kept throttling the app's queries.", status=429)
        if res.status_code >= 500 or res.status_code == 429:
            raise PlatformUnavailable(f"Shopify is unavailable ({res.status_code}).", status=res.status_code)
        if res.status_code == 401:
            raise PlatformAuthError("Shopify refused the store's access token.", status=401)
        if res.status_code == 402 or res.status_code == 423:
            raise PlatformAuthError(f"Shopify refused access to this shop ({res.status_code}).", status=403)
        if res.status_code >= 400:
            raise StorePlatformError(
                f"Shopify answered {res.status_code}: {_errors_text(payload)}", status=res.status_code
            )
        errors = payload.get("errors")
        if errors:
            code = _error_code(errors)
            if code == "ACCESS_DENIED":
                raise PlatformAuthError(f"Shopify denied access: {_errors_text(payload)}", platform_code=code)
            raise StorePlatformError(f"Shopify rejected the query: {_errors_text(payload)}", platform_code=code)
        data: dict[str, Any] = payload.get("data") or {}
        return data

    async def _page(self, name: str, variables: dict[str, Any], path: Sequence[str]) -> ProductPage:
        data: Any = await self.graphql(name, variables)
        for key in path:
            data = (data or {}).get(key)
        if data is None:
            return ProductPage([], None)
        info = data.get("pageInfo") or {}
        return ProductPage(
            products=[to_product(p) for p in data.get("nodes") or []],
            next_cursor=info.get("endCursor") if info.get("hasNextPage") else None,
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        variables: dict[str, Any] = {"first": max(1, min(limit, PAGE_SIZE)), "after": cursor}
        if query:
            variables["query"] = search_query(query)
        return await self._page("Products", variables, ("products",))

    async def list_collections(self) -> list[Collection]:
        found: list[Collection] = []
        cursor: str | None = None
        while True:
            data = (await self.graphql("Collections", {"first": 250, "after": cursor})).get("collections") or {}
            for node in data.get("nodes") or []:
                count = (node.get("productsCount") or {}).get("count")
                found.append(Collection(id=node["id"], name=node.get("title", ""), product_count=count))
            info = data.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            cursor = info.get("endCursor")

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        if not _COLLECTION_GID.fullmatch(collection_id):
            return ProductPage(products=[], next_cursor=None)  # as for a collection that does not exist
        variables = {"id": collection_id, "first": max(1, min(limit, PAGE_SIZE)), "after": cursor}
        return await self._page("CollectionProducts", variables, ("collection", "products"))

    async def get_product(self, product_id: str) -> Product:
        data = await self.graphql("Product", {"id": product_id})
        if not data.get("product"):
            raise ProductNotFound(f"Product {product_id} no longer exists in the store.", status=404)
        return to_product(data["product"])

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        product_ids = [pid for pid in product_ids if _PRODUCT_GID.fullmatch(pid)]
        found: list[Product] = []
        for start in range(0, len(product_ids), MAX_IDS):
            data = await self.graphql("ProductsById", {"ids": list(product_ids[start : start + MAX_IDS])})
            found.extend(to_product(n) for n in data.get("nodes") or [] if n and n.get("id"))
        return found

    async def with_images(self, products: Sequence[Product]) -> list[Product]:
        unread = [p.id for p in products if p.images is None and _PRODUCT_GID.fullmatch(p.id)]
        media: dict[str, tuple[ProductImage, ...]] = {}
        for start in range(0, len(unread), MEDIA_CHUNK):
            data = await self.graphql("ProductMedia", {"ids": unread[start : start + MEDIA_CHUNK]})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    media[node["id"]] = to_images(node)
        return [p if p.images is not None else replace(p, images=media.get(p.id, ())) for p in products]

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        if Attribute.IMAGE_ALT in values:
            product = await self._update_alts(product, values[Attribute.IMAGE_ALT])
        text: dict[Attribute, str] = {a: v for a, v in values.items() if a is not Attribute.IMAGE_ALT}
        if not text:
            return product
        data = await self.graphql("ProductUpdate", {"product": to_product_input(product.id, text)})
        return _updated(product.id, data.get("productUpdate"))

    async def _update_alts(self, product: Product, value: str) -> Product:
        """fileUpdate for the product's READY images the value names; the product with them."""
        wanted = image_alt.by_image(value)
        files = [{"id": i.id, "alt": wanted[i.id]} for i in product.images or () if i.ready and i.id in wanted]
        if not files:
            return product
        try:
            data = await self.graphql("FileUpdate", {"files": files})
        except PlatformAuthError as exc:
            if exc.platform_code != "ACCESS_DENIED":
                raise
            raise StorePlatformError(
                "Shopify refused to write alt text: the app needs the write_files permission, which this store "
                "has not approved yet. Open the app in the Shopify admin and approve its updated permissions.",
                platform_code="write_files_missing",
            ) from exc
        result = data.get("fileUpdate") or {}
        errors = result.get("userErrors") or []
        if errors:
            text = "; ".join(str(e.get("message")) for e in errors)
            if all(e.get("code") in _BUSY_FILE_CODES for e in errors):
                raise PlatformUnavailable(f"Shopify is still processing this product's images: {text}")
            raise StorePlatformError(f"Shopify refused the alt text: {text}", platform_code="USER_ERROR")
        written = {f["id"]: f["alt"] for f in files}
        images = tuple(replace(i, alt=written.get(i.id, i.alt)) for i in product.images or ())
        return replace(product, images=images)

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """UPDATE_BATCH products a request; one outcome per item, in order. A request that fails
        whole fails its own products only: those of earlier requests are already written. Alt
        text goes one fileUpdate per product (12 points each)."""
        if any(Attribute.IMAGE_ALT in values for _, values in items):
            each: list[Product | StorePlatformError] = []
            for product, values in items:
                try:
                    each.append(await self.update_product(product, values))
                except StorePlatformError as exc:
                    each.append(exc)
            return each
        outcomes: list[Product | StorePlatformError] = []
        for start in range(0, len(items), UPDATE_BATCH):
            chunk = items[start : start + UPDATE_BATCH]
            variables = {f"p{i}": to_product_input(p.id, v) for i, (p, v) in enumerate(chunk)}
            try:
                data = await self.graphql(f"ProductsUpdate{len(chunk)}", variables)
            except StorePlatformError as exc:
                outcomes.extend(exc for _ in chunk)
                continue
            for i, (product, _) in enumerate(chunk):
                try:
                    outcomes.append(_updated(product.id, data.get(f"p{i}")))
                except StorePlatformError as exc:
                    outcomes.append(exc)
        return outcomes

    async def shop_name(self) -> str:
        data = await self.graphql("Shop")
        return str((data.get("shop") or {}).get("name") or "")

    async def create_subscription(
        self, *, name: str, price: float, currency: str, return_url: str, test: bool
    ) -> AppSubscription:
        """appSubscriptionCreate for a 30-day recurring plan; the owner approves at the URL returned."""
        pricing = {"price": {"amount": price, "currencyCode": currency}, "interval": "EVERY_30_DAYS"}
        line = {"plan": {"appRecurringPricingDetails": pricing}}
        data = await self.graphql(
            "AppSubscriptionCreate", {"name": name, "lineItems": [line], "returnUrl": return_url, "test": test}
        )
        result = data.get("appSubscriptionCreate") or {}
        errors = result.get("userErrors") or []
        if errors or not result.get("confirmationUrl"):
            text = "; ".join(str(e.get("message")) for e in errors) or "no confirmation URL"
            raise StorePlatformError(f"Shopify refused the subscription: {text}", platform_code="USER_ERROR")
        sub = result.get("appSubscription") or {}
        return AppSubscription(
            id=str(sub.get("id") or ""), status=str(sub.get("status") or ""), confirmation_url=result["confirmationUrl"]
        )

    async def subscribe_webhooks(self, uri: str, topics: Sequence[str] = PRODUCT_WEBHOOK_TOPICS) -> list[str]:
        """Subscribe `uri` to each of `topics` that has no subscription with that address yet;
        returns the topics subscribed now (none when all were there already)."""
        present: set[str] = set()
        after: str | None = None
        while True:
            data = await self.graphql("WebhookSubscriptions", {"topics": list(topics), "first": 100, "after": after})
            found = data.get("webhookSubscriptions") or {}
            present |= {str(n.get("topic")) for n in found.get("nodes") or [] if n.get("uri") == uri}
            page = found.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                break
            after = page.get("endCursor")
        created = []
        for topic in topics:
            if topic in present:
                continue
            data = await self.graphql(
                "WebhookSubscriptionCreate", {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}}
            )
            errors = (data.get("webhookSubscriptionCreate") or {}).get("userErrors") or []
            if errors:
                text = "; ".join(str(e.get("message")) for e in errors)
                raise StorePlatformError(f"Shopify refused the {topic} webhook: {text}", platform_code="USER_ERROR")
            created.append(topic)
        return created


def _updated(product_id: str, result: dict[str, Any] | None) -> Product:
    """The product a productUpdate returned, or the error its userErrors describe."""
    result = result or {}
    errors = result.get("userErrors") or []
    if errors:
        message = "; ".join(
            f"{'.'.join(str(f) for f in e.get('field') or [])}: {e.get('message')}".lstrip(": ") for e in errors
        )
        if any("does not exist" in str(e.get("message", "")).lower() for e in errors):
            raise ProductNotFound(f"Product {product_id} no longer exists in the store.", status=404)
        raise StorePlatformError(f"Shopify refused the update: {message}", platform_code="USER_ERROR")
    if not result.get("product"):
        raise StorePlatformError("Shopify returned no product for the update.")
    return to_product(result["product"])


def search_query(text: str) -> str:
    """The owner's words as one quoted phrase of Shopify's search syntax (no operators slip in)."""
    cleaned = text.replace("\\", " ").replace('"', " ").strip()
    return f'"{cleaned}"'


def to_product_input(product_id: str, values: Mapping[Attribute, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": product_id}
    if Attribute.TITLE in values:
        data["title"] = values[Attribute.TITLE]
    if Attribute.DESCRIPTION in values:
        data["descriptionHtml"] = values[Attribute.DESCRIPTION]
    seo: dict[str, str] = {}
    if Attribute.SEO_TITLE in values:
        seo["title"] = values[Attribute.SEO_TITLE]
    if Attribute.SEO_DESCRIPTION in values:
        seo["description"] = values[Attribute.SEO_DESCRIPTION]
    if seo:
        data["seo"] = seo
    return data


def to_images(product: dict[str, Any]) -> tuple[ProductImage, ...]:
    """A product's images from its media: the MediaImage nodes (videos and 3D models have alt
    text too, but are not images), READY or not."""
    nodes = ((product.get("media") or {}).get("nodes")) or []
    return tuple(
        ProductImage(
            id=str(n["id"]),
            url=((n.get("image") or {}).get("url")) or None,
            alt=str(n.get("alt") or ""),
            ready=n.get("status") == "READY",
        )
        for n in nodes
        if n and n.get("id") and n.get("mediaContentType") == "IMAGE"
    )


def to_product(data: dict[str, Any]) -> Product:
    seo = data.get("seo") or {}
    extra: dict[str, Any] = {}
    if data.get("vendor"):
        extra["brand"] = data["vendor"]
    if data.get("productType"):
        extra["type"] = data["productType"]
    if data.get("tags"):
        extra["tags"] = ", ".join(data["tags"])
    price = ((data.get("priceRangeV2") or {}).get("minVariantPrice")) or {}
    if price.get("amount"):
        extra["price"] = f"{price['amount']} {price.get('currencyCode', '')}".strip()
    image = (((data.get("featuredMedia") or {}).get("preview") or {}).get("image")) or {}
    collections = ((data.get("collections") or {}).get("nodes")) or []
    return Product(
        id=data["id"],
        title=data.get("title") or "",
        description_html=data.get("descriptionHtml") or "",
        seo_title=seo.get("title") or "",
        seo_description=seo.get("description") or "",
        revision=None,
        collection_ids=tuple(c["id"] for c in collections if c.get("id")),
        image_url=image.get("url"),
        url=data.get("onlineStoreUrl") or None,
        extra=extra,
        platform_data={"handle": data.get("handle"), "updated_at": data.get("updatedAt")},
    )


def _json(res: httpx.Response) -> dict[str, Any]:
    try:
        data = res.json()
    except ValueError:
        return {"errors": res.text[:300]}
    return data if isinstance(data, dict) else {"errors": str(data)[:300]}


def _error_code(errors: Any) -> str | None:
    if isinstance(errors, list):
        for error in errors:
            code = ((error or {}).get("extensions") or {}).get("code") if isinstance(error, dict) else None
            if code:
                return str(code)
    return None


def _is_throttled(res: httpx.Response, payload: dict[str, Any]) -> bool:
    return _error_code(payload.get("errors")) == "THROTTLED" or (
        res.status_code == 429 and isinstance((payload.get("extensions") or {}).get("cost"), dict)
    )


def _errors_text(payload: dict[str, Any]) -> str:
    errors = payload.get("errors")
    if isinstance(errors, list):
        return "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors)[:300]
    return str(errors)[:300]
