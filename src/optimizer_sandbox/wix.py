"""A local stand-in for www.wixapis.com: OAuth, Stores Catalog V1 and V3 products, Categories.

It follows Wix's documented behaviour for what the app uses: client-credentials tokens valid
14,400 s with no refresh token, `Authorization` with or without `Bearer`, cursor paging
(`cursorPaging.limit` ≤ 100, `pagingMetadata.cursors.next`), `product.revision` required on
update and bumped by it, Wix's error shape `{message, details: {applicationError|validationError}}`,
and 429 beyond 200 requests a minute per instance with no `Retry-After` or rate-limit header
(https://dev.wix.com/docs/rest/articles/get-started/rate-limits documents none; a fault injected
through `/_sandbox/faults` may still carry one, to test a client that honours it).

Each instance is a site on one catalog (`/_sandbox/instances/{id}/site` sets it before first use):
`V3_CATALOG` (the default, as Wix gives new development sites), `V1_CATALOG`, or
`STORES_NOT_INSTALLED`, reported by Get Catalog Version
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-versioning/get-catalog-version.md).
Every `/stores/v3/` call on a site that is not on V3 answers 428 ("Never use /stores/v3/ endpoints
on a CATALOG_V1 site — they return 428 Precondition Required": wix/skills
`query-products-catalog-v1.md`); no public text says what V1 calls answer on a V3 site, and the
sandbox answers them 428 as well. Query Products filters only on the fields Wix lists for it and
refuses the category filter, which only Search Products takes
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/supported-filters-and-sorting).

Routes under `/_sandbox/` are not Wix's: they let tests and the demo look inside, inject faults,
sign instances and webhooks, and show an admin page that frames the app like the Wix dashboard.

Product webhooks: an app subscribes to webhooks in its app dashboard (Develop → Webhooks: event and
callback URL), never through an API
(https://dev.wix.com/docs/build-apps/develop-your-app/frameworks/self-hosting/webhooks/handle-events-with-webhooks-for-self-hosting-without-the-java-script-sdk.md),
and Wix then sends them for every site the app is installed on. The sandbox holds that
configuration as `webhook_url` (the app's `/webhooks/wix` by default; `PUT /_sandbox/app-webhooks`
changes it, as its developer would) with the product events of both catalogs (`APP_WEBHOOKS`). A
product created in the site's dashboard (`POST /_sandbox/admin/products`) sends Product Created, and
one changed through the API sends Product Updated (V3) or Product Changed (V1), each in its
catalog's form (`notify`).
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from optimizer_app.auth import wix as wix_auth

from . import images
from .admin_pages import render_admin_page
from .faults import Faults
from .webhook_outbox import WebhookOutbox
from .wix_catalog import build_catalog, more_products

TOKEN_TTL = 14_400
MAX_PAGE = 100


SITE_NAME = "Nordwear Outfitters"
V1_CATALOG, V3_CATALOG, STORES_NOT_INSTALLED = "V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED"
# Query Products (V3) filters on these only; the category filter is Search's
# (wix/skills `find-products-query-and-search-catalog-v3.md`, STEP 4).
_QUERY_FILTERS = {"id", "handle", "options.id", "slug", "createdDate", "updatedDate", "visible"}

# The product events the app's dashboard subscribes it to, per catalog: (created, updated). A site
# sends only its own catalog's events (wix/skills `skills/wix-app/references/STORES_VERSIONING.md`:
# "Subscribe to BOTH V1 and V3 webhooks so your app handles every site").
APP_WEBHOOKS = {
    V3_CATALOG: ("wix.stores.catalog.v3.product_created", "wix.stores.catalog.v3.product_updated"),
    V1_CATALOG: ("com.wix.ecommerce.catalog.api.v1.ProductCreated", "com.wix.ecommerce.catalog.api.v1.ProductChanged"),
}
# "A webhook can fail due to a timeout error (1250 ms) or if a 200 status code isn't received. In
# case of failure, up to 12 additional attempts are made", the first a minute later and the last
# 12 hours after the one before (https://dev.wix.com/docs/rest/articles/getting-started/webhook-resend-policy);
# the sandbox retries twice, at once, with the same body.
RETRY_DELAYS = (0.5, 1.0)


@dataclass
class _Instance:
    categories: list[dict[str, Any]]
    products: dict[str, dict[str, Any]]  # insertion order = createdDate order
    requests: deque[float] = field(default_factory=deque)
    instance_id: str = ""
    site_name: str = SITE_NAME
    locale: str = "en"
    catalog_version: str = V3_CATALOG
    billing: dict[str, Any] | None = None


def _error(status: int, message: str, code: str | None = None, **data: Any) -> JSONResponse:
    details: dict[str, Any]
    if code is None:
        details = {"validationError": {"fieldViolations": [{"description": message, **data}]}}
    else:
        details = {"applicationError": {"code": code, "description": message, "data": data}}
    return JSONResponse({"message": message, "details": details}, status_code=status)


def _encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("offset"), int) else None


def _matches(product: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key, cond in flt.items():
        if key == "id":
            if isinstance(cond, dict) and "$in" in cond:
                if product["id"] not in cond["$in"]:
                    return False
            elif isinstance(cond, dict) and "$eq" in cond:
                if product["id"] != cond["$eq"]:
                    return False
            elif product["id"] != cond:
                return False
        elif key in ("allCategoriesInfo.categories", "directCategoriesInfo.categories"):
            wanted: set[str] = set()
            for clause in (cond or {}).get("$matchItems", []):
                inner = clause.get("id", {})
                wanted |= set(inner.get("$in", [])) | ({inner["$eq"]} if "$eq" in inner else set())
            have = {c["id"] for c in product[key.split(".")[0]]["categories"]}
            if not wanted & have:
                return False
        elif key == "visible":
            if product.get("visible") != (cond.get("$eq") if isinstance(cond, dict) else cond):
                return False
        else:
            raise ValueError(f"filter on {key!r} is not supported")
    return True


_DEFAULT_FIELDS = (
    "id",
    "revision",
    "name",
    "slug",
    "visible",
    "createdDate",
    "updatedDate",
    "seoData",
    "brand",
    "ribbon",
)
_FIELD_KEYS = {
    "PLAIN_DESCRIPTION": ("plainDescription",),
    "DIRECT_CATEGORIES_INFO": ("directCategoriesInfo",),
    "ALL_CATEGORIES_INFO": ("allCategoriesInfo",),
    "THUMBNAIL": (),
    "INFO_SECTION": ("infoSections",),
    "INFO_SECTION_PLAIN_DESCRIPTION": ("infoSections",),
    "CURRENCY": ("actualPriceRange",),
}


def _media_item(item: dict[str, Any], base: str) -> dict[str, Any]:
    """A V3 media item as Wix answers it: its Wix Media `id`, the `image` Wix fills in, `altText`."""
    image = {"id": item["id"], "url": images.url(base, item["file"]), "width": 16, "height": 16}
    return {"id": item["id"], "image": image, "altText": item.get("altText")}


def _media(product: dict[str, Any], base: str, with_items: bool) -> dict[str, Any]:
    """`media`: `main` ("automatically set to the first item in the `itemsInfo.items` array",
    read-only) and, only when `fields` asks for MEDIA_ITEMS_INFO, `itemsInfo.items`
    (https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/about-product-media.md)."""
    items = [_media_item(i, base) for i in product["media"]["items"]]
    view: dict[str, Any] = {"main": items[0]} if items else {}
    if with_items:
        view["itemsInfo"] = {"items": items}
    return view


def _project(product: dict[str, Any], fields: list[str], site_url: str, base: str = "") -> dict[str, Any]:
    keep = set(_DEFAULT_FIELDS) | {"actualPriceRange"}
    for f in fields:
        keep |= set(_FIELD_KEYS.get(f, ()))
    view = {k: copy.deepcopy(v) for k, v in product.items() if k in keep and v is not None}
    view["media"] = _media(product, base, "MEDIA_ITEMS_INFO" in fields)
    if "URL" in fields:
        # "The product's public storefront URL, including both relative path and full URL with base
        # domain" (Products V3 `fields` enum, Get Product By Slug: https://dev.wix.com/docs/api-reference/
        # business-solutions/stores/catalog-v3/products-v3/get-product-by-slug), under the Wix Stores
        # product page's `/product-page/` path.
        path = f"/product-page/{product['slug']}"
        view["url"] = {"relativePath": path, "url": site_url + path}
    return view


def site_url(instance_id: str) -> str:
    """The address of a sandbox site (a free Wix site's form: https://<account>.wixsite.com/<site>)."""
    return f"https://sandbox{instance_id.replace('-', '')[:8].lower()}.wixsite.com/nordwear"


def _v1_view(product: dict[str, Any], site: str, base: str = "") -> dict[str, Any]:
    """A product in Catalog V1's shape (Product object of
    https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/query-products):
    HTML `description`, `collectionIds`, `media.mainMedia`, `brand` and `ribbon` as strings, no
    revision, and the page as `productPageUrl` `{base, path}`."""
    price = (product.get("actualPriceRange") or {}).get("minValue") or {}
    view = {
        "id": product["id"],
        "name": product["name"],
        "slug": product["slug"],
        "visible": product["visible"],
        "productType": "physical",
        "description": product.get("plainDescription") or "",
        "price": {
            "currency": "USD",
            "price": float(price.get("amount") or 0),
            "formatted": {"price": price.get("formattedAmount", "")},
        },
        "collectionIds": [c["id"] for c in product["directCategoriesInfo"]["categories"]],
        # V1 `media`: `mainMedia` and `items[] {id, mediaType, image {url, width, height, altText}}`.
        "media": _v1_media(product, base),
        "additionalInfoSections": [
            {"title": s["title"], "description": s["plainDescription"]} for s in product.get("infoSections") or []
        ],
        "seoData": copy.deepcopy(product.get("seoData")),
        "brand": (product.get("brand") or {}).get("name"),
        "ribbon": (product.get("ribbon") or {}).get("name"),
        "createdDate": product["createdDate"],
        "lastUpdated": product["updatedDate"],
        "productPageUrl": {"base": site + "/", "path": f"/product-page/{product['slug']}"},
    }
    return {k: v for k, v in view.items() if v is not None}


def _v1_media(product: dict[str, Any], base: str) -> dict[str, Any]:
    items = [
        {"id": i["id"], "mediaType": "image", "image": {**_media_item(i, base)["image"], "altText": i.get("altText")}}
        for i in product["media"]["items"]
    ]
    return {"mainMedia": items[0] if items else None, "items": items}


def _v1_matches(product: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key, cond in flt.items():
        if key == "id" and isinstance(cond, dict) and "$in" in cond:
            if product["id"] not in cond["$in"]:
                return False
        elif key == "name" and isinstance(cond, dict) and "$startsWith" in cond:
            if not product["name"].casefold().startswith(str(cond["$startsWith"]).casefold()):
                return False
        elif key == "collections.id" and isinstance(cond, dict) and "$hasSome" in cond:
            if not set(cond["$hasSome"]) & {c["id"] for c in product["directCategoriesInfo"]["categories"]}:
                return False
        else:
            raise ValueError(f"filter on {key!r} is not supported")
    return True


Handler = Callable[[Request, _Instance, dict[str, Any]], Awaitable[JSONResponse]]


class WixSandbox:
    """The sandbox's state as attributes and Wix's endpoints as methods; `app()` serves them, and the
    served app reaches it as `app.state.wix`."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        webhook_private_key_pem: str | None = None,
        rate_limit_per_minute: int = 200,
        app_url: str = "",
        webhook_url: str | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.webhook_private_key_pem = webhook_private_key_pem
        self.rate_limit_per_minute = rate_limit_per_minute
        self.app_url = app_url
        self.instances: dict[str, _Instance] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (instance id, expires at)
        self.faults = Faults()
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.base_url = ""  # where this sandbox serves its pictures (the last request's address)
        self.imported = 0  # media items imported from a URL
        self.webhook_url = webhook_url if webhook_url is not None else (f"{app_url}/webhooks/wix" if app_url else "")
        self.outbox = WebhookOutbox(RETRY_DELAYS)

    def instance(self, instance_id: str) -> _Instance:
        with self.lock:
            if instance_id not in self.instances:
                categories, products = build_catalog(instance_id)
                self.instances[instance_id] = _Instance(
                    categories, {p["id"]: p for p in products}, instance_id=instance_id
                )
            return self.instances[instance_id]

    def mint(self, instance_id: str) -> str:
        token = "OauthNG.JWS." + secrets.token_urlsafe(32)
        self.tokens[token] = (instance_id, time.time() + TOKEN_TTL)
        return token

    def expire_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens = {t: (i, 0.0) for t, (i, _) in self.tokens.items()}
        return count

    def authorise(self, request: Request) -> tuple[str | None, JSONResponse | None]:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else header
        entry = self.tokens.get(token)
        if not token or entry is None:
            return None, _error(401, "Invalid access token", "UNAUTHENTICATED")
        instance_id, expires = entry
        if expires < time.time():
            return None, _error(401, "Access token expired", "UNAUTHENTICATED")
        return instance_id, None

    def gate(self, request: Request) -> tuple[_Instance | None, JSONResponse | None]:
        """Auth, faults and the per-instance rate limit, in that order."""
        self.counts[request.url.path] += 1
        fault = self.faults.take(request.url.path)
        if fault is not None:
            response = _error(fault.status, "Injected sandbox fault", "SANDBOX_FAULT")
            response.headers.update(fault.headers)
            return None, response
        instance_id, denied = self.authorise(request)
        if denied is not None or instance_id is None:
            return None, denied
        inst = self.instance(instance_id)
        now = time.monotonic()
        with self.lock:
            while inst.requests and inst.requests[0] <= now - 60:
                inst.requests.popleft()
            if len(inst.requests) >= self.rate_limit_per_minute:
                return None, _error(429, "Too many requests", "TOO_MANY_REQUESTS")
            inst.requests.append(now)
        return inst, None

    def endpoint(self, handler: Handler, catalog: str | None = None) -> Callable[[Request], Awaitable[JSONResponse]]:
        """Gate the request (and, for a catalog's endpoint, refuse a site on the other catalog
        with 428), then hand the handler its instance and JSON body (empty for GET)."""

        async def wrapped(request: Request) -> JSONResponse:
            inst, denied = self.gate(request)
            if denied is not None or inst is None:
                assert denied is not None
                return denied
            if catalog is not None and inst.catalog_version != catalog:
                return _error(
                    428, f"This site's catalog is {inst.catalog_version}, not {catalog}", "CATALOG_VERSION_MISMATCH"
                )
            self.base_url = str(request.base_url)
            body: dict[str, Any] = {}
            if request.method != "GET":
                try:
                    body = await request.json()
                except ValueError:
                    return _error(400, "Request body is not JSON")
                if not isinstance(body, dict):
                    return _error(400, "Request body must be a JSON object")
            return await handler(request, inst, body)

        return wrapped

    async def token(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Request body is not JSON")
        if body.get("grant_type") != "client_credentials":
            return _error(400, "unsupported grant_type", "INVALID_GRANT_TYPE")
        if body.get("client_id") != self.app_id or body.get("client_secret") != self.app_secret:
            return _error(401, "Invalid client credentials", "INVALID_CLIENT")
        instance_id = body.get("instance_id")
        if not instance_id:
            return _error(400, "instance_id must not be empty")
        self.counts["/oauth2/token"] += 1
        self.instance(instance_id)
        return JSONResponse({"access_token": self.mint(instance_id), "token_type": "Bearer", "expires_in": TOKEN_TTL})

    async def token_info(self, request: Request) -> JSONResponse:
        body = await request.json()
        token = str(body.get("token", ""))
        entry = self.tokens.get(token)
        if entry is not None:
            instance_id, expires = entry
            return JSONResponse(
                {
                    "active": str(expires > time.time()).lower(),
                    "subjectType": "APP",
                    "subjectId": self.app_id,
                    "exp": str(int(expires)),
                    "iat": str(int(expires - TOKEN_TTL)),
                    "clientId": self.app_id,
                    "instanceId": instance_id,
                }
            )
        try:
            verified = wix_auth.verify_instance(token, app_id=self.app_id, app_secret=self.app_secret)
        except Exception:
            return JSONResponse({"active": "false"})
        return JSONResponse(
            {
                "active": "true",
                "subjectType": "USER",
                "subjectId": verified.uid,
                "exp": str(int(verified.expires_at.timestamp())) if verified.expires_at else None,
                "iat": str(int(verified.sign_date.timestamp())),
                "clientId": self.app_id,
                "instanceId": verified.instance_id,
            }
        )

    def _page(self, items: list[dict[str, Any]], offset: int, limit: int, extra: dict[str, Any]) -> dict[str, Any]:
        page = items[offset : offset + limit]
        has_next = offset + limit < len(items)
        cursors = {"next": _encode_cursor({**extra, "offset": offset + limit}) if has_next else None}
        if offset:
            cursors["prev"] = _encode_cursor({**extra, "offset": max(0, offset - limit)})
        return {"count": len(page), "cursors": cursors, "hasNext": has_next}

    async def query_products(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        query = body.get("query") or body.get("search") or {}
        paging = query.get("cursorPaging") or {}
        limit = int(paging.get("limit") or 100)
        if not 1 <= limit <= MAX_PAGE:
            return _error(400, f"cursorPaging.limit must be between 1 and {MAX_PAGE}")
        cursor = paging.get("cursor")
        expression = ""
        if cursor:
            if query.get("filter") or query.get("sort"):
                return _error(400, "filter and sort must not be passed with a cursor", "INVALID_CURSOR")
            decoded = _decode_cursor(cursor)
            if decoded is None:
                return _error(400, "invalid cursor", "INVALID_CURSOR")
            flt, expression, offset = decoded.get("filter") or {}, decoded.get("expression", ""), decoded["offset"]
        else:
            flt, offset = query.get("filter") or {}, 0
            if request.url.path.endswith("/search"):
                expression = str((query.get("search") or {}).get("expression") or "")
            elif unknown := sorted(set(flt) - _QUERY_FILTERS):
                return _error(400, f"Query Products cannot filter on {', '.join(unknown)}; use Search Products")
        try:
            items = [p for p in inst.products.values() if _matches(p, flt)]
        except ValueError as exc:
            return _error(400, str(exc))
        if expression:
            needle = expression.casefold()
            items = [p for p in items if needle in (p["name"] + " " + p.get("plainDescription", "")).casefold()]
        fields = body.get("fields") or []
        return JSONResponse(
            {
                "products": [
                    _project(p, fields, site_url(inst.instance_id), self.base_url)
                    for p in items[offset : offset + limit]
                ],
                "pagingMetadata": self._page(items, offset, limit, {"filter": flt, "expression": expression}),
            }
        )

    async def get_product(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        product = inst.products.get(request.path_params["product_id"])
        if product is None:
            return _error(404, "Product not found", "PRODUCT_NOT_FOUND")
        fields = request.query_params.getlist("fields")
        return JSONResponse({"product": _project(product, fields, site_url(inst.instance_id), self.base_url)})

    def _apply_update(self, inst: _Instance, patch: dict[str, Any], path_id: str | None) -> tuple[int, dict[str, Any]]:
        """(status, body) of updating one product, the way Update Product answers."""
        product_id = patch.get("id") or path_id
        if path_id is not None and patch.get("id") not in (None, path_id):
            return 400, {"message": "product.id does not match the path"}
        product = inst.products.get(str(product_id))
        if product is None:
            return 404, {"message": "Product not found", "code": "PRODUCT_NOT_FOUND"}
        revision = patch.get("revision")
        if revision in (None, ""):
            return 400, {"message": "revision must not be empty"}
        if str(revision) != product["revision"]:
            # Wix documents this message, not an error code (wix/skills `update-product-catalog-v3.md`).
            return 409, {"message": "revision mismatch"}
        if "description" in patch and not isinstance(patch["description"], dict):
            return 400, {"message": "description: Expected an object"}
        if "name" in patch and not (isinstance(patch["name"], str) and 1 <= len(patch["name"]) <= 80):
            return 400, {"message": "name must be 1 to 80 characters"}
        if "seoData" in patch and (problem := _seo_data_problem(patch["seoData"])):
            return 400, {"message": problem}
        media: list[dict[str, Any]] | None = None
        if "media" in patch:
            media, problem = self._media_patch(product, patch["media"])
            if problem:
                return 400, {"message": problem}
        for key in ("name", "plainDescription", "seoData", "visible", "slug"):
            if key in patch:
                product[key] = copy.deepcopy(patch[key])
        if media is not None:
            product["media"]["items"] = media
        product["revision"] = str(int(product["revision"]) + 1)
        product["updatedDate"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return 200, {
            "product": _project(product, ["MEDIA_ITEMS_INFO", *_FIELD_KEYS], site_url(inst.instance_id), self.base_url)
        }

    def _media_patch(self, product: dict[str, Any], media: Any) -> tuple[list[dict[str, Any]] | None, str | None]:
        """The gallery a patch's `media.itemsInfo.items` leaves: the array replaces the old one whole
        (an item left out leaves the product), at most 15 items, each by a Wix Media `id` or by an
        external `url`, which Wix imports as a new media item; `altText` as sent (about-product-media.md,
        wix/skills update-product-with-options.md "Update Media Only"). `main` is read-only. A patch
        without `itemsInfo` leaves the gallery as it is."""
        if not isinstance(media, dict) or "main" in media:
            return None, "media.main is read only; set media.itemsInfo.items"
        if "itemsInfo" not in media:
            return None, None
        items = (media.get("itemsInfo") or {}).get("items")
        if not isinstance(items, list) or len(items) > 15:
            return None, "media.itemsInfo.items must be a list of at most 15 items"
        known = {i["id"]: i for i in product["media"]["items"]}
        gallery = []
        for item in items:
            if not isinstance(item, dict) or not (item.get("id") or item.get("url")):
                return None, "each media item needs an id or a url"
            alt = item.get("altText")
            if alt is not None and not isinstance(alt, str):
                return None, "altText must be a string"
            if item.get("id"):
                if item["id"] not in known:
                    return None, f"media item {item['id']} not found"
                gallery.append({**known[item["id"]], "altText": alt})
            else:
                self.imported += 1
                number = self.imported
                gallery.append({"id": f"imported_{number}~mv2.png", "file": f"wix-imported-{number}", "altText": alt})
        return gallery, None

    async def update_product(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        patch = body.get("product")
        if not isinstance(patch, dict):
            return _error(400, "product must not be empty")
        with self.lock:
            status, result = self._apply_update(inst, patch, request.path_params["product_id"])
        if status != 200:
            code = result.get("code")
            return _error(status, result["message"], code) if code else _error(status, result["message"])
        self.notify(inst, result["product"]["id"], created=False, changed=sorted(patch), by_app=True)
        return JSONResponse(result)

    async def bulk_update(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        entries = body.get("products") or []
        if not 1 <= len(entries) <= MAX_PAGE:
            return _error(400, f"products must hold 1 to {MAX_PAGE} items")
        results = []
        with self.lock:
            for index, entry in enumerate(entries):
                status, result = self._apply_update(inst, (entry or {}).get("product") or {}, None)
                meta: dict[str, Any] = {"originalIndex": index, "success": status == 200}
                if status == 200:
                    meta["id"] = result["product"]["id"]
                else:
                    meta["error"] = {"code": result.get("code", "INVALID_ARGUMENT"), "description": result["message"]}
                item = {"itemMetadata": meta}
                if status == 200 and body.get("returnEntity"):
                    item["item"] = result["product"]
                results.append(item)
        for entry, result in zip(entries, results, strict=True):
            if result["itemMetadata"]["success"]:
                patch = (entry or {}).get("product") or {}
                self.notify(inst, result["itemMetadata"]["id"], created=False, changed=sorted(patch), by_app=True)
        ok = sum(1 for r in results if r["itemMetadata"]["success"])
        return JSONResponse(
            {"results": results, "bulkActionMetadata": {"totalSuccesses": ok, "totalFailures": len(results) - ok}}
        )

    async def app_instance(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        """`GET /apps/v1/instance`: the app instance and the site it is installed on."""
        return JSONResponse(
            {
                "instance": {
                    "instanceId": inst.instance_id,
                    "appName": "Optimizer App",
                    "isFree": inst.billing is None,
                    **({"billing": copy.deepcopy(inst.billing)} if inst.billing else {}),
                },
                "site": {
                    "siteDisplayName": inst.site_name,
                    "locale": inst.locale,
                    "paymentCurrency": "USD",
                    "siteId": inst.instance_id,
                },
            }
        )

    async def query_categories(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        tree = body.get("treeReference") or {}
        if tree.get("appNamespace") != "@wix/stores":
            return _error(400, "treeReference.appNamespace must be @wix/stores")
        # Hidden categories only when asked for: `returnNonVisibleCategories` defaults to false
        # (https://dev.wix.com/docs/rest/business-management/categories/query-categories).
        listed = [c for c in inst.categories if c["visible"] or body.get("returnNonVisibleCategories")]
        paging = (body.get("query") or {}).get("cursorPaging") or {}
        limit = int(paging.get("limit") or 100)
        if not 1 <= limit <= MAX_PAGE:
            return _error(400, f"cursorPaging.limit must be between 1 and {MAX_PAGE}")
        offset = 0
        if paging.get("cursor"):
            decoded = _decode_cursor(str(paging["cursor"]))
            if decoded is None:
                return _error(400, "invalid cursor", "INVALID_CURSOR")
            offset = decoded["offset"]
        return JSONResponse(
            {
                "categories": copy.deepcopy(listed[offset : offset + limit]),
                "pagingMetadata": self._page(listed, offset, limit, {}),
            }
        )

    async def catalog_version(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        """`GET /stores/v3/provision/version`: answers on every site, whatever its catalog."""
        return JSONResponse({"catalogVersion": inst.catalog_version})

    async def v1_query_products(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        """Catalog V1 Query Products: offset paging, `filter` a JSON-encoded string."""
        query = body.get("query") or {}
        paging = query.get("paging") or {}
        limit, offset = int(paging.get("limit") or 100), int(paging.get("offset") or 0)
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            return _error(400, f"paging.limit must be between 1 and {MAX_PAGE}")
        raw_filter = query.get("filter") or "{}"
        if not isinstance(raw_filter, str):
            return _error(400, "query.filter must be a JSON-encoded string")
        try:
            flt = json.loads(raw_filter)
            items = [p for p in inst.products.values() if _v1_matches(p, flt)]
        except (ValueError, AttributeError) as exc:
            return _error(400, f"invalid filter: {exc}")
        page = items[offset : offset + limit]
        return JSONResponse(
            {
                "products": [_v1_view(p, site_url(inst.instance_id), self.base_url) for p in page],
                "metadata": {"items": len(page), "offset": offset},
                "totalResults": len(items),
            }
        )

    async def v1_get_product(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        product = inst.products.get(request.path_params["product_id"])
        if product is None:
            return _error(404, "Product not found", "PRODUCT_NOT_FOUND")
        return JSONResponse({"product": _v1_view(product, site_url(inst.instance_id), self.base_url)})

    async def v1_update_product(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        """Catalog V1 Update Product: the fields sent replace the stored ones; `name` at most 80
        characters, `description` at most 8,000 (the V1 Product object's limits)."""
        patch = body.get("product")
        if not isinstance(patch, dict):
            return _error(400, "product must not be empty")
        if "name" in patch and not (isinstance(patch["name"], str) and 1 <= len(patch["name"]) <= 80):
            return _error(400, "name must be 1 to 80 characters")
        if "description" in patch and not (isinstance(patch["description"], str) and len(patch["description"]) <= 8000):
            return _error(400, "description must be a string of at most 8000 characters")
        with self.lock:
            product = inst.products.get(request.path_params["product_id"])
            if product is None:
                return _error(404, "Product not found", "PRODUCT_NOT_FOUND")
            for ours, theirs in (("name", "name"), ("plainDescription", "description"), ("seoData", "seoData")):
                if theirs in patch:
                    product[ours] = copy.deepcopy(patch[theirs])
            product["revision"] = str(int(product["revision"]) + 1)
            product["updatedDate"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            answer = {"product": _v1_view(product, site_url(inst.instance_id), self.base_url)}
        self.notify(inst, product["id"], created=False, changed=sorted(patch), by_app=True)
        return JSONResponse(answer)

    async def v1_query_collections(self, request: Request, inst: _Instance, body: dict[str, Any]) -> JSONResponse:
        paging = (body.get("query") or {}).get("paging") or {}
        limit, offset = int(paging.get("limit") or 50), int(paging.get("offset") or 0)
        if not 1 <= limit <= MAX_PAGE:
            return _error(400, f"paging.limit must be between 1 and {MAX_PAGE}")
        page = inst.categories[offset : offset + limit]
        return JSONResponse(
            {
                "collections": [
                    {
                        "id": c["id"],
                        "name": c["name"],
                        "slug": c["slug"],
                        "visible": c["visible"],
                        "numberOfProducts": c["itemCounter"],
                    }
                    for c in page
                ],
                "metadata": {"items": len(page), "offset": offset},
                "totalResults": len(inst.categories),
            }
        )

    def notify(self, inst: _Instance, product_id: str, *, created: bool, changed: list[str], by_app: bool) -> None:
        """Send the site's catalog's product event to the app's configured webhook URL, as Wix
        sends every webhook: the body an RS256 JWT signed with the app's key (`auth.wix.sign_webhook`,
        https://dev.wix.com/docs/rest/articles/get-started/webhook-structure), its `identity` the
        app for a change through the API and the site owner for one in the dashboard.

        Catalog V3, standardised: `{id, entityFqdn: "wix.stores.catalog.v3.product", slug,
        entityId, eventTime, triggeredByAnonymizeRequest, createdEvent.entityAsJson |
        updatedEvent.currentEntityAsJson}` (webhook-structure; the V3 events' payload names per
        STORES_VERSIONING.md). Catalog V1, legacy: Product Created `{productId, name, price,
        visible, media, sku, productPageUrl, …}` and Product Changed `{productId, changedFields,
        originatedFromVersion}`, without an event id
        (https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/product-created,
        .../product-changed)."""
        if not self.webhook_url or not self.webhook_private_key_pem or inst.catalog_version not in APP_WEBHOOKS:
            return
        topic = APP_WEBHOOKS[inst.catalog_version][0 if created else 1]
        with self.lock:
            product = copy.deepcopy(inst.products[product_id])
        site = site_url(inst.instance_id)
        event_id: str | None = None
        if inst.catalog_version == V3_CATALOG:
            entity = json.dumps(_project(product, ["MEDIA_ITEMS_INFO", "URL", *_FIELD_KEYS], site, self.base_url))
            event_id = str(uuid.uuid4())
            payload: dict[str, Any] = {
                "entityFqdn": "wix.stores.catalog.v3.product",
                "slug": "created" if created else "updated",
                "entityId": product_id,
                "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "triggeredByAnonymizeRequest": False,
                **(
                    {"createdEvent": {"entityAsJson": entity}}
                    if created
                    else {"updatedEvent": {"currentEntityAsJson": entity}}
                ),
            }
        elif created:
            view = _v1_view(product, site, self.base_url)
            keys = ("name", "price", "visible", "media", "productPageUrl")
            payload = {"productId": product_id, **{k: view[k] for k in keys if k in view}, "sku": ""}
        else:
            payload = {"productId": product_id, "changedFields": changed, "originatedFromVersion": V1_CATALOG}
        owner = wix_auth.new_instance_payload(inst.instance_id, self.app_id)["uid"]
        identity = (
            {"identityType": "APP", "appId": self.app_id}
            if by_app
            else {"identityType": "WIX_USER", "wixUserId": owner}
        )
        token = wix_auth.sign_webhook(
            topic,
            inst.instance_id,
            payload,
            private_key_pem=self.webhook_private_key_pem,
            event_id=event_id,
            identity=identity,
        )
        # The JWT is the whole body.
        self.outbox.send_later(
            self.webhook_url,
            topic,
            token.encode(),
            {"Content-Type": "text/plain"},
            store=inst.instance_id,
            success=(200,),
        )

    # -- routes that are the sandbox's own, not Wix's --

    async def admin_add_product(self, request: Request) -> JSONResponse:
        """`POST /_sandbox/admin/products {store, title, description}`: the owner adds a product in
        the site's dashboard (Store Products → New Product): visible, no SEO tags, one picture; the
        app hears of it through its product-created webhook."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"message": "the body must be a JSON object"}, status_code=400)
        instance_id, title, description = body.get("store"), body.get("title"), body.get("description", "")
        if not isinstance(instance_id, str) or not instance_id:
            return JSONResponse({"message": "store must be the site's instance id"}, status_code=400)
        if not (isinstance(title, str) and 1 <= len(title.strip()) <= 80) or not isinstance(description, str):
            return JSONResponse(
                {"message": "title (1 to 80 characters) and description must be strings"}, status_code=400
            )
        inst = self.instance(instance_id)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self.lock:
            product = more_products(inst.instance_id, len(inst.products) + 1000, 1)[0]
            pid = str(uuid.uuid4())
            slug = "-".join(title.lower().split())[:60] or "product"
            product.update(
                id=pid,
                name=title.strip(),
                plainDescription=description,
                slug=f"{slug}-{pid[:6]}",
                createdDate=now,
                updatedDate=now,
                brand=None,
                ribbon=None,
                seoData={"tags": [], "settings": {"preventAutoRedirect": False, "keywords": []}},
            )
            product["media"]["items"] = product["media"]["items"][:1]
            inst.products[pid] = product
        self.notify(inst, pid, created=True, changed=[], by_app=False)
        return JSONResponse({"product_id": pid}, status_code=201)

    async def configure_webhooks(self, request: Request) -> JSONResponse:
        """`PUT /_sandbox/app-webhooks {"url": …}`: the developer sets the callback URL of the app's
        product webhooks in its app dashboard ("" turns them off)."""
        body = await request.json()
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str):
            return JSONResponse({"message": "url must be a string"}, status_code=400)
        self.webhook_url = url
        return JSONResponse({"url": url})

    async def webhook_subscriptions(self, request: Request) -> JSONResponse:
        """`GET /_sandbox/webhook-subscriptions?store=`: the app's configured webhooks as they
        apply to the site: its catalog's product events, to the configured URL."""
        inst = self.instance(request.query_params.get("store") or "demo-site")
        topics = APP_WEBHOOKS.get(inst.catalog_version, ()) if self.webhook_url else ()
        return JSONResponse({"subscriptions": [{"event": t, "url": self.webhook_url} for t in topics]})

    async def raw_product(self, request: Request) -> JSONResponse:
        inst = self.instance(request.path_params["instance_id"])
        product = inst.products.get(request.path_params["product_id"])
        if product is None:
            return JSONResponse({"message": "Product not found"}, status_code=404)
        return JSONResponse({"product": copy.deepcopy(product)})

    async def edit_product(self, request: Request) -> JSONResponse:
        """Change a product as the owner would in the Wix dashboard (bumps the revision); Wix sends
        the app's product-updated webhook for it as for a change through the API, the owner as its
        identity (Product Updated, "triggered when a product is updated":
        https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/product-updated)."""
        inst = self.instance(request.path_params["instance_id"])
        body = await request.json()
        with self.lock:
            product = inst.products[request.path_params["product_id"]]
            product.update(body)
            product["revision"] = str(int(product["revision"]) + 1)
            edited = copy.deepcopy(product)
        self.notify(inst, edited["id"], created=False, changed=sorted(body), by_app=False)
        return JSONResponse({"product": edited})

    async def add_products(self, request: Request) -> JSONResponse:
        """Add `count` products to a site, as an owner with a larger catalog would have."""
        body = await request.json()
        inst = self.instance(request.path_params["instance_id"])
        with self.lock:
            for product in more_products(inst.instance_id, len(inst.products) + 1000, int(body.get("count", 1))):
                inst.products[product["id"]] = product
        return JSONResponse({"products": len(inst.products)})

    async def delete_product(self, request: Request) -> Response:
        """The owner deletes a product in the Wix dashboard."""
        inst = self.instance(request.path_params["instance_id"])
        with self.lock:
            found = inst.products.pop(request.path_params["product_id"], None)
        return Response(status_code=204 if found else 404)

    async def edit_site(self, request: Request) -> JSONResponse:
        """Set a site's name, language, catalog (`catalogVersion`) and paid plan (`billing`, as Get
        App Instance shows it), as its owner and Wix would."""
        body = await request.json()
        inst = self.instance(request.path_params["instance_id"])
        with self.lock:
            inst.site_name = str(body.get("name", inst.site_name))
            inst.locale = str(body.get("locale", inst.locale))
            inst.catalog_version = str(body.get("catalogVersion", inst.catalog_version))
            inst.billing = body.get("billing", inst.billing)
        return JSONResponse(
            {"siteDisplayName": inst.site_name, "locale": inst.locale, "catalogVersion": inst.catalog_version}
        )

    async def add_categories(self, request: Request) -> JSONResponse:
        """Add `count` empty categories (`visible` as given), as an owner with a large tree would have."""
        body = await request.json()
        inst = self.instance(request.path_params["instance_id"])
        with self.lock:
            for _ in range(int(body.get("count", 1))):
                n = len(inst.categories) + 1
                inst.categories.append(
                    {
                        "id": f"sandbox-category-{n}",
                        "name": f"Category {n}",
                        "slug": f"category-{n}",
                        "visible": bool(body.get("visible", True)),
                        "treeReference": {"appNamespace": "@wix/stores", "treeKey": None},
                        "itemCounter": 0,
                    }
                )
        return JSONResponse({"categories": len(inst.categories)})

    async def stats(self, request: Request) -> JSONResponse:
        return JSONResponse({"requests": dict(self.counts), "tokens": len(self.tokens)})

    async def expire(self, request: Request) -> JSONResponse:
        return JSONResponse({"expired": self.expire_tokens()})

    async def signed_instance(self, request: Request) -> JSONResponse:
        instance_id = request.query_params.get("instance_id") or secrets.token_hex(8)
        signed = wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, self.app_id), self.app_secret)
        return JSONResponse({"instance": signed, "instance_id": instance_id})

    async def send_webhook(self, request: Request) -> JSONResponse:
        if not self.webhook_private_key_pem:
            return JSONResponse({"message": "no webhook key configured"}, status_code=400)
        body = await request.json()
        token = wix_auth.sign_webhook(
            body["event_type"],
            body["instance_id"],
            body.get("payload") or {},
            private_key_pem=self.webhook_private_key_pem,
            event_id=body.get("event_id"),
        )
        async with httpx.AsyncClient(timeout=10) as client:
            res = await client.post(body["url"], content=token, headers={"content-type": "text/plain"})
        return JSONResponse({"status": res.status_code, "body": res.text[:500]})

    async def admin(self, request: Request) -> HTMLResponse:
        instance_id = request.query_params.get("instance_id") or "demo-site"
        signed = wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, self.app_id), self.app_secret)
        # Wix frames the app with the dashboard user's language as `locale`; `?locale=` sets it here.
        locale = request.query_params.get("locale") or "en"
        query = urlencode({"instance": signed, "locale": locale, "viewMode": "dashboard"})
        src = f"{self.app_url}/app/wix?{query}"
        site = self.instance(instance_id).site_name
        return HTMLResponse(render_admin_page("wix_admin.html", src=src, site=site, instance_id=instance_id))

    async def reset(self, request: Request) -> Response:
        with self.lock:
            self.faults.clear()
            self.counts.clear()
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        return [
            Route("/oauth2/token", self.token, methods=["POST"]),
            Route("/oauth2/token-info", self.token_info, methods=["POST"]),
            Route("/stores/v3/provision/version", self.endpoint(self.catalog_version), methods=["GET"]),
            Route("/stores/v3/products/query", self.endpoint(self.query_products, V3_CATALOG), methods=["POST"]),
            Route("/stores/v3/products/search", self.endpoint(self.query_products, V3_CATALOG), methods=["POST"]),
            Route("/stores/v3/products/{product_id}", self.endpoint(self.get_product, V3_CATALOG), methods=["GET"]),
            Route(
                "/stores/v3/products/{product_id}", self.endpoint(self.update_product, V3_CATALOG), methods=["PATCH"]
            ),
            Route("/stores/v3/bulk/products/update", self.endpoint(self.bulk_update, V3_CATALOG), methods=["POST"]),
            Route("/stores/v1/products/query", self.endpoint(self.v1_query_products, V1_CATALOG), methods=["POST"]),
            Route("/stores/v1/products/{product_id}", self.endpoint(self.v1_get_product, V1_CATALOG), methods=["GET"]),
            Route(
                "/stores/v1/products/{product_id}", self.endpoint(self.v1_update_product, V1_CATALOG), methods=["PATCH"]
            ),
            Route(
                "/stores/v1/collections/query", self.endpoint(self.v1_query_collections, V1_CATALOG), methods=["POST"]
            ),
            Route("/categories/v1/categories/query", self.endpoint(self.query_categories), methods=["POST"]),
            Route("/apps/v1/instance", self.endpoint(self.app_instance), methods=["GET"]),
            Route("/_sandbox/instances/{instance_id}/products/{product_id}", self.raw_product, methods=["GET"]),
            Route("/_sandbox/instances/{instance_id}/products/{product_id}", self.edit_product, methods=["PATCH"]),
            Route("/_sandbox/instances/{instance_id}/products/{product_id}", self.delete_product, methods=["DELETE"]),
            Route("/_sandbox/instances/{instance_id}/products", self.add_products, methods=["POST"]),
            Route("/_sandbox/instances/{instance_id}/site", self.edit_site, methods=["PATCH"]),
            Route("/_sandbox/instances/{instance_id}/categories", self.add_categories, methods=["POST"]),
            Route("/_sandbox/faults", self.faults.add, methods=["POST"]),
            Route("/_sandbox/stats", self.stats, methods=["GET"]),
            images.ROUTE,
            Route("/_sandbox/tokens/expire", self.expire, methods=["POST"]),
            Route("/_sandbox/instance", self.signed_instance, methods=["GET"]),
            Route("/_sandbox/webhooks", self.send_webhook, methods=["POST"]),
            Route("/_sandbox/admin", self.admin, methods=["GET"]),
            Route("/_sandbox/admin/products", self.admin_add_product, methods=["POST"]),
            Route("/_sandbox/app-webhooks", self.configure_webhooks, methods=["PUT"]),
            Route("/_sandbox/webhook-deliveries", self.outbox.listing, methods=["GET"]),
            Route("/_sandbox/webhook-subscriptions", self.webhook_subscriptions, methods=["GET"]),
            Route("/_sandbox/reset", self.reset, methods=["POST"]),
        ]

    def app(self) -> Starlette:
        app = Starlette(routes=self.routes())
        app.state.wix = self
        return app


