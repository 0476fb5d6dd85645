"""A local stand-in for a Shopify shop's Admin API: token exchange and refresh, Admin GraphQL,
billing and webhooks.

Queries run through graphql-core against Shopify's published 2026-10 Admin schema (its
introspection, kept in `contracts/` beside this module), so an unknown field, a wrong argument or
a bad variable is refused the way Shopify refuses it. What it follows from Shopify's documentation:

- `POST /admin/oauth/access_token`: token exchange of a session token (HS256, `aud` = API key)
  for an offline token; with `expiring=1` the token lasts 3,600 s and comes with a refresh token
  that rotates on use (`grant_type=refresh_token`); the spent one keeps working until the new
  access token is first used (Shopify's behaviour since August 2026). An invalid session token
  is a 400.
- The same endpoint migrates a non-expiring offline token (token exchange with it as the
  `subject_token`) to an expiring pair and retires it.
- `POST /admin/api/2026-10/graphql.json` with `X-Shopify-Access-Token`; a missing, unknown or
  expired token is a 401. Connections take `first`/`last` ≤ 250 and page with
  `pageInfo {hasNextPage endCursor}`; `productUpdate(product:)` answers `userErrors`.
- Calculated query cost: connections cost 2 + `first` × (1 + what each node selects), objects 1, scalars 0,
  mutations 10; a single query may cost at most 1,000. Each shop has a leaky bucket (2,000 points
  restored at 100 a second, the current Standard plan figure); a query the bucket cannot pay for
  is answered HTTP 200 with `errors[].extensions.code = "THROTTLED"`, and every answer carries
  `extensions.cost {requestedQueryCost actualQueryCost throttleStatus}`.
- Webhooks carry `X-Shopify-Topic`, `X-Shopify-Hmac-Sha256` (base64 HMAC of the raw body),
  `X-Shopify-Shop-Domain`, `X-Shopify-API-Version`, `X-Shopify-Webhook-Id` and `X-Shopify-Event-Id`
  (the same for every delivery of one event).
- Product webhooks: `webhookSubscriptionCreate(topic:, webhookSubscription: {uri})` and
  `webhookSubscriptions(topics:, uri:)` keep subscriptions per shop; a second subscription of a
  topic to the same address is refused with "Address for this topic has already been taken"
  (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate,
  https://shopify.dev/docs/api/admin-graphql/latest/enums/PubSubWebhookSubscriptionCreateUserErrorCode);
  uninstalling deletes them (https://shopify.dev/docs/apps/auth/installation/uninstall-app).
  `products/create` goes out when the owner adds a product in the admin, `products/update` when
  `productUpdate` changes one (the app's own publish included), each with the REST Product body
  (https://shopify.dev/docs/api/webhooks?reference=graphql), after the request is answered.
  Shopify retries a failed delivery 8 times over 4 hours with exponential backoff
  (https://shopify.dev/changelog/updates-to-webhook-retry-mechanism); the sandbox retries twice,
  quickly, with the same event id.

Simplifications: subscriptions take `http://` addresses on loopback (Shopify wants https), the
actual cost equals the requested cost (Shopify refunds the difference for short pages), and the
shop comes from the token rather than from the host name (the app points `SHOPIFY_ADMIN_BASE` at
the sandbox). Routes under `/_sandbox/` are not Shopify's: they let tests
and the demo look inside, throttle, inject faults, sign session tokens, send webhooks and frame
the app like the Shopify admin; `/_sandbox/app-bridge.js` stands in for App Bridge, handing the
framed app session tokens through the admin page.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import gzip
import json
import os
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    build_client_schema,
    execute_sync,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.errors import Unauthorized

from . import images
from .admin_pages import render_admin_page
from .faults import Faults
from .shopify_catalog import build_catalog, more_products
from .webhook_outbox import WebhookOutbox

ADMIN_ORIGIN = "https://admin.shopify.com"
API_VERSION = "2026-10"
ACCESS_TOKEN_TTL = 3600
MIGRATION_RETRY_SECONDS = 7 * 24 * 3600
REFRESH_TOKEN_TTL = 90 * 86400
# The sandbox's stand-in for Shopify's 8 retries over 4 hours (see the module docstring).
WEBHOOK_RETRY_DELAYS = (0.5, 1.0)
# WebhookSubscriptionTopic values and the X-Shopify-Topic each one delivers.
WEBHOOK_TOPICS = {"PRODUCTS_CREATE": "products/create", "PRODUCTS_UPDATE": "products/update"}
MAX_PAGE = 250
MAX_QUERY_COST = 1000
SCHEMA_PATH = Path(
    os.environ.get("SHOPIFY_SCHEMA_PATH")
    or Path(__file__).resolve().parent / "contracts" / "shopify-admin-2026-10.introspection.json.gz"
)
_INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
APP_BRIDGE_JS = Path(__file__).resolve().parent / "static" / "shopify-app-bridge.js"


@functools.cache
def load_schema(path: str = str(SCHEMA_PATH)) -> GraphQLSchema:
    with gzip.open(path) as f:
        data = json.load(f)
    return build_client_schema(data.get("data") or data, assume_valid=True)


@dataclass
class _Shop:
    domain: str
    collections: list[dict[str, Any]]
    products: dict[int, dict[str, Any]]
    installed: bool = True
    available: float = 2000.0
    updated: float = field(default_factory=time.monotonic)
    subscriptions: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Where the shop's pictures are served (this sandbox's address, from the last request).
    base_url: str = ""
    # The scopes the shop granted the app: fileUpdate needs write_files (or write_themes).
    scopes: tuple[str, ...] = ("read_products", "write_products", "write_files")
    # Webhook subscriptions the app created by API: number -> {id, topic, uri, createdAt}.
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str) -> int:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(value))
    if not match:
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"})
    return int(match.group(1))


def _encode_cursor(last_id: int) -> str:
    return base64.b64encode(json.dumps({"last_id": last_id}).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.b64decode(cursor))
        return int(data["last_id"])
    except (ValueError, KeyError, TypeError):
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


def connection(items: list[dict[str, Any]], args: dict[str, Any], to_node: Any) -> dict[str, Any]:
    """A Relay connection over `items` (sorted, each with an integer `id`), as Shopify pages."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    count = first if first is not None else last
    assert count is not None
    if not 0 <= count <= MAX_PAGE:
        raise GraphQLError(f"The page size must be between 0 and {MAX_PAGE}.", extensions={"code": "BAD_REQUEST"})
    if args.get("reverse"):
        items = list(reversed(items))
    start = 0
    if args.get("after"):
        after = _decode_cursor(args["after"])
        start = next((i + 1 for i, item in enumerate(items) if item["id"] == after), len(items))
    window = items[start:]
    if args.get("before"):
        before = _decode_cursor(args["before"])
        window = window[: next((i for i, item in enumerate(window) if item["id"] == before), len(window))]
    page = window[:count] if first is not None else window[max(0, len(window) - count) :]
    edges = [{"cursor": _encode_cursor(item["id"]), "node": to_node(item)} for item in page]
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": len(window) > len(page) if first is not None else False,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


