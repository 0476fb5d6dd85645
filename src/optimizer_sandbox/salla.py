"""A local stand-in for Salla: accounts.salla.sa OAuth, the Merchant API admin/v2, and the
embedded-token introspection, served from one origin.

Behaviour follows Salla's documentation for what the app uses: the `{status, success, data}`
envelope with `pagination` (`per_page` ≤ 60, camelCase keys), errors as
`{status, success: false, error: {code, message, fields}}`, tokens whose `expires` is an absolute
Unix time, single-use refresh tokens (reusing one answers `invalid_grant` and revokes the pair),
and a per-store leaky bucket announced in `X-RateLimit-Limit/Remaining/Reset` with `Retry-After`
on 429. Routes under `/_sandbox/` are the sandbox's own; `/_sandbox/events` sends the app the
subscription, trial and add-on events in their documented shape (see `billing_event`).

Store webhooks: a store's subscriptions are registered with Register Webhook and listed with List
Webhooks (`webhook_routes`); a product created in the merchant dashboard
(`POST /_sandbox/admin/products`) sends `product.created`, and a product changed through the
Merchant API sends `product.updated`, to every subscription of that store and event (`notify`).
"""

from __future__ import annotations

import copy
import json
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from optimizer_app.auth.salla import sign_body

from . import images
from .admin_pages import render_admin_page
from .faults import Faults
from .webhook_outbox import WebhookOutbox

ACCESS_TTL = 14 * 24 * 3600
EMBEDDED_TTL = 300

_CATEGORIES = [
    ("ملابس", "Clothing"),
    ("عطور", "Perfumes"),
    ("القهوة", "Coffee"),
    ("المنزل", "Home"),
    ("الهدايا", "Gifts"),
]
_PRODUCTS = {
    "ملابس": ["ثوب رجالي قطن", "عباية سوداء كلاسيكية", "شماغ أحمر", "جاكيت شتوي", "قميص كتان"],
    "عطور": ["عطر العود الملكي", "دهن عود كمبودي", "بخور معطر", "عطر الورد الطائفي", "مسك أبيض"],
    "القهوة": ["قهوة عربية شقراء", "هيل حب", "دلة قهوة نحاسية", "تمر سكري فاخر", "فناجين قهوة"],
    "المنزل": ["سجادة صلاة", "فانوس رمضان", "مبخرة خشبية", "وسادة مطرزة", "مفرش طاولة"],
    "الهدايا": ["صندوق هدايا فاخر", "سبحة كهرمان", "ساعة جدارية", "قلم فاخر", "محفظة جلد"],
}
_DESCRIPTIONS = [
    "<p>{name} بجودة عالية.</p>",
    "<p>{name}</p><ul><li>صناعة يدوية</li><li>شحن سريع</li></ul>",
    "",
    "{name} - أفضل سعر!!!",
    "<p>{name} made with care.</p>",
]


@dataclass
class _Store:
    merchant: str
    products: dict[str, dict[str, Any]]
    categories: list[dict[str, Any]]
    level: float = 0.0
    last_leak: float = field(default_factory=time.monotonic)
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # as Register Webhook answers them


def _seed(merchant: str) -> _Store:
    rng = random.Random(merchant)
    categories: list[dict[str, Any]] = [
        {"id": 1000 + i, "name": ar, "name_en": en} for i, (ar, en) in enumerate(_CATEGORIES)
    ]
    products: dict[str, dict[str, Any]] = {}
    n = 0
    for round_ in range(3):
        for category in categories:
            for name in _PRODUCTS[str(category["name"])]:
                n += 1
                full = name if round_ == 0 else f"{name} {('الإصدار الفاخر', 'حجم كبير')[round_ - 1]}"
                pid = str(800000 + n)
                has_seo = rng.random() < 0.2
                products[pid] = {
                    "id": int(pid),
                    "sku": f"SKU-{pid}",
                    "name": full,
                    "description": rng.choice(_DESCRIPTIONS).format(name=full),
                    "price": {"amount": round(rng.uniform(20, 900), 2), "currency": "SAR"},
                    "status": "sale",
                    # Product Details' `images[] {id, url, main, three_d_image_url, alt, video_url,
                    # type, sort}` (`url` and `main_image` are built per answer, where the sandbox
                    # serves the picture `file`): 1 to 3 pictures.
                    "images": [
                        {"id": int(pid) * 10 + k, "file": f"salla-{pid}-{k}", "alt": "", "sort": k}
                        for k in range(1, 2 + n % 3)
                    ],
                    # The product's page and its dashboard page, as Product Details shows them
                    # (https://docs.salla.dev/docs/doc-422988/s.salla.sa/doc-421412/api-5394169).
                    "url": f"https://salla.sa/sandbox-{merchant}/p{pid}",
                    "urls": {
                        "customer": f"https://salla.sa/sandbox-{merchant}/p{pid}",
                        "admin": f"https://s.salla.sa/products/{pid}",
                    },
                    "categories": [{"id": category["id"], "name": category["name"]}],
                    "metadata": {
                        "title": f"{full} | متجر التجربة" if has_seo else None,
                        "description": f"اشتري {full} الآن" if has_seo else None,
                        "url": f"https://salla.sa/sandbox/p{pid}",
                    },
                }
    return _Store(merchant=merchant, products=products, categories=categories)