def create_wix_sandbox(
    *,
    app_id: str,
    app_secret: str,
    webhook_private_key_pem: str | None = None,
    rate_limit_per_minute: int = 200,
    app_url: str = "",
    webhook_url: str | None = None,
) -> Starlette:
    return WixSandbox(
        app_id=app_id,
        app_secret=app_secret,
        webhook_private_key_pem=webhook_private_key_pem,
        rate_limit_per_minute=rate_limit_per_minute,
        app_url=app_url,
        webhook_url=webhook_url,
    ).app()


def _seo_data_problem(seo: Any) -> str | None:
    """What Wix's SEO schema refuses in `seoData`: `tags` a list of tag objects with a string `type`,
    an object `props`, a string `children` and boolean `custom`/`disabled`; `settings` an object
    (https://dev.wix.com/docs/rest/business-solutions/stores/catalog-v3/products-v3/product-object
    `seoData`, and wix/skills `manage-seo-tags.md` for the tag shape)."""
    if not isinstance(seo, dict):
        return "seoData: Expected an object"
    tags = seo.get("tags", [])
    if not isinstance(tags, list):
        return "seoData.tags: Expected an array"
    for i, tag in enumerate(tags):
        if not isinstance(tag, dict) or not isinstance(tag.get("type"), str) or not tag["type"]:
            return f"seoData.tags[{i}].type must not be empty"
        if not isinstance(tag.get("props", {}), dict):
            return f"seoData.tags[{i}].props: Expected an object"
        if not isinstance(tag.get("children", ""), str):
            return f"seoData.tags[{i}].children: Expected a string"
        if any(not isinstance(tag.get(flag, False), bool) for flag in ("custom", "disabled")):
            return f"seoData.tags[{i}]: custom and disabled must be booleans"
    if not isinstance(seo.get("settings", {}), dict):
        return "seoData.settings: Expected an object"
    return None