_TERM = re.compile(r'(?:(\w+):)?("([^"]*)"|\S+)')


def matches_search(product: dict[str, Any], query: str) -> bool:
    """Shopify search syntax, enough of it: terms ANDed; `field:value` on title, vendor,
    product_type, tag, handle; free text over title, vendor, type and tags; `*` as wildcard."""
    fields = {
        "title": product["title"],
        "vendor": product["vendor"],
        "product_type": product["productType"],
        "tag": " ".join(product["tags"]),
        "handle": product["handle"],
    }
    for match in _TERM.finditer(query):
        name, raw, quoted = match.group(1), match.group(2), match.group(3)
        value = (quoted if quoted is not None else raw).replace("*", "").casefold()
        if not value or (name is None and raw.upper() in ("AND", "OR")):
            continue
        haystack = (
            fields.get(name or "", "")
            if name
            else " ".join(fields[k] for k in ("title", "vendor", "product_type", "tag"))
        )
        if value not in haystack.casefold():
            return False
    return True


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((o for o in ops if o.name and o.name.value == name), None)
    return ops[0] if len(ops) == 1 else None


def query_cost(
    schema: GraphQLSchema, document: Any, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def count_arg(node: FieldNode) -> int:
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                if isinstance(arg.value, IntValueNode):
                    return int(arg.value.value)
                if isinstance(arg.value, VariableNode):
                    return int(variables.get(arg.value.name.value) or 0)
        return 0

    def cost(selection_set: SelectionSetNode | None, parent: Any, free: bool = False) -> int:
        if selection_set is None or not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    total += cost(frag.selection_set, schema.get_type(frag.type_condition.name.value), free)
                continue
            if isinstance(sel, InlineFragmentNode):
                cond = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += cost(sel.selection_set, cond, free)
                continue
            assert isinstance(sel, FieldNode)
            fdef = parent.fields.get(sel.name.value)
            if fdef is None:
                continue
            rtype = get_named_type(fdef.type)
            if is_leaf_type(rtype):
                continue
            if rtype.name.endswith("Connection"):
                total += 2 + count_arg(sel) * (1 + cost(sel.selection_set, rtype, True))
            elif free and sel.name.value in ("nodes", "edges", "node"):
                total += cost(sel.selection_set, rtype, sel.name.value == "edges")
            elif rtype.name == "PageInfo":
                continue
            else:
                total += 1 + cost(sel.selection_set, rtype)
        return total

    if operation.operation == OperationType.MUTATION:
        root = schema.mutation_type
        return sum(
            10 + cost(s.selection_set, get_named_type(root.fields[s.name.value].type))
            for s in operation.selection_set.selections
            if isinstance(s, FieldNode) and root and s.name.value in root.fields
        )
    return max(1, cost(operation.selection_set, schema.query_type))


class ShopifySandbox:
    """The sandbox's state as attributes and Shopify's endpoints as methods; `app()` serves them, and
    the served app reaches it as `app.state.shopify`."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        app_url: str = "",
        maximum_available: float = 2000.0,
        restore_rate: float = 100.0,
        schema_path: str | None = None,
        app_handle: str = "",
    ) -> None:
        self.api_key = api_key
        self.app_handle = app_handle or api_key
        self.api_secret = api_secret
        self.app_url = app_url
        self.maximum = maximum_available
        self.restore_rate = restore_rate
        self.schema = load_schema(schema_path or str(SCHEMA_PATH))
        self.shops: dict[str, _Shop] = {}
        self.tokens: dict[str, tuple[str, float | None]] = {}  # access token -> (shop, expires at)
        self.refresh_tokens: dict[str, tuple[str, float]] = {}
        # A spent refresh token stays valid until the access token that replaced it is first used.
        self.retire_on_use: dict[str, str] = {}  # new access token -> the refresh token it replaced
        # Migrated non-expiring token -> (the pair it became, until when a retry returns that pair).
        self.migrated: dict[str, tuple[dict[str, Any], float]] = {}
        self.faults = Faults(default_status=503)
        self.counts: Counter[str] = Counter()
        self.lock = threading.RLock()
        self.next_id = 1000
        self.outbox = WebhookOutbox(WEBHOOK_RETRY_DELAYS)

    def shop(self, domain: str) -> _Shop:
        with self.lock:
            if domain not in self.shops:
                collections, products = build_catalog(domain)
                self.shops[domain] = _Shop(domain, collections, {p["id"]: p for p in products}, available=self.maximum)
            return self.shops[domain]

    def issue(self, domain: str, *, expiring: bool) -> dict[str, Any]:
        token = "shpat_" + secrets.token_hex(16)
        with self.lock:
            if not expiring:
                self.tokens[token] = (domain, None)
                return {"access_token": token, "scope": ",".join(self.shop(domain).scopes)}
            refresh = "shprt_" + secrets.token_hex(24)
            self.tokens[token] = (domain, time.time() + ACCESS_TOKEN_TTL)
            self.refresh_tokens[refresh] = (domain, time.time() + REFRESH_TOKEN_TTL)
        return {
            "access_token": token,
            "scope": ",".join(self.shop(domain).scopes),
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": refresh,
            "refresh_token_expires_in": REFRESH_TOKEN_TTL,
        }

    def revoke(self, domain: str) -> None:
        with self.lock:
            self.tokens = {t: v for t, v in self.tokens.items() if v[0] != domain}
            self.refresh_tokens = {t: v for t, v in self.refresh_tokens.items() if v[0] != domain}

    def bucket(self, shop: _Shop, now: float) -> float:
        shop.available = min(self.maximum, shop.available + (now - shop.updated) * self.restore_rate)
        shop.updated = now
        return shop.available

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def media_node(self, shop: _Shop, m: dict[str, Any]) -> dict[str, Any]:
        """A MediaImage (Media interface: `alt`, `status`; `image` is null until it is processed):
        https://shopify.dev/docs/api/admin-graphql/latest/objects/MediaImage."""
        ready = m["status"] == "READY"
        image = {"url": images.url(shop.base_url, m["file"]), "altText": m["alt"] or None, "width": 16, "height": 16}
        return {
            "__typename": "MediaImage",
            "id": gid("MediaImage", m["id"]),
            "alt": m["alt"],
            "mediaContentType": "IMAGE",
            "status": m["status"],
            "fileStatus": m["status"],
            "mimeType": "image/png",
            "image": image if ready else None,
            "preview": {"image": image if ready else None, "status": m["status"]},
        }

    def product_node(self, shop: _Shop, p: dict[str, Any]) -> dict[str, Any]:
        def collections(info: Any, **args: Any) -> dict[str, Any]:
            mine = [c for c in shop.collections if p["id"] in c["product_ids"]]
            return connection(mine, args, lambda c: self.collection_node(shop, c))

        def media(info: Any, **args: Any) -> dict[str, Any]:
            # `sortKey: POSITION` (ProductMediaSortKeys) is the order the admin shows; ID sorts by id.
            items = sorted(p["media"], key=lambda m: m["id"]) if args.get("sortKey") == "ID" else list(p["media"])
            return connection(items, args, lambda m: self.media_node(shop, m))

        return {
            "__typename": "Product",
            "id": gid("Product", p["id"]),
            "legacyResourceId": str(p["id"]),
            "title": p["title"],
            "handle": p["handle"],
            # Every sandbox product is published to the Online Store, whose address is the shop's
            # domain here; Shopify answers null for a product not published there.
            "onlineStoreUrl": f"https://{shop.domain}/products/{p['handle']}",
            "descriptionHtml": p["descriptionHtml"],
            "description": re.sub(r"<[^>]+>", "", p["descriptionHtml"]),
            "vendor": p["vendor"],
            "productType": p["productType"],
            "tags": list(p["tags"]),
            "status": "ACTIVE",
            "createdAt": p["createdAt"],
            "updatedAt": p["updatedAt"],
            "seo": dict(p["seo"]),
            "featuredMedia": self.media_node(shop, p["media"][0]) if p["media"] else None,
            "media": media,
            "mediaCount": {"count": len(p["media"]), "precision": "EXACT"},
            "priceRangeV2": {
                "minVariantPrice": {"amount": p["price"], "currencyCode": "USD"},
                "maxVariantPrice": {"amount": p["price"], "currencyCode": "USD"},
            },
            "collections": collections,
        }

    def collection_node(self, shop: _Shop, c: dict[str, Any]) -> dict[str, Any]:
        def products(info: Any, **args: Any) -> dict[str, Any]:
            items = [shop.products[i] for i in sorted(c["product_ids"]) if i in shop.products]
            return connection(items, args, lambda p: self.product_node(shop, p))

        return {
            "__typename": "Collection",
            "id": gid("Collection", c["id"]),
            "title": c["title"],
            "handle": c["handle"],
            "productsCount": {"count": len(c["product_ids"]), "precision": "EXACT"},
            "products": products,
        }

    def query_root(self, shop: _Shop) -> dict[str, Any]:
        def products(info: Any, **args: Any) -> dict[str, Any]:
            items = sorted(shop.products.values(), key=lambda p: p["id"])
            if args.get("query"):
                items = [p for p in items if matches_search(p, str(args["query"]))]
            return connection(items, args, lambda p: self.product_node(shop, p))

        def product(info: Any, id: str) -> dict[str, Any] | None:
            p = shop.products.get(parse_gid(id, "Product"))
            return self.product_node(shop, p) if p else None

        def collections(info: Any, **args: Any) -> dict[str, Any]:
            items = sorted(shop.collections, key=lambda c: c["title"] if args.get("sortKey") == "TITLE" else c["id"])
            return connection(items, args, lambda c: self.collection_node(shop, c))

        def collection(info: Any, id: str) -> dict[str, Any] | None:
            number = parse_gid(id, "Collection")
            found = next((c for c in shop.collections if c["id"] == number), None)
            return self.collection_node(shop, found) if found else None

        def nodes(info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
            if len(ids) > MAX_PAGE:
                raise GraphQLError(f"The ids argument may hold at most {MAX_PAGE} ids.")
            out: list[dict[str, Any] | None] = []
            for value in ids:
                m = re.fullmatch(r"gid://shopify/(Product|Collection)/(\d+)", value)
                if not m:
                    out.append(None)
                elif m.group(1) == "Product":
                    p = shop.products.get(int(m.group(2)))
                    out.append(self.product_node(shop, p) if p else None)
                else:
                    c = next((c for c in shop.collections if c["id"] == int(m.group(2))), None)
                    out.append(self.collection_node(shop, c) if c else None)
            return out

        def webhook_subscriptions(info: Any, **args: Any) -> dict[str, Any]:
            items = sorted(shop.webhooks.values(), key=lambda w: w["id"])
            if args.get("topics"):
                items = [w for w in items if w["topic"] in args["topics"]]
            if args.get("uri") is not None:
                items = [w for w in items if w["uri"] == args["uri"]]
            return connection(items, args, self.webhook_node)

        return {
            "webhookSubscriptions": webhook_subscriptions,
            "products": products,
            "product": product,
            "collections": collections,
            "collection": collection,
            "nodes": nodes,
            "shop": {"name": shop.domain.split(".")[0].replace("-", " ").title(), "myshopifyDomain": shop.domain},
        }

    def webhook_node(self, w: dict[str, Any]) -> dict[str, Any]:
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", w["id"]),
            "legacyResourceId": str(w["id"]),
            "topic": w["topic"],
            "uri": w["uri"],
            "callbackUrl": w["uri"],
            "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": w["uri"]},
            "format": "JSON",
            "includeFields": [],
            "metafieldNamespaces": [],
            "metafields": [],
            "filter": None,
            "name": None,
            "apiVersion": {"handle": API_VERSION, "displayName": API_VERSION, "supported": True},
            "createdAt": w["createdAt"],
            "updatedAt": w["createdAt"],
        }

    def mutation_root(self, shop: _Shop, base_url: str, updated: list[int] | None = None) -> dict[str, Any]:
        """Shopify's mutations on `shop`; each product `productUpdate` changes is added to `updated`."""

        def product_update(info: Any, **args: Any) -> dict[str, Any]:
            data = args.get("product") or args.get("input")
            if data is None:
                return {"product": None, "userErrors": [{"field": ["product"], "message": "Product must be specified"}]}
            root = "product" if args.get("product") is not None else "input"
            if not data.get("id"):
                return {
                    "product": None,
                    "userErrors": [{"field": [root, "id"], "message": "Product id must be specified"}],
                }
            number = parse_gid(data["id"], "Product")
            with self.lock:
                p = shop.products.get(number)
                if p is None:
                    return {
                        "product": None,
                        "userErrors": [{"field": [root, "id"], "message": "Product does not exist"}],
                    }
                errors = []
                if "title" in data and not (data["title"] or "").strip():
                    errors.append({"field": [root, "title"], "message": "Title can't be blank"})
                if len(data.get("title") or "") > 255:
                    errors.append(
                        {"field": [root, "title"], "message": "Title is too long (maximum is 255 characters)"}
                    )
                seo = data.get("seo") or {}
                if len(seo.get("title") or "") > 70:
                    errors.append(
                        {"field": [root, "seo", "title"], "message": "SEO title is too long (maximum is 70 characters)"}
                    )
                if len(seo.get("description") or "") > 320:
                    errors.append(
                        {
                            "field": [root, "seo", "description"],
                            "message": "SEO description is too long (maximum is 320 characters)",
                        }
                    )
                if errors:
                    return {"product": None, "userErrors": errors}
                if "title" in data:
                    p["title"] = data["title"]
                if "descriptionHtml" in data:
                    p["descriptionHtml"] = data["descriptionHtml"] or ""
                for key in ("title", "description"):
                    if key in seo:
                        p["seo"][key] = seo[key]
                p["updatedAt"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
                if updated is not None:
                    updated.append(number)
                return {"product": self.product_node(shop, p), "userErrors": []}

        def webhook_subscription_create(info: Any, **args: Any) -> dict[str, Any]:
            topic, given = args["topic"], args["webhookSubscription"]
            self.counts["webhookSubscriptionCreate"] += 1
            uri = str(given.get("uri") or given.get("callbackUrl") or "").strip()
            field_name = ["webhookSubscription", "uri"]
            problem = None
            if not uri:
                problem = "Address can't be blank"
            elif not _webhook_address_ok(uri):
                problem = "Address is invalid"
            elif any(w["topic"] == topic and w["uri"] == uri for w in shop.webhooks.values()):
                problem = "Address for this topic has already been taken"
            if problem:
                return {"webhookSubscription": None, "userErrors": [{"field": field_name, "message": problem}]}
            number = self.new_id()
            created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            with self.lock:
                shop.webhooks[number] = {"id": number, "topic": topic, "uri": uri, "createdAt": created}
            return {"webhookSubscription": self.webhook_node(shop.webhooks[number]), "userErrors": []}

        def app_subscription_create(info: Any, **args: Any) -> dict[str, Any]:
            items = args.get("lineItems") or []
            if not items:
                return {
                    "appSubscription": None,
                    "confirmationUrl": None,
                    "userErrors": [{"field": ["lineItems"], "message": "Line items can't be blank"}],
                }
            for item in items:
                recurring = (item.get("plan") or {}).get("appRecurringPricingDetails")
                if recurring is not None and float(recurring["price"]["amount"]) <= 0:
                    return {
                        "appSubscription": None,
                        "confirmationUrl": None,
                        "userErrors": [
                            {"field": ["lineItems", "plan", "price"], "message": "Price must be greater than 0"}
                        ],
                    }
            number = self.new_id()
            sub = {
                "__typename": "AppSubscription",
                "id": gid("AppSubscription", number),
                "name": args["name"],
                "status": "PENDING",
                "test": bool(args.get("test")),
                "returnUrl": args["returnUrl"],
                "createdAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "trialDays": args.get("trialDays") or 0,
                "price": float(
                    ((items[0].get("plan") or {}).get("appRecurringPricingDetails") or {})
                    .get("price", {})
                    .get("amount", 0)
                ),
            }
            shop.subscriptions[number] = sub
            url = (
                f"{base_url}/admin/charges/{number}/confirm_recurring_application_charge"
                f"?shop={shop.domain}&signature={secrets.token_hex(8)}"
            )
            return {"appSubscription": sub, "confirmationUrl": url, "userErrors": []}

        def file_update(info: Any, files: list[dict[str, Any]]) -> dict[str, Any]:
            """fileUpdate (https://shopify.dev/docs/api/admin-graphql/latest/mutations/fileUpdate):
            "Requires `write_files` access scope or `write_themes` access scope"; "Files must be in
            `ready` state before they can be updated"; FilesUserError codes FILE_DOES_NOT_EXIST,
            NON_READY_STATE and ALT_VALUE_LIMIT_EXCEEDED ("exceeds the maximum limit of 512
            characters"). A request with any user error changes nothing here."""
            if not {"write_files", "write_themes"} & set(shop.scopes):
                raise GraphQLError(
                    "Access denied for fileUpdate field. Required access: `write_files` access scope or "
                    "`write_themes` access scope. Also: Users must have edit files permissions.",
                    extensions={"code": "ACCESS_DENIED"},
                )
            by_id = {gid("MediaImage", m["id"]): m for p in shop.products.values() for m in p["media"]}
            errors: list[dict[str, Any]] = []
            for index, entry in enumerate(files):
                m = by_id.get(entry.get("id", ""))
                if m is None:
                    errors.append({"field": ["files", str(index), "id"], "code": "FILE_DOES_NOT_EXIST",
                                   "message": f"File id {entry.get('id')} does not exist."})  # fmt: skip
                elif m["status"] != "READY":
                    errors.append({"field": ["files", str(index), "id"], "code": "NON_READY_STATE",
                                   "message": "Non-ready files cannot be updated."})  # fmt: skip
                elif len(entry.get("alt") or "") > 512:
                    errors.append({"field": ["files", str(index), "alt"], "code": "ALT_VALUE_LIMIT_EXCEEDED",
                                   "message": "The alt value exceeds the limit of 512 characters."})  # fmt: skip
            if errors:
                return {"files": None, "userErrors": errors}
            with self.lock:
                for entry in files:
                    if "alt" in entry and entry["alt"] is not None:
                        by_id[entry["id"]]["alt"] = entry["alt"]
            return {"files": [self.media_node(shop, by_id[e["id"]]) for e in files], "userErrors": []}

        return {
            "webhookSubscriptionCreate": webhook_subscription_create,
            "productUpdate": product_update,
            "appSubscriptionCreate": app_subscription_create,
            "fileUpdate": file_update,
        }

    def token_shop(self, request: Request) -> str | None:
        entry = self.tokens.get(request.headers.get("x-shopify-access-token", ""))
        if entry is None:
            return None
        domain, expires = entry
        if expires is not None and expires < time.time():
            return None
        if not self.shop(domain).installed:
            return None
        return domain

    async def graphql_endpoint(self, request: Request) -> Response:
        self.counts["graphql"] += 1
        if request.path_params["version"] != API_VERSION:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        fault = self.faults.take()
        if fault is not None:
            return JSONResponse({"errors": "Internal Server Error"}, status_code=fault.status, headers=fault.headers)
        domain = self.token_shop(request)
        if domain is None:
            return JSONResponse({"errors": _INVALID_TOKEN}, status_code=401)
        with self.lock:
            retired = self.retire_on_use.pop(request.headers.get("x-shopify-access-token", ""), None)
            if retired is not None:
                self.refresh_tokens.pop(retired, None)
        shop = self.shop(domain)
        shop.base_url = str(request.base_url)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"errors": "Bad Request: the body is not JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return JSONResponse({"errors": {"query": "Required parameter missing or invalid"}}, status_code=400)
        variables = body.get("variables") or {}
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return JSONResponse({"errors": [exc.formatted]})
        problems = validate(self.schema, document)
        if problems:
            return JSONResponse({"errors": [p.formatted for p in problems]})
        operation = _operation(document, body.get("operationName"))
        if operation is None:
            return JSONResponse({"errors": [{"message": "An operation name is required"}]})
        requested = query_cost(self.schema, document, operation, variables if isinstance(variables, dict) else {})
        with self.lock:
            available = self.bucket(shop, time.monotonic())
            throttle = {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(available),
                "restoreRate": self.restore_rate,
            }
            if requested > MAX_QUERY_COST:
                cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": throttle}
                message = (
                    f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST})."
                )
                return JSONResponse(
                    {
                        "errors": [
                            {
                                "message": message,
                                "extensions": {
                                    "code": "MAX_COST_EXCEEDED",
                                    "cost": requested,
                                    "maxCost": MAX_QUERY_COST,
                                },
                            }
                        ],
                        "extensions": {"cost": cost},
                    }
                )
            if requested > available:
                self.counts["throttled"] += 1
                cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": throttle}
                return JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                                },
                            }
                        ],
                        "extensions": {"cost": cost},
                    }
                )
            shop.available -= requested
            throttle["currentlyAvailable"] = int(shop.available)
        is_mutation = operation.operation == OperationType.MUTATION
        updated: list[int] = []
        base = str(request.base_url).rstrip("/")
        root = self.mutation_root(shop, base, updated) if is_mutation else self.query_root(shop)
        result = execute_sync(
            self.schema, document, root_value=root, variable_values=variables, operation_name=body.get("operationName")
        )
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        out["extensions"] = {
            "cost": {"requestedQueryCost": requested, "actualQueryCost": requested, "throttleStatus": throttle}
        }
        changed = [shop.products[n] for n in dict.fromkeys(updated) if n in shop.products]
        background = BackgroundTask(self.notify, shop, "PRODUCTS_UPDATE", changed) if changed else None
        return JSONResponse(out, background=background)

    async def access_token(self, request: Request) -> JSONResponse:
        self.counts["access_token"] += 1
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "invalid_request"}, status_code=400)
        else:
            body = dict(await request.form())
        if not isinstance(body, dict):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.api_secret:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client credentials are invalid"}, status_code=401
            )
        grant = body.get("grant_type")
        if (
            grant == shopify_auth.TOKEN_EXCHANGE_GRANT
            and body.get("subject_token_type") == shopify_auth.OFFLINE_TOKEN_TYPE
        ):
            return self.migrate(body)
        if grant == shopify_auth.TOKEN_EXCHANGE_GRANT:
            if body.get("subject_token_type") != shopify_auth.ID_TOKEN_TYPE:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "Unsupported subject_token_type"}, status_code=400
                )
            if body.get("requested_token_type") != shopify_auth.OFFLINE_TOKEN_TYPE:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "Unsupported requested_token_type"},
                    status_code=400,
                )
            try:
                session = shopify_auth.verify_session_token(
                    str(body.get("subject_token") or ""), api_key=self.api_key, api_secret=self.api_secret
                )
            except Unauthorized as exc:
                return JSONResponse(
                    {"error": "invalid_subject_token", "error_description": exc.message}, status_code=400
                )
            shop = self.shop(session.shop)
            shop.installed = True
            return JSONResponse(self.issue(session.shop, expiring=str(body.get("expiring")) == "1"))
        if grant == "refresh_token":
            spent = str(body.get("refresh_token") or "")
            with self.lock:
                entry = self.refresh_tokens.get(spent)
            if entry is None or entry[1] < time.time() or not self.shop(entry[0]).installed:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "The refresh token is invalid or expired"},
                    status_code=400,
                )
            issued = self.issue(entry[0], expiring=True)
            with self.lock:
                self.retire_on_use[issued["access_token"]] = spent
            return JSONResponse(issued)
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    def migrate(self, body: dict[str, Any]) -> JSONResponse:
        """A non-expiring offline token exchanged for an expiring pair
        (https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens):
        the old token stops working at once; a retry with it within seven days returns the same
        pair until that pair is refreshed
        (https://shopify.dev/changelog/more-resilient-token-exchanges-when-migrating-tokens-without-a-user-session)."""
        subject = str(body.get("subject_token") or "")
        if body.get("requested_token_type") != shopify_auth.OFFLINE_TOKEN_TYPE or str(body.get("expiring")) != "1":
            return JSONResponse(
                {"error": "invalid_request", "error_description": "Only expiring offline tokens can be requested"},
                status_code=400,
            )
        with self.lock:
            earlier = self.migrated.get(subject)
            if earlier is not None and earlier[1] > time.time() and earlier[0]["refresh_token"] in self.refresh_tokens:
                return JSONResponse(earlier[0])
            entry = self.tokens.get(subject)
            if entry is None or entry[1] is not None or not self.shop(entry[0]).installed:
                return JSONResponse(
                    {"error": "invalid_subject_token", "error_description": "The subject token is invalid"},
                    status_code=400,
                )
            issued = self.issue(entry[0], expiring=True)
            del self.tokens[subject]
            self.migrated[subject] = (issued, time.time() + MIGRATION_RETRY_SECONDS)
        return JSONResponse(issued)

    async def confirm_charge(self, request: Request) -> Response:
        """The page where the owner approves a subscription; approving activates it, tells the
        app by webhook and returns to the app's returnUrl."""
        domain = request.query_params.get("shop", "")
        shop = self.shop(domain)
        sub = shop.subscriptions.get(int(request.path_params["charge_id"]))
        if sub is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        sub["status"] = "ACTIVE"
        if self.app_url:
            await self.deliver(
                f"{self.app_url}/webhooks/shopify",
                "app_subscriptions/update",
                domain,
                self.subscription_payload(domain, sub),
            )
        # Shopify sends the owner to the return URL "decorated" with the charge's id
        # (`decorated_return_url`: `…?charge_id=1029266949`,
        # https://shopify.dev/docs/api/admin-rest/2024-01/resources/recurringapplicationcharge).
        return_url = str(sub["returnUrl"])
        return_url += ("&" if "?" in return_url else "?") + urlencode({"charge_id": request.path_params["charge_id"]})
        base = str(request.base_url).rstrip("/")
        if return_url.startswith(ADMIN_ORIGIN + "/store/"):
            # The sandbox stands in for the Shopify admin too: its pages live on the sandbox's origin.
            return_url = base + return_url.removeprefix(ADMIN_ORIGIN)
        elif return_url.startswith(base + "/admin/apps/"):
            # Shopify knows the shop from its host name; this sandbox serves every shop on one host.
            return_url += ("&" if "?" in return_url else "?") + urlencode({"shop": domain})
        return RedirectResponse(return_url, status_code=302)

    async def admin_app(self, request: Request) -> Response:
        """`https://{shop}/admin/apps/{api key}`: the admin page that frames the app."""
        if request.path_params["api_key"] != self.api_key:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        return RedirectResponse(f"/_sandbox/admin?{urlencode(request.query_params.multi_items())}", status_code=302)

    async def admin_store_app(self, request: Request) -> Response:
        """`https://admin.shopify.com/store/{store handle}/apps/{app handle}`: the app framed in the
        admin (https://shopify.dev/docs/apps/launch/billing/redirect-plan-selection-page); the app
        is known by its handle or its API key."""
        if request.path_params["app"] not in (self.api_key, self.app_handle):
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        shop = request.path_params["store"] + ".myshopify.com"
        # The admin hands the query of its app URL on to the app it frames (the charge_id of a
        # return from billing approval above all).
        forwarded = [(k, v) for k, v in request.query_params.multi_items() if k != "shop"]
        return RedirectResponse(f"/_sandbox/admin?{urlencode([('shop', shop), *forwarded])}", status_code=302)

    def subscription_payload(self, domain: str, sub: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return {
            "app_subscription": {
                "admin_graphql_api_id": sub["id"],
                "name": sub["name"],
                "status": sub["status"],
                "admin_graphql_api_shop_id": gid("Shop", abs(hash(domain)) % 10**9),
                "created_at": sub["createdAt"],
                "updated_at": now,
                "currency": "USD",
                "price": f"{sub['price']:.2f}",
                "interval": "every_30_days",
            }
        }

    async def deliver(
        self,
        url: str,
        topic: str,
        domain: str,
        payload: dict[str, Any],
        webhook_id: str | None = None,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> httpx.Response:
        raw = json.dumps(payload).encode()
        headers = self.webhook_headers(topic, domain, raw, webhook_id=webhook_id, secret=secret, event_id=event_id)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(url, content=raw, headers=headers)

    def webhook_headers(
        self,
        topic: str,
        domain: str,
        raw: bytes,
        *,
        webhook_id: str | None = None,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": shopify_auth.sign_webhook(raw, secret or self.api_secret),
            "X-Shopify-Shop-Domain": domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            # One event id for every delivery of the same event, so a retry repeats it
            # (https://shopify.dev/apps/build/webhooks/ignore-duplicates).
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        }

    async def notify(self, shop: _Shop, topic: str, products: list[dict[str, Any]]) -> None:
        """Deliver `topic` for each product to every subscription of the shop to it: one event
        (one event id) per product, delivered to each address, retried on failure."""
        header_topic = WEBHOOK_TOPICS[topic]
        with self.lock:
            targets = [w["uri"] for w in shop.webhooks.values() if w["topic"] == topic]
            bodies = [json.dumps(rest_product(shop, p)).encode() for p in products]
        sends = []
        for raw in bodies:
            event_id = str(uuid.uuid4())
            for uri in targets:
                headers = self.webhook_headers(header_topic, shop.domain, raw, event_id=event_id)
                sends.append(
                    self.outbox.send(uri, header_topic, raw, headers, store=shop.domain, success=range(200, 300))
                )
        await asyncio.gather(*sends)

    # -- routes that are the sandbox's own, not Shopify's --

    async def session_token(self, request: Request) -> JSONResponse:
        """A session token of `shop` (60 s, HS256 with the app's secret), as App Bridge hands out; with
        `api_key` (the app page's `shopify-api-key` meta), only for this app."""
        domain = request.query_params.get("shop") or "demo-shop.myshopify.com"
        if request.query_params.get("api_key", self.api_key) != self.api_key:
            return JSONResponse({"error": "The shopify-api-key meta tag names another app."}, status_code=400)
        self.shop(domain)
        with self.lock:
            self.counts["session_token"] += 1
        token = shopify_auth.sign_session_token(domain, api_key=self.api_key, api_secret=self.api_secret)
        return JSONResponse({"token": token, "shop": domain})

    async def raw_product(self, request: Request) -> JSONResponse:
        shop = self.shop(request.path_params["shop"])
        p = shop.products.get(int(request.path_params["product_id"]))
        if p is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        if request.method == "PATCH":
            with self.lock:
                p.update(await request.json())
        return JSONResponse({"product": copy.deepcopy(p)})

    async def add_products(self, request: Request) -> JSONResponse:
        """Add `count` products to a shop, as an owner with a larger catalog would have."""
        shop = self.shop(request.path_params["shop"])
        count = int((await request.json()).get("count", 1))
        with self.lock:
            first = max(shop.products) - 8000000000 + 1
            for product, in_collections in more_products(shop.domain, first, count):
                shop.products[product["id"]] = product
                for c in in_collections:
                    shop.collections[c]["product_ids"].append(product["id"])
        return JSONResponse({"products": len(shop.products)})

    async def admin_add_product(self, request: Request) -> Response:
        """`POST /_sandbox/admin/products` `{"store": shop domain, "title", "description"}`: the owner
        adds a product in the admin (an active product with one picture); `products/create` goes to
        the shop's subscriptions after the answer."""
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"errors": "The body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"errors": "The body is not a JSON object"}, status_code=400)
        domain, title = body.get("store"), body.get("title")
        description = body.get("description", "")
        if not isinstance(domain, str) or not shopify_auth.is_shop_domain(domain):
            return JSONResponse({"errors": {"store": ["is not a shop's myshopify.com domain"]}}, status_code=422)
        # "Title can't be blank" (https://shopify.dev/docs/api/admin-graphql/latest/mutations/productCreate).
        if not isinstance(title, str) or not title.strip():
            return JSONResponse({"errors": {"title": ["can't be blank"]}}, status_code=422)
        if not isinstance(description, str):
            return JSONResponse({"errors": {"description": ["is not text"]}}, status_code=422)
        shop = self.shop(domain)
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        with self.lock:
            number = max(shop.products) - 8000000000 + 1
            ((product, _),) = more_products(shop.domain, number, 1)
            product.update(
                title=title.strip(),
                descriptionHtml=description,
                handle=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + f"-{number}",
                seo={"title": None, "description": None},
                createdAt=now,
                updatedAt=now,
            )
            shop.products[product["id"]] = product
        return JSONResponse(
            {"product_id": gid("Product", product["id"])},
            status_code=201,
            background=BackgroundTask(self.notify, shop, "PRODUCTS_CREATE", [product]),
        )

    async def delete_product(self, request: Request) -> Response:
        """The owner deletes a product in the Shopify admin."""
        shop = self.shop(request.path_params["shop"])
        with self.lock:
            found = shop.products.pop(int(request.path_params["product_id"]), None)
            for c in shop.collections:
                c["product_ids"] = [i for i in c["product_ids"] if i in shop.products]
        return Response(status_code=204 if found else 404)

    async def throttle(self, request: Request) -> JSONResponse:
        body = await request.json()
        shop = self.shop(str(body["shop"]))
        with self.lock:
            if body.get("restore_rate") is not None:
                self.restore_rate = float(body["restore_rate"])
            if body.get("maximum_available") is not None:
                self.maximum = float(body["maximum_available"])
            if body.get("available") is not None:
                shop.available, shop.updated = float(body["available"]), time.monotonic()
        return JSONResponse({"available": shop.available, "restore_rate": self.restore_rate})

    async def expire_tokens(self, request: Request) -> JSONResponse:
        with self.lock:
            expiring = {t: (s, 0.0) for t, (s, e) in self.tokens.items() if e is not None}
            self.tokens.update(expiring)
        return JSONResponse({"expired": len(expiring)})

    async def stats(self, request: Request) -> JSONResponse:
        shops = {
            d: {"installed": s.installed, "available": s.available, "subscriptions": list(s.subscriptions.values())}
            for d, s in self.shops.items()
        }
        return JSONResponse({"requests": dict(self.counts), "tokens": len(self.tokens), "shops": shops})

    async def uninstall(self, request: Request) -> JSONResponse:
        """The owner removes the app: tokens die, and `app/uninstalled` goes to the app."""
        domain = request.path_params["shop"]
        shop = self.shop(domain)
        shop.installed = False
        self.revoke(domain)
        with self.lock:
            shop.webhooks.clear()
        status = None
        target = (await request.json() if await request.body() else {}).get("url") or (
            f"{self.app_url}/webhooks/shopify" if self.app_url else ""
        )
        if target:
            res = await self.deliver(
                target,
                "app/uninstalled",
                domain,
                {"id": abs(hash(domain)) % 10**9, "name": domain, "myshopify_domain": domain, "domain": domain},
            )
            status = res.status_code
        return JSONResponse({"uninstalled": domain, "webhook_status": status})

    async def send_webhook(self, request: Request) -> JSONResponse:
        body = await request.json()
        res = await self.deliver(
            str(body["url"]),
            str(body["topic"]),
            str(body["shop"]),
            body.get("payload") or {},
            webhook_id=body.get("webhook_id"),
            secret=body.get("secret"),
            event_id=body.get("event_id"),
        )
        return JSONResponse({"status": res.status_code, "body": res.text[:500]})

    async def app_bridge(self, request: Request) -> Response:
        return Response(APP_BRIDGE_JS.read_bytes(), media_type="text/javascript")

    async def admin(self, request: Request) -> HTMLResponse:
        domain = request.query_params.get("shop") or "demo-shop.myshopify.com"
        self.shop(domain)
        token = shopify_auth.sign_session_token(domain, api_key=self.api_key, api_secret=self.api_secret)
        host = base64.b64encode(f"admin.shopify.com/store/{domain.split('.')[0]}".encode()).decode().rstrip("=")
        forwarded = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "shop"])
        src = f"{self.app_url}/app/shopify?shop={domain}&host={host}&id_token={token}&embedded=1"
        src += f"&{forwarded}" if forwarded else ""
        return HTMLResponse(render_admin_page("shopify_admin.html", src=src, shop=domain))

    async def reset(self, request: Request) -> Response:
        with self.lock:
            self.faults.clear()
            self.counts.clear()
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        return [
            Route("/admin/oauth/access_token", self.access_token, methods=["POST"]),
            Route("/admin/api/{version}/graphql.json", self.graphql_endpoint, methods=["POST"]),
            Route(
                "/admin/charges/{charge_id:int}/confirm_recurring_application_charge",
                self.confirm_charge,
                methods=["GET"],
            ),
            Route("/admin/apps/{api_key}", self.admin_app, methods=["GET"]),
            Route("/store/{store}/apps/{app}", self.admin_store_app, methods=["GET"]),
            Route("/_sandbox/session-token", self.session_token, methods=["GET"]),
            Route("/_sandbox/app-bridge.js", self.app_bridge, methods=["GET"]),
            Route("/_sandbox/shops/{shop}/products/{product_id:int}", self.raw_product, methods=["GET", "PATCH"]),
            Route("/_sandbox/shops/{shop}/products/{product_id:int}", self.delete_product, methods=["DELETE"]),
            Route("/_sandbox/shops/{shop}/products", self.add_products, methods=["POST"]),
            Route("/_sandbox/shops/{shop}/uninstall", self.uninstall, methods=["POST"]),
            Route("/_sandbox/throttle", self.throttle, methods=["POST"]),
            Route("/_sandbox/faults", self.faults.add, methods=["POST"]),
            Route("/_sandbox/tokens/expire", self.expire_tokens, methods=["POST"]),
            Route("/_sandbox/stats", self.stats, methods=["GET"]),
            images.ROUTE,
            Route("/_sandbox/webhooks", self.send_webhook, methods=["POST"]),
            Route("/_sandbox/admin", self.admin, methods=["GET"]),
            Route("/_sandbox/admin/products", self.admin_add_product, methods=["POST"]),
            Route("/_sandbox/webhook-deliveries", self.outbox.listing, methods=["GET"]),
            Route("/_sandbox/reset", self.reset, methods=["POST"]),
        ]

    def app(self) -> Starlette:
        app = Starlette(routes=self.routes())
        app.state.shopify = self
        return app