def _product(merchant: str, pid: str, name: str, description: str) -> dict[str, Any]:
    """A product as the merchant dashboard creates it: on sale, uncategorised, one picture and no
    SEO text (the same record `_seed` keeps)."""
    return {
        "id": int(pid),
        "sku": f"SKU-{pid}",
        "name": name,
        "description": description,
        "price": {"amount": 100.0, "currency": "SAR"},
        "status": "sale",
        "images": [{"id": int(pid) * 10 + 1, "file": f"salla-{pid}-1", "alt": "", "sort": 1}],
        "url": f"https://salla.sa/sandbox-{merchant}/p{pid}",
        "urls": {
            "customer": f"https://salla.sa/sandbox-{merchant}/p{pid}",
            "admin": f"https://s.salla.sa/products/{pid}",
        },
        "categories": [],
        "metadata": {"title": None, "description": None, "url": f"https://salla.sa/sandbox/p{pid}"},
    }


# The store events a store can subscribe to (List Events, https://docs.salla.dev/5394136e0.md: one
# entry per event); the sandbox lists those of products (https://docs.salla.dev/433805m0.md) and the
# two order events most apps take, and sends only the product ones.
WEBHOOK_EVENTS = (
    ("product.created", "Product Created"),
    ("product.updated", "Product Updated"),
    ("product.deleted", "Product Deleted"),
    ("product.available", "Product Available"),
    ("product.quantity.low", "Product Quantity Low"),
    ("order.created", "Order Created"),
    ("order.updated", "Order Updated"),
)
# Salla resends a failed delivery 3 times about 5 minutes apart and takes only 200 or 201 as
# received (https://docs.salla.dev/421119m0.md, as SallaApp/salla-partners-agent-kit
# `.agents/skills/salla-webhooks/references/operations.md` quotes it); the sandbox retries twice, at
# once, with the same body.
RETRY_DELAYS = (0.5, 1.0)


# Salla's translatable product fields: a value per language, Arabic the store's default. A body is
# written in its Content-Language and read in the Accept-Language
# (https://docs.salla.dev/421122m0.md; List Products: "translate-able by the Header Values, such as
# ACCEPT-LANGUAGE & CONTENT-LANGUAGE"); a language without its own value reads the default one.
DEFAULT_LANGUAGE = "ar"
_TRANSLATED = ("name", "description", "metadata_title", "metadata_description")


def _language(request: Request, header: str) -> str:
    return (request.headers.get(header) or DEFAULT_LANGUAGE).split(",")[0].split(";")[0].strip().lower()


def _in_language(product: dict[str, Any], language: str) -> dict[str, Any]:
    """The product as read in `language` (without the sandbox's own `translations` record)."""
    shown = copy.deepcopy({k: v for k, v in product.items() if k != "translations"})
    values = product.get("translations", {}).get(language, {})
    for key in ("name", "description"):
        if key in values:
            shown[key] = values[key]
    if "metadata_title" in values:
        shown["metadata"]["title"] = values["metadata_title"]
    if "metadata_description" in values:
        shown["metadata"]["description"] = values["metadata_description"]
    return shown