def _webhook_address_ok(uri: str) -> bool:
    """An https address, or http on loopback (the sandbox's one allowance, for tests and the demo)."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def rest_product(shop: _Shop, p: dict[str, Any]) -> dict[str, Any]:
    """The Product resource as products/create and products/update deliver it (REST field names:
    https://shopify.dev/docs/api/webhooks?reference=graphql), for the sandbox's product `p`."""
    pictures = [
        {
            "id": m["id"],
            "product_id": p["id"],
            "position": index,
            "alt": m["alt"] or None,
            "src": images.url(shop.base_url, m["file"]),
            "admin_graphql_api_id": gid("ProductImage", m["id"]),
        }
        for index, m in enumerate(p["media"], start=1)
    ]
    return {
        "admin_graphql_api_id": gid("Product", p["id"]),
        "body_html": p["descriptionHtml"],
        "created_at": p["createdAt"],
        "handle": p["handle"],
        "id": p["id"],
        "product_type": p["productType"],
        "published_at": p["createdAt"],
        "template_suffix": None,
        "title": p["title"],
        "updated_at": p["updatedAt"],
        "vendor": p["vendor"],
        "status": "active",
        "published_scope": "global",
        "tags": ", ".join(p["tags"]),
        "variants": [],
        "options": [],
        "images": pictures,
        "image": pictures[0] if pictures else None,
        "media": [],
        "variant_gids": [],
        "has_variants_that_requires_components": False,
        "category": None,
    }


def create_shopify_sandbox(
    *,
    api_key: str,
    api_secret: str,
    app_url: str = "",
    maximum_available: float = 2000.0,
    restore_rate: float = 100.0,
    schema_path: str | None = None,
    app_handle: str = "",
) -> Starlette:
    return ShopifySandbox(
        api_key=api_key,
        api_secret=api_secret,
        app_url=app_url,
        maximum_available=maximum_available,
        restore_rate=restore_rate,
        schema_path=schema_path,
        app_handle=app_handle,
    ).app()