def _ok(data: Any, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": status, "success": True, "data": data, **extra}, status_code=status)


def _fail(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return JSONResponse({"status": status, "success": False, "error": error}, status_code=status)


def dashboard_url(server_url: str) -> str:
    """The sandbox's address as its merchant dashboard must be opened: on `localhost`, because the
    embedded SDK, built for production, takes the host's messages only from Salla's own origins and
    localhost (@salla.sa/embedded-sdk 0.2.5, dist/esm/index.js: the allowed-origin list)."""
    return server_url.replace("://127.0.0.1:", "://localhost:")


SUBSCRIPTION_EVENTS = (
    "app.subscription.started",
    "app.subscription.renewed",
    "app.subscription.canceled",
    "app.subscription.expired",
    "app.trial.started",
    "app.trial.expired",
    "app.trial.canceled",
)


def billing_event(
    event: str, merchant: int, *, plan_name: str, item_type: str = "plan", item_slug: str | None = None, months: int = 1
) -> dict[str, Any]:
    """A subscription, trial or add-on event as Salla sends it (https://docs.salla.dev/421413m0.md,
    quoted by SallaApp/salla-partners-agent-kit `.agents/skills/salla-app-billing/references/
    subscription-events.md` and `.agents/skills/salla-app-lifecycle/references/lifecycle-payloads.md`):
    plans carry `item_slug: null` and the portal's plan name in `plan_name`; add-ons share the
    events with `item_type: "addon"` and their slug; a trial is a zero-price `once` plan whose
    `plan_name` is the placeholder "trail"."""
    trial = event.startswith("app.trial.")
    once = trial or item_type == "addon"
    start = date.today()
    end = start + timedelta(days=7 if trial else 30 * months)
    price = 0 if trial else 20 * months
    tax = price * 15 // 100
    return {
        "event": event,
        "merchant": merchant,
        "created_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "data": {
            "subscription_id": 10**8 + secrets.randbelow(9 * 10**8),
            "item_type": item_type,
            "item_slug": item_slug if item_type == "addon" else None,
            "plan_name": "trail" if trial else plan_name,
            "plan_type": "once" if once else "recurring",
            "plan_period": None if once else str(months),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "renew_date": end.isoformat(),
            "price": price,
            "tax": tax,
            "total": price + tax,
            "initialization_cost": 0,
            "coupon": None,
            "quantity": 1,
            "features": [],
            "store_type": "development",
        },
    }


class SallaSandbox:
    """The sandbox's state as attributes and Salla's endpoints as methods; `app()` serves them, and the
    served app reaches it as `app.state.salla`."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        webhook_secret: str = "",
        rate_limit_per_minute: int = 120,
        app_url: str = "",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_secret = webhook_secret
        self.rate_limit = rate_limit_per_minute
        self.app_url = app_url
        self.stores: dict[str, _Store] = {}
        self.access: dict[str, tuple[str, float]] = {}  # access token -> (merchant, expires)
        self.refresh: dict[str, tuple[str, str]] = {}  # live refresh token -> (merchant, its access token)
        self.spent_refresh: dict[str, str] = {}  # used refresh token -> merchant
        self.codes: dict[str, str] = {}
        self.embedded: dict[str, tuple[str, float]] = {}
        self.faults = Faults()
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.base_url = ""  # where this sandbox serves its pictures (the last request's address)
        self.uploads = 0  # pictures replaced through Update Image
        self.outbox = WebhookOutbox(RETRY_DELAYS)
        self.webhook_ids = 0

    def store(self, merchant: str) -> _Store:
        with self.lock:
            if merchant not in self.stores:
                self.stores[merchant] = _seed(merchant)
            return self.stores[merchant]

    def issue(self, merchant: str, *, ttl: int = ACCESS_TTL) -> dict[str, Any]:
        access, refresh = "sa_" + secrets.token_urlsafe(24), "sr_" + secrets.token_urlsafe(24)
        expires = time.time() + ttl
        self.access[access] = (merchant, expires)
        self.refresh[refresh] = (merchant, access)
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires": int(expires),
            "refresh_token": refresh,
            "scope": "offline_access products.read_write categories.read webhooks.read_write",
        }

    def gate(self, request: Request) -> tuple[_Store | None, JSONResponse | None, dict[str, str]]:
        path = request.url.path
        self.counts[path] = self.counts.get(path, 0) + 1
        if (fault := self.faults.take(path)) is not None:
            response = _fail(fault.status, "sandbox_fault", "Injected sandbox fault")
            response.headers.update(fault.headers)
            return None, response, {}
        self.base_url = str(request.base_url)
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        entry = self.access.get(token)
        if entry is None or entry[1] < time.time():
            return None, _fail(401, "unauthorized", "The access token is invalid"), {}
        shop = self.store(entry[0])
        now = time.monotonic()
        with self.lock:
            # Leaky bucket: holds `rate_limit` requests, drains one a second.
            shop.level = max(0.0, shop.level - (now - shop.last_leak))
            shop.last_leak = now
            reset = int(time.time() + shop.level)
            if shop.level + 1 > self.rate_limit:
                wait = shop.level + 1 - self.rate_limit
                headers = {
                    "X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(reset),
                    "Retry-After": str(max(1, round(wait))),
                }
                response = _fail(429, "too_many_requests", "Too Many Attempts.")
                response.headers.update(headers)
                return None, response, {}
            shop.level += 1
            remaining = int(self.rate_limit - shop.level)
        return (
            shop,
            None,
            {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset),
            },
        )

    def paged(self, items: list[dict[str, Any]], request: Request, headers: dict[str, str]) -> JSONResponse:
        try:
            page = int(request.query_params.get("page", "1"))
            per_page = int(request.query_params.get("per_page", "15"))
        except ValueError:
            return _fail(422, "validation_failed", "alert.invalid_fields", {"page": ["must be an integer"]})
        if not 1 <= per_page <= 60:
            return _fail(422, "validation_failed", "alert.invalid_fields", {"per_page": ["must be 1 to 60"]})
        total_pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        pagination = {
            "count": len(chunk),
            "total": len(items),
            "perPage": per_page,
            "currentPage": page,
            "totalPages": total_pages,
            "links": {"next": f"?page={page + 1}"} if page < total_pages else {},
        }
        response = _ok(copy.deepcopy(chunk), pagination=pagination)
        response.headers.update(headers)
        return response

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                merchant = self.codes.pop(str(form.get("code")), None)
                if merchant is None:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                return JSONResponse(self.issue(merchant))
            if grant == "refresh_token":
                refresh = str(form.get("refresh_token"))
                self.counts["refresh"] = self.counts.get("refresh", 0) + 1
                live = self.refresh.pop(refresh, None)
                if live is None:
                    merchant = self.spent_refresh.get(refresh)
                    if merchant is not None:  # reuse: Salla revokes every token of the pair
                        for t in [t for t, (m, _) in self.access.items() if m == merchant]:
                            del self.access[t]
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                merchant, old_access = live
                self.spent_refresh[refresh] = merchant
                self.access.pop(old_access, None)
                return JSONResponse(self.issue(merchant))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def user_info(self, request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        entry = self.access.get(header[7:] if header.lower().startswith("bearer ") else "")
        if entry is None or entry[1] < time.time():
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        merchant = entry[0]
        # The documented answer wraps the user in Salla's usual envelope:
        # https://docs.salla.dev/9466620e0 ({"status": 200, "success": true, "data": {…, "merchant": {…}}}).
        return JSONResponse(
            {
                "status": 200,
                "success": True,
                "data": {
                    "id": 1,
                    "name": "صاحب المتجر",
                    "email": "owner@example.sa",
                    "mobile": "+966500000000",
                    "role": "user",
                    "created_at": "2024-01-01 10:00:00",
                    "merchant": {
                        "id": int(merchant),
                        "username": f"store{merchant}",
                        "name": "متجر التجربة",
                        "avatar": "",
                        "store_location": "26.2716,50.2144",
                        "plan": "pro",
                        "status": "active",
                        "domain": f"https://salla.sa/store{merchant}",
                        "created_at": "2024-01-01 10:00:00",
                    },
                },
            }
        )

    async def introspect(self, request: Request) -> JSONResponse:
        if request.headers.get("s-source") != self.client_id:
            return _fail(403, "forbidden", "Unknown app")
        body = await request.json()
        entry = self.embedded.get(str(body.get("token", "")))
        if entry is None or entry[1] < time.time():
            return _fail(401, "unauthorized", "Invalid or expired token")
        return _ok({"merchant_id": int(entry[0]), "user_id": 1, "exp": int(entry[1])})

    async def list_products(self, request: Request) -> JSONResponse:
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        language = _language(request, "accept-language")
        items = [self.view(p, language) for p in shop.products.values()]
        keyword = request.query_params.get("keyword")
        if keyword:
            items = [p for p in items if keyword.casefold() in (p["name"] + p["description"]).casefold()]
        category = request.query_params.get("category")
        if category:
            items = [p for p in items if any(str(c["id"]) == category for c in p["categories"])]
        return self.paged(items, request, headers)

    async def get_product(self, request: Request) -> JSONResponse:
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        product = shop.products.get(request.path_params["product_id"])
        if product is None:
            return _fail(404, "not_found", "The product was not found")
        response = _ok(self.view(product, _language(request, "accept-language")))
        response.headers.update(headers)
        return response

    async def update_product(self, request: Request) -> JSONResponse:
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        product = shop.products.get(request.path_params["product_id"])
        if product is None:
            return _fail(404, "not_found", "The product was not found")
        body = await request.json()
        if "name" in body and not (isinstance(body["name"], str) and body["name"].strip()):
            return _fail(422, "validation_failed", "alert.invalid_fields", {"name": ["The name field is required."]})
        language = _language(request, "content-language")
        with self.lock:
            if language != DEFAULT_LANGUAGE:
                translation = product.setdefault("translations", {}).setdefault(language, {})
                translation.update({key: body[key] for key in _TRANSLATED if key in body})
            else:
                for key in ("name", "description"):
                    if key in body:
                        product[key] = body[key]
                if "metadata_title" in body:
                    product["metadata"]["title"] = body["metadata_title"]
                if "metadata_description" in body:
                    product["metadata"]["description"] = body["metadata_description"]
            response = _ok(self.view(product, language), status=201)
        self.notify(shop, "product.updated", product)
        response.headers.update(headers)
        return response

    def view(self, product: dict[str, Any], language: str) -> dict[str, Any]:
        """A product as Product Details answers it, in `language`, with its images' addresses."""
        shown = _in_language(product, language)
        shown["images"] = [
            {
                "id": i["id"],
                "url": images.url(self.base_url, i["file"]),
                "main": n == 0,
                "three_d_image_url": "",
                "alt": i["alt"],
                "video_url": "",
                "type": "image",
                "sort": i["sort"],
            }
            for n, i in enumerate(product["images"])
        ]
        shown["main_image"] = shown["images"][0]["url"] if shown["images"] else None
        return shown

    async def update_image(self, request: Request) -> JSONResponse:
        """Update Image, `POST /products/images/{image-id}`, multipart/form-data: `photo` (a file or
        a URL; the docs mark it required), `default`, `sort`, `alt`; "You can only update one image
        per request"; 201 with `{id, image, sort, default, alt_seo, video_url, type}`
        (https://docs.salla.dev/docs/merchant/doc-422688/doc-422610/doc-422988/doc-421412/api-5394188).
        A `photo` that is the image's own address keeps the picture; another one replaces it
        (an assumption to check on a demo store: the docs do not say)."""
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        try:
            form = await request.form()
        except (AssertionError, ValueError):
            return _fail(422, "validation_failed", "alert.invalid_fields", {"photo": ["The photo field is required."]})
        photo, alt = form.get("photo"), form.get("alt")
        if photo is None or (isinstance(photo, str) and not photo.strip()):
            return _fail(422, "validation_failed", "alert.invalid_fields", {"photo": ["The photo field is required."]})
        if alt is not None and not isinstance(alt, str):
            return _fail(422, "validation_failed", "alert.invalid_fields", {"alt": ["The alt must be a string."]})
        image_id = request.path_params["image_id"]
        with self.lock:
            found = next((i for p in shop.products.values() for i in p["images"] if str(i["id"]) == image_id), None)
            if found is None:
                return _fail(404, "not_found", "The image was not found")
            if not (isinstance(photo, str) and photo == images.url(self.base_url, found["file"])):
                self.uploads += 1
                found["file"] = f"salla-upload-{self.uploads}"
            if alt is not None:
                found["alt"] = alt
            url = images.url(self.base_url, found["file"])
            owner = next(p for p in shop.products.values() if found in p["images"])
        # The docs do not say which endpoints send product.updated; a picture's new alt text is a
        # change of the product as the dashboard shows it, so the sandbox sends it here too.
        self.notify(shop, "product.updated", owner)
        sizes = {"url": url, "width": 16, "height": 16}
        body = {
            "id": found["id"],
            "image": {"original": sizes, "standard_resolution": sizes, "low_resolution": sizes, "thumbnail": sizes},
            "sort": found["sort"],
            "default": found["sort"] == 1,
            "alt_seo": found["alt"],
            "video_url": "",
            "type": "image",
        }
        response = _ok(body, status=201)
        response.headers.update(headers)
        return response

    def notify(self, shop: _Store, event: str, product: dict[str, Any]) -> None:
        """Send `event` about `product` to the store's subscriptions to it, signed as Salla signs
        with the Signature strategy: `X-Salla-Signature`, the hex HMAC-SHA256 of the raw body with
        the app's webhook secret, and `X-Salla-Security-Strategy: Signature`, the default for
        Partner Apps and for a webhook registered without a strategy
        (https://docs.salla.dev/421119m0.md); plus the subscription's own `headers`. The body is the
        Product webhook events model, `{event, merchant, created_at, data}` with the product in
        `data` (https://docs.salla.dev/433805m0.md)."""
        with self.lock:
            hooks = [h for h in shop.webhooks if h["event"] == event]
            data = self.view(product, DEFAULT_LANGUAGE)
        if not hooks:
            return
        payload = {
            "event": event,
            "merchant": int(shop.merchant),
            # The documented example's form: "Mon Apr 17 2023 12:14:21 GMT+0300".
            "created_at": time.strftime("%a %b %d %Y %H:%M:%S GMT+0000", time.gmtime()),
            "data": data,
        }
        raw = json.dumps(payload).encode()
        signed = {
            "Content-Type": "application/json",
            "X-Salla-Signature": sign_body(raw, self.webhook_secret),
            "X-Salla-Security-Strategy": "Signature",
        }
        for hook in hooks:
            self.outbox.send_later(
                hook["url"], event, raw, {**hook["headers"], **signed}, store=shop.merchant, success=(200, 201)
            )

    async def list_webhooks(self, request: Request) -> JSONResponse:
        """List Webhooks, `GET /webhooks`: the store's subscriptions, paged
        (https://docs.salla.dev/5394135e0.md)."""
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        with self.lock:
            listed = copy.deepcopy(shop.webhooks)
        return self.paged(listed, request, headers)

    async def list_webhook_events(self, request: Request) -> JSONResponse:
        """List Events, `GET /webhooks/events`: `{id, label, event}` per store event
        (https://docs.salla.dev/5394136e0.md)."""
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        events = [{"id": n, "label": label, "event": event} for n, (event, label) in enumerate(WEBHOOK_EVENTS, 1)]
        return self.paged(events, request, headers)

    async def subscribe_webhook(self, request: Request) -> JSONResponse:
        """Register Webhook, `POST /webhooks/subscribe` (https://docs.salla.dev/5394134e0.md): `event`
        (one of List Events) and `url` required; `name`, `version` (1 or 2, default 2), `rule` and
        `headers` (`[{key, value}]`) optional. "New subscriptions with the same URL will update
        events / restore old webhooks": the same URL and event answer the existing subscription.
        The answer's `headers` is an object, as the response example shows
        (`{"Authorization": …, "Accept-Language": …}`)."""
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _fail(400, "bad_request", "The request body must be a JSON object")
        problems: dict[str, list[str]] = {}
        event, url, version = body.get("event"), body.get("url"), body.get("version", 2)
        if not isinstance(event, str) or not event:
            problems["event"] = ["The event field is required."]
        elif event not in dict(WEBHOOK_EVENTS):
            problems["event"] = ["The selected event is invalid."]
        if not isinstance(url, str) or not url:
            problems["url"] = ["The url field is required."]
        elif not url.startswith(("https://", "http://")):
            problems["url"] = ["The url format is invalid."]
        if version not in (1, 2):
            problems["version"] = ["The selected version is invalid."]
        extra = body.get("headers") or []
        if not isinstance(extra, list) or not all(
            isinstance(h, dict) and isinstance(h.get("key"), str) and isinstance(h.get("value"), str) for h in extra
        ):
            problems["headers"] = ["The headers must be a list of {key, value}."]
        for key in ("name", "rule"):
            if body.get(key) is not None and not isinstance(body[key], str):
                problems[key] = [f"The {key} must be a string."]
        if problems:
            return _fail(422, "validation_failed", "alert.invalid_fields", problems)
        with self.lock:
            hook = next((h for h in shop.webhooks if h["url"] == url and h["event"] == event), None)
            if hook is None:
                self.webhook_ids += 1
                hook = {"id": self.webhook_ids, "event": event, "url": url, "type": "app"}
                shop.webhooks.append(hook)
            hook.update(
                name=body.get("name") or hook.get("name") or event,
                version=version,
                rule=body.get("rule"),
                headers={h["key"]: h["value"] for h in extra},
            )
            answer = copy.deepcopy(hook)
        response = _ok(answer)
        response.headers.update(headers)
        return response

    async def admin_add_product(self, request: Request) -> JSONResponse:
        """`POST /_sandbox/admin/products {store, title, description}`: the merchant adds a product
        in the Salla dashboard; the store's `product.created` subscriptions hear of it."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        merchant, title = str(body.get("store") or ""), body.get("title")
        description = body.get("description", "")
        if not merchant.isdecimal():
            return JSONResponse({"error": "store must be the merchant's numeric id"}, status_code=400)
        if not isinstance(title, str) or not title.strip() or not isinstance(description, str):
            return JSONResponse({"error": "title (non-empty) and description must be strings"}, status_code=400)
        shop = self.store(merchant)
        with self.lock:
            pid = str(max((int(p) for p in shop.products), default=800000) + 1)
            shop.products[pid] = _product(merchant, pid, title.strip(), description)
            product = shop.products[pid]
        self.notify(shop, "product.created", product)
        return JSONResponse({"product_id": pid}, status_code=201)

    async def webhook_subscriptions(self, request: Request) -> JSONResponse:
        """`GET /_sandbox/webhook-subscriptions?store=`: what the store has registered."""
        shop = self.store(request.query_params.get("store", "1"))
        with self.lock:
            return JSONResponse({"subscriptions": copy.deepcopy(shop.webhooks)})

    async def list_categories(self, request: Request) -> JSONResponse:
        shop, denied, headers = self.gate(request)
        if shop is None:
            assert denied is not None
            return denied
        return self.paged(shop.categories, request, headers)

    async def authorize(self, request: Request) -> JSONResponse:
        """Easy Mode: deliver tokens the way `app.store.authorize` does (signed webhook body)."""
        body = await request.json()
        merchant = str(body["merchant"])
        self.store(merchant)
        payload = {
            "event": "app.store.authorize",
            "merchant": int(merchant),
            "created_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "data": self.issue(merchant, ttl=int(body.get("ttl", ACCESS_TTL))),
        }
        raw = json.dumps(payload).encode()
        return JSONResponse({"body": raw.decode(), "signature": sign_body(raw, self.webhook_secret)})

    async def send_event(self, request: Request) -> JSONResponse:
        """Sign a subscription, trial or add-on event (`billing_event`) and post it to `url` (else
        the app's webhook), the way Salla delivers it with the Signature strategy."""
        body = await request.json()
        event = str(body.get("event", ""))
        if event not in SUBSCRIPTION_EVENTS:
            return JSONResponse({"error": f"event must be one of {', '.join(SUBSCRIPTION_EVENTS)}"}, status_code=400)
        payload = billing_event(
            event,
            int(body.get("merchant", 1)),
            plan_name=str(body.get("plan_name", "")),
            item_type=str(body.get("item_type", "plan")),
            item_slug=body.get("item_slug"),
            months=int(body.get("months", 1)),
        )
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Salla-Signature": sign_body(raw, self.webhook_secret),
            "X-Salla-Security-Strategy": "Signature",
        }
        target = str(body.get("url") or f"{self.app_url}/webhooks/salla")
        async with httpx.AsyncClient(timeout=10) as client:
            res = await client.post(target, content=raw, headers=headers)
        return JSONResponse({"status": res.status_code, "body": res.text[:500], "payload": payload})

    async def embedded_token(self, request: Request) -> JSONResponse:
        merchant = request.query_params.get("merchant", "1")
        token = "em_tok_" + secrets.token_urlsafe(16)
        self.embedded[token] = (merchant, time.time() + EMBEDDED_TTL)
        return JSONResponse({"token": token})

    async def code(self, request: Request) -> JSONResponse:
        merchant = request.query_params.get("merchant", "1")
        value = secrets.token_hex(8)
        self.codes[value] = merchant
        return JSONResponse({"code": value})

    async def admin(self, request: Request) -> HTMLResponse:
        """A stand-in for the Salla merchant dashboard that embeds the app with a fresh token."""
        merchant = request.query_params.get("merchant", "1")
        # The language the merchant reads the dashboard in (Salla's is Arabic or English), which the
        # SDK's layout hands the app as `locale`.
        locale = "en" if request.query_params.get("locale") == "en" else "ar"
        token = "em_tok_" + secrets.token_urlsafe(16)
        self.embedded[token] = (merchant, time.time() + EMBEDDED_TTL)
        page = render_admin_page(
            "salla_admin.html", src=f"{self.app_url}/app/salla?token={token}", merchant=merchant, locale=locale
        )
        return HTMLResponse(page)

    async def raw_product(self, request: Request) -> JSONResponse:
        shop = self.store(request.path_params["merchant"])
        product = shop.products.get(request.path_params["product_id"])
        return JSONResponse({"product": product}, status_code=200 if product else 404)

    async def expire(self, request: Request) -> JSONResponse:
        with self.lock:
            self.access = {t: (m, 0.0) for t, (m, _) in self.access.items()}
        return JSONResponse({"expired": True})

    async def stats(self, request: Request) -> JSONResponse:
        return JSONResponse({"requests": dict(self.counts)})

    async def reset(self, request: Request) -> Response:
        with self.lock:
            self.faults.clear()
            self.counts.clear()
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        return [
            Route("/oauth2/token", self.token, methods=["POST"]),
            Route("/oauth2/user/info", self.user_info, methods=["GET"]),
            Route("/exchange-authority/v1/introspect", self.introspect, methods=["POST"]),
            Route("/admin/v2/products", self.list_products, methods=["GET"]),
            Route("/admin/v2/products/images/{image_id}", self.update_image, methods=["POST"]),
            Route("/admin/v2/products/{product_id}", self.get_product, methods=["GET"]),
            Route("/admin/v2/products/{product_id}", self.update_product, methods=["PUT"]),
            Route("/admin/v2/categories", self.list_categories, methods=["GET"]),
            Route("/admin/v2/webhooks", self.list_webhooks, methods=["GET"]),
            Route("/admin/v2/webhooks/events", self.list_webhook_events, methods=["GET"]),
            Route("/admin/v2/webhooks/subscribe", self.subscribe_webhook, methods=["POST"]),
            Route("/_sandbox/admin/products", self.admin_add_product, methods=["POST"]),
            Route("/_sandbox/webhook-deliveries", self.outbox.listing, methods=["GET"]),
            Route("/_sandbox/webhook-subscriptions", self.webhook_subscriptions, methods=["GET"]),
            Route("/_sandbox/authorize", self.authorize, methods=["POST"]),
            Route("/_sandbox/events", self.send_event, methods=["POST"]),
            Route("/_sandbox/embedded-token", self.embedded_token, methods=["GET"]),
            Route("/_sandbox/admin", self.admin, methods=["GET"]),
            Route("/_sandbox/code", self.code, methods=["GET"]),
            Route("/_sandbox/merchants/{merchant}/products/{product_id}", self.raw_product, methods=["GET"]),
            Route("/_sandbox/faults", self.faults.add, methods=["POST"]),
            Route("/_sandbox/tokens/expire", self.expire, methods=["POST"]),
            Route("/_sandbox/stats", self.stats, methods=["GET"]),
            images.ROUTE,
            Route("/_sandbox/reset", self.reset, methods=["POST"]),
        ]

    def app(self) -> Starlette:
        app = Starlette(routes=self.routes())
        app.state.salla = self
        return app


def create_salla_sandbox(
    *,
    client_id: str,
    client_secret: str,
    webhook_secret: str = "",
    rate_limit_per_minute: int = 120,
    app_url: str = "",
) -> Starlette:
    return SallaSandbox(
        client_id=client_id,
        client_secret=client_secret,
        webhook_secret=webhook_secret,
        rate_limit_per_minute=rate_limit_per_minute,
        app_url=app_url,
    ).app()
