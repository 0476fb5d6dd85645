"""A local stand-in for a WordPress site running WooCommerce's REST API v3.

Over plain HTTP it authenticates the way WooCommerce does: one-legged OAuth 1.0a (HMAC-SHA1 or
HMAC-SHA256, timestamps within 15 minutes, nonces used once) and refuses Basic auth, which it
accepts only when the request reached it over HTTPS (`X-Forwarded-Proto: https` stands for a TLS
terminator), as it does the keys in the query string (`consumer_key`, `consumer_secret`). A request
with no credentials is anonymous and refused by the route. `PATCH /_sandbox/host` with
`{"strips_authorization": true}` makes the site a host that drops the Authorization header before
WordPress sees it, where only the query string carries keys. Lists carry `X-WP-Total`,
`X-WP-TotalPages` and a `Link` header; errors are `{code, message, data: {status}}`; batches hold
at most 100 objects.

Keys carry a permission — read, write or read_write — as WooCommerce's "Add key" screen sets it
(https://developer.woocommerce.com/docs/apis/rest-api/authentication/), and every request is checked
against it before its route runs, with WooCommerce's own 401 answers
(WC_REST_Authentication::check_permissions in
plugins/woocommerce/includes/class-wc-rest-authentication.php). `POST /_sandbox/keys` adds a key.
A batch item whose id is no product gets the per-item error of WC_REST_Controller::batch_items,
code `woocommerce_rest_product_invalid_id` (WC_REST_CRUD_Controller::update_item), and changes
nothing. `create_lookalike_site` is the opposite: a server that answers every request the same.

The site runs one SEO plugin or none (`seo_plugin`: "yoast", "rank_math" or None), as its REST index
`GET /wp-json/` shows in `namespaces` the way WordPress lists them
(https://developer.wordpress.org/reference/classes/wp_rest_server/get_index/): Yoast SEO registers
`yoast/v1` (Yoast/wordpress-seo src/main.php), Rank Math `rankmath/v1` (rankmath/seo-by-rank-math
includes/rest/class-rest-helper.php). Products keep any `meta_data` they are sent, as WooCommerce
does, but `GET /_sandbox/storefront/{id}` shows what a shopper's page prints: the active plugin's
title and description keys only. The index also reports the site's `home` URL, and OAuth 1.0a is
verified against it the way WC_REST_Authentication::check_oauth_signature rebuilds the URL with
get_home_url(). `PATCH /_sandbox/site` switches the plugin, sets `home` and makes every
`/wp-json/` request answer 301 to `redirect_to` (a site moved to https or www). A sandbox made with
`extra_categories` has that many more (empty) categories, paged like every list.
Served over TLS (`LoopbackServer(..., tls=...)`) the request itself is HTTPS.

Webhooks, as WooCommerce keeps and sends them (woocommerce/woocommerce,
plugins/woocommerce/includes/class-wc-webhook.php and
includes/rest-api/Controllers/Version1/class-wc-rest-webhooks-v1-controller.php;
https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks): `/wp-json/wc/v3/webhooks`
lists, creates, reads, updates and deletes them (a topic is `<resource>.<event>` or `action.<hook>`,
else 400 `woocommerce_rest_shop_webhook_invalid_topic`; the delivery URL http(s), else
`…_invalid_delivery_url`; the secret is never shown; delete needs `force=true`). Creating one pings
its address first (`webhook_id=<id>`, unsigned). A product added with `POST /_sandbox/admin/products`
(the admin's "Add new product") sends `product.created`, a product changed through the REST API
`product.updated`, to each active webhook of the topic, after the request is answered (WooCommerce
delivers from the Action Scheduler queue by default): the product as `GET /products/<id>` shows
it, signed `X-WC-Webhook-Signature` = base64 HMAC-SHA256 of the body with the webhook's secret,
with `X-WC-Webhook-Source`, `-Topic`, `-Resource`, `-Event`, `-ID` and `-Delivery-ID`. WooCommerce
does not retry a failed delivery: it counts consecutive failures (an answer outside 200–302) and
disables the webhook once more than five have failed in a row (WC_Webhook::log_delivery and
failed_delivery); the sandbox does the same. `GET /_sandbox/admin` is the admin page with the
"Add product" form, `GET /_sandbox/webhook-deliveries` the deliveries so far.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from optimizer_app.auth.woocommerce import sign_webhook

from . import images
from .admin_pages import render_admin_page
from .faults import Faults
from .webhook_outbox import WebhookOutbox

READ, WRITE, READ_WRITE = "read", "write", "read_write"

# plugin → (REST namespace, SEO title key, meta description key); sources in the module docstring
# and, for the keys, WPSEO_Meta's `_yoast_wpseo_` prefix (Yoast/wordpress-seo inc/class-wpseo-meta.php)
# and Rank Math's importers (rankmath/seo-by-rank-math includes/admin/importers).
SEO_PLUGINS = {
    "yoast": ("yoast/v1", "_yoast_wpseo_title", "_yoast_wpseo_metadesc"),
    "rank_math": ("rankmath/v1", "rank_math_title", "rank_math_description"),
}
# What `namespaces` holds on a WordPress 6 site with WooCommerce active and no other plugin.
_CORE_NAMESPACES = ["oembed/1.0", "wc/store", "wc/store/v1", "wc/v1", "wc/v2", "wc/v3", "wc-telemetry", "wp/v2"]

_CATEGORIES = [(15, "Clothing"), (16, "Decor"), (17, "Kitchen"), (18, "Garden")]
_NAMES = {
    15: ["Hoodie with Logo", "V-Neck T-Shirt", "Beanie", "Polo", "Long Sleeve Tee", "Cap"],
    16: ["Ceramic Vase", "Wall Art Print", "Throw Pillow", "Table Runner", "Candle Holder"],
    17: ["Espresso Cup", "Olive Wood Spoon", "Tea Kettle", "Salad Bowl", "Spice Jar Set"],
    18: ["Watering Can", "Terracotta Pot", "Garden Gloves", "Pruning Shears", "Bird Feeder"],
}
_WINDOW = 15 * 60
# wc_is_webhook_valid_topic and wc_get_webhook_statuses (includes/wc-webhook-functions.php).
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
WEBHOOK_STATUSES = ("active", "paused", "disabled")
# WC_Webhook::failed_delivery: `woocommerce_max_webhook_delivery_failures`, 5 by default.
MAX_DELIVERY_FAILURES = 5
USER_AGENT = "WooCommerce/10.3.0 Hookshot (WordPress/6.8.3)"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status_code=status)


def _seed(seed: str) -> dict[int, dict[str, Any]]:
    rng = random.Random(seed)
    products: dict[int, dict[str, Any]] = {}
    pid = 100
    for round_ in range(3):
        for category_id, category_name in _CATEGORIES:
            for name in _NAMES[category_id]:
                pid += 1
                meta: list[dict[str, Any]] = []
                if pid % 8 == 0:
                    # A title the owner wrote with Yoast's variables: the page prints its rendering.
                    meta = [
                        {"id": pid * 10, "key": "_yoast_wpseo_title", "value": "%%title%% %%sep%% %%sitename%%"},
                        {"id": pid * 10 + 1, "key": "_yoast_wpseo_metadesc", "value": "Buy %%title%% online."},
                    ]
                elif pid % 4 == 0:
                    meta = [
                        {"id": pid * 10, "key": "_yoast_wpseo_title", "value": f"{name} - Shop"},
                        {"id": pid * 10 + 1, "key": "_yoast_wpseo_metadesc", "value": f"Buy {name}."},
                    ]
                elif pid % 7 == 0:
                    meta = [{"id": pid * 10, "key": "rank_math_title", "value": f"{name} %sep% %sitename%"}]
                full = name if round_ == 0 else f"{name} ({('Blue', 'Large')[round_ - 1]})"
                products[pid] = {
                    "id": pid,
                    "name": full,
                    "slug": full.lower().replace(" ", "-"),
                    "type": "simple",
                    "status": "publish",
                    "description": rng.choice(["", f"<p>{full}.</p>", f"{full} in stock now!!"]),
                    "short_description": "",
                    "price": f"{rng.uniform(5, 90):.2f}",
                    "categories": [{"id": category_id, "name": category_name, "slug": category_name.lower()}],
                    # 1 to 3 pictures: attachments of the media library (WooCommerceSandbox.attachments
                    # keeps each one's file, title and alt text); the product lists their ids.
                    "images": [
                        {"id": pid * 10 + k, "file": f"woo-{pid}-{k}", "name": f"{full} {k}", "alt": ""}
                        for k in range(1, 2 + pid % 3)
                    ],
                    "attributes": [],
                    "meta_data": meta,
                }
    return products


def _page_size(request: Request) -> tuple[int, int] | Response:
    """`page` and `per_page` (1 to 100, default 10) as WP_REST_Controller::get_collection_params
    declares them, or WordPress's 400."""
    try:
        page = int(request.query_params.get("page", "1"))
        per_page = int(request.query_params.get("per_page", "10"))
    except ValueError:
        return _error(400, "rest_invalid_param", "Invalid parameter(s): page, per_page")
    if not 1 <= per_page <= 100 or page < 1:
        return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
    return page, per_page


def _paged(
    request: Request,
    rows: list[dict[str, Any]],
    page: int,
    per_page: int,
    view: Callable[[dict[str, Any]], dict[str, Any]] = copy.deepcopy,
) -> Response:
    """One page of a list with WordPress's paging headers
    (https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/), each row as `view` shows it."""
    total_pages = max(1, -(-len(rows) // per_page))
    chunk = [view(row) for row in rows[(page - 1) * per_page : page * per_page]]
    base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    links = [f'<{base}?page={page + 1}>; rel="next"'] if page < total_pages else []
    links.append(f'<{base}?page={total_pages}>; rel="last"')
    headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(total_pages), "Link": ", ".join(links)}
    return JSONResponse(chunk, headers=headers)


def _permission_error(method: str, permission: str) -> JSONResponse | None:
    """WooCommerce's check of a key's permission against the request method."""
    if method in ("GET", "HEAD") and permission not in (READ, READ_WRITE):
        return _error(
            401, "woocommerce_rest_authentication_error", "The API key provided does not have read permissions."
        )
    if method in ("POST", "PUT", "PATCH", "DELETE") and permission not in (WRITE, READ_WRITE):
        return _error(
            401, "woocommerce_rest_authentication_error", "The API key provided does not have write permissions."
        )
    return None


async def _json_object(request: Request) -> dict[str, Any]:
    """The body of a `/_sandbox/` control call; anything but a JSON object reads as empty."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


SITE_NAME = "Sandbox Shop"
# Yoast's separator by default (`sc-dash`) and its default title template for products.
_YOAST_SEPARATOR = "-"
_YOAST_DEFAULT_TITLE = "%%title%% %%page%% %%sep%% %%sitename%%"


def _yoast_render(template: str, product: dict[str, Any]) -> str:
    """A Yoast template with the variables the sandbox's products use replaced, the way the page
    prints it (unknown variables print as nothing; spaces collapse)."""
    values = {"title": product["name"], "sitename": SITE_NAME, "sep": _YOAST_SEPARATOR, "page": ""}
    text = re.sub(r"%%([^%\s]+)%%", lambda m: values.get(m.group(1), ""), template)
    return re.sub(r"\s+", " ", text).strip()


def _yoast_head_json(product: dict[str, Any]) -> dict[str, Any]:
    """What Yoast SEO adds to every public post type's REST answers as `yoast_head_json`, products
    included (Yoast/wordpress-seo src/routes/yoast-head-rest-field.php registers it with
    register_rest_field; WooCommerce's product controller prints registered fields): the page's
    rendered title, and its meta description when there is one."""
    meta = {m["key"]: m["value"] for m in product["meta_data"]}
    head: dict[str, Any] = {
        "title": _yoast_render(meta.get("_yoast_wpseo_title") or _YOAST_DEFAULT_TITLE, product),
        "robots": {"index": "index", "follow": "follow"},
    }
    if meta.get("_yoast_wpseo_metadesc"):
        head["description"] = _yoast_render(meta["_yoast_wpseo_metadesc"], product)
    return head


def _php_empty(value: object) -> bool:
    """PHP's empty(): null, false, 0, "" and "0" are empty."""
    return value in (None, False, 0, "", "0", [], {})


def wc_clean(value: str) -> str:
    """wc_clean → sanitize_text_field on a string: tags stripped, runs of whitespace (line breaks
    and tabs included) made one space, trimmed (wp-includes/formatting.php _sanitize_text_fields)."""
    return re.sub(r"[\r\n\t ]+", " ", re.sub(r"<[^>]*>", "", value)).strip()


def _images_problem(body: dict[str, Any], attachments: dict[int, dict[str, Any]]) -> str | None:
    """Why WooCommerce would refuse the `images` of an update (set_product_images: an `id` that is
    not an attachment is "#<id> is an invalid image ID.")."""
    images = body.get("images")
    if images is None:
        return None
    if not isinstance(images, list):
        return "Invalid parameter(s): images"
    for image in images:
        if not isinstance(image, dict):
            return "Invalid parameter(s): images"
        attachment = image.get("id")
        if attachment and int(attachment) not in attachments:
            return f"#{attachment} is an invalid image ID."
    return None


def _set_images(product: dict[str, Any], images: list[dict[str, Any]], attachments: dict[int, dict[str, Any]]) -> None:
    """WC_REST_Products_Controller::set_product_images (woocommerce/woocommerce,
    plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-products-controller.php):
    the list replaces the featured image (index 0) and the whole gallery; an item without `id` but
    with `src` is downloaded again as a new attachment; `alt` is written only when not empty
    (`if ( ! empty( $image['alt'] ) )`, through wc_clean), and a `name` renames the attachment."""
    kept: list[int] = []
    for image in images:
        attachment = int(image.get("id") or 0)
        if not attachment:
            if not image.get("src"):
                continue
            attachment = max(attachments, default=0) + 1
            attachments[attachment] = {"id": attachment, "file": f"woo-sideloaded-{attachment}", "name": "", "alt": ""}
        if not _php_empty(image.get("alt")):
            attachments[attachment]["alt"] = wc_clean(str(image["alt"]))
        if not _php_empty(image.get("name")):
            attachments[attachment]["name"] = str(image["name"])
        kept.append(attachment)
    product["images"] = kept


def _update(product: dict[str, Any], body: dict[str, Any], attachments: dict[int, dict[str, Any]]) -> None:
    if isinstance(body.get("images"), list):
        _set_images(product, body["images"], attachments)
    for key in ("name", "description", "short_description"):
        if key in body:
            product[key] = body[key]
    for entry in body.get("meta_data") or []:
        existing = next((m for m in product["meta_data"] if m["key"] == entry["key"]), None)
        if existing is not None:
            existing["value"] = entry["value"]
        else:
            product["meta_data"].append({"id": len(product["meta_data"]) + 1, **entry})


class WooCommerceSandbox:
    """The sandbox's state as attributes and WooCommerce's endpoints as methods; `app()` serves them,
    and the served app reaches it as `app.state.woocommerce`."""

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        seo_plugin: str | None = "yoast",
        extra_categories: int = 0,
    ) -> None:
        self.keys = {consumer_key: (consumer_secret, READ_WRITE)}
        self.products = _seed(consumer_key)
        # The media library: attachment id -> {id, file, name, alt}; products list attachment ids.
        self.attachments: dict[int, dict[str, Any]] = {}
        for product in self.products.values():
            self.attachments.update({i["id"]: i for i in product["images"]})
            product["images"] = [i["id"] for i in product["images"]]
        self.categories_list = _CATEGORIES + [(1000 + i, f"Collection {i + 1}") for i in range(extra_categories)]
        self.seo_plugin = seo_plugin
        self.home: str | None = None  # None: the address the request came to
        self.redirect_to: str | None = None
        self.nonces: set[str] = set()
        self.faults = Faults()
        self.counts: dict[str, int] = {}
        self.strips_authorization = False
        self.lock = threading.Lock()
        # id -> {id, name, status, topic, delivery_url, secret, failure_count, date_created}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.outbox = WebhookOutbox()

    def view(self, product: dict[str, Any], request: Request) -> dict[str, Any]:
        """A product as the REST API answers it: with its page's address (`permalink`, the
        product base `/product/` under the home URL) and, with Yoast SEO active, `yoast_head_json`."""
        shown = copy.deepcopy(product)
        shown["permalink"] = f"{self.home_url(request)}/product/{product['slug']}/"
        # `images[] {id, date_created, src, name, alt}`; alt is the attachment's
        # `_wp_attachment_image_alt` (woocommerce-rest-api-docs _products.md, Product - Images properties).
        shown["images"] = [
            {
                "id": a,
                "date_created": "2025-01-01T10:00:00",
                "src": images.url(str(request.base_url), self.attachments[a]["file"]),
                "name": self.attachments[a]["name"],
                "alt": self.attachments[a]["alt"],
            }
            for a in product["images"]
        ]
        if self.seo_plugin == "yoast":
            shown["yoast_head_json"] = _yoast_head_json(product)
        return shown

    def take_fault(self, path: str) -> JSONResponse | None:
        fault = self.faults.take(path)
        if fault is None:
            return None
        response = _error(fault.status, "sandbox_fault", "Injected sandbox fault")
        response.headers.update(fault.headers)
        return response

    def home_url(self, request: Request) -> str:
        return (self.home or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")

    def redirect(self, request: Request) -> Response | None:
        if self.redirect_to is None:
            return None
        return Response(status_code=301, headers={"Location": self.redirect_to.rstrip("/") + request.url.path})

    def authenticate(self, request: Request) -> Response | None:
        """WC_REST_Authentication::authenticate: over HTTPS the consumer key and secret, from the
        query string first and then from HTTP Basic (perform_basic_authentication); otherwise, and
        always over plain HTTP, one-legged OAuth 1.0a (perform_oauth_authentication)."""
        path = request.url.path
        self.counts[path] = self.counts.get(path, 0) + 1
        moved = self.redirect(request)
        if moved is not None:
            return moved
        fault = self.take_fault(path)
        if fault is not None:
            return fault
        if request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https":
            # "Occasionally some servers may not parse the Authorization header correctly … you can
            # provide the consumer key/secret as query string parameters instead"
            # (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https).
            key = request.query_params.get("consumer_key", "")
            secret = request.query_params.get("consumer_secret", "")
            if not (key and secret):
                key, secret = self.basic_credentials(request)
            if key and secret:
                return self.check_secret(request.method, key, secret)
        if not any(name.startswith("oauth_") for name in request.query_params):
            # No credentials WooCommerce reads reached it (Basic over plain HTTP is not read): the
            # request is anonymous and the route's permission check answers.
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        return self.check_oauth(request)

    def basic_credentials(self, request: Request) -> tuple[str, str]:
        """What PHP puts in PHP_AUTH_USER and PHP_AUTH_PW; nothing when the host strips the header."""
        header = "" if self.strips_authorization else request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return "", ""
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return user, password

    def check_secret(self, method: str, key: str, given: str) -> JSONResponse | None:
        secret, permission = self.keys.get(key, ("", ""))
        if not secret or not hmac.compare_digest(given, secret):
            return _error(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        return _permission_error(method, permission)

    def check_oauth(self, request: Request) -> JSONResponse | None:
        query = dict(request.query_params)
        signature = query.pop("oauth_signature", "")
        key = query.get("oauth_consumer_key", "")
        if key not in self.keys:
            return _error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        secret, permission = self.keys[key]
        try:
            timestamp = int(query.get("oauth_timestamp", "0"))
        except ValueError:
            timestamp = 0
        if abs(time.time() - timestamp) > _WINDOW:
            return _error(401, "woocommerce_rest_authentication_error", "Invalid timestamp.")
        nonce = query.get("oauth_nonce", "")
        # get_home_url(null, $request_path, is_ssl() ? 'https' : 'http'): the home URL's address,
        # the request's path below the home's own path.
        home = urlsplit(self.home_url(request))
        home_path = home.path.rstrip("/")
        path = request.url.path
        path = path[len(home_path) :] if home_path and path.startswith(home_path + "/") else path
        url = f"{request.url.scheme}://{home.netloc}{home_path}{path}"
        method = query.get("oauth_signature_method", "")
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return _error(401, "woocommerce_rest_authentication_error", "Invalid signature method.")
        expected = _woocommerce_signature(request.method, url, query, secret, method)
        if not hmac.compare_digest(signature, expected):
            return _error(
                401, "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match."
            )
        with self.lock:
            if nonce in self.nonces:
                return _error(
                    401, "woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used."
                )
            self.nonces.add(nonce)
        return _permission_error(request.method, permission)

    async def list_products(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        page_size = _page_size(request)
        if isinstance(page_size, Response):
            return page_size
        page, per_page = page_size
        items = list(self.products.values())
        if search := request.query_params.get("search"):
            items = [p for p in items if search.casefold() in (p["name"] + p["description"]).casefold()]
        if category := request.query_params.get("category"):
            items = [p for p in items if any(str(c["id"]) == category for c in p["categories"])]
        if include := request.query_params.get("include"):
            wanted = {int(i) for i in include.split(",") if i.isdigit()}
            items = [p for p in items if p["id"] in wanted]
        return _paged(request, items, page, per_page, lambda p: self.view(p, request))

    async def product(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        found = self.products.get(int(request.path_params["product_id"]))
        if found is None:
            return _error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        if request.method == "PUT":
            body = await request.json()
            if "name" in body and not str(body["name"]).strip():
                return _error(400, "rest_invalid_param", "Invalid parameter(s): name")
            if problem := _images_problem(body, self.attachments):
                return _error(400, "woocommerce_product_invalid_image_id", problem)
            with self.lock:
                _update(found, body, self.attachments)
            return JSONResponse(self.view(found, request), background=self.notify("updated", [found], request))
        return JSONResponse(self.view(found, request))

    async def batch(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        body = await request.json()
        updates = body.get("update") or []
        if len(updates) + len(body.get("create") or []) + len(body.get("delete") or []) > 100:
            return _error(
                413,
                "woocommerce_rest_request_entity_too_large",
                "Unable to accept more than 100 items for this request.",
            )
        results = []
        with self.lock:
            for entry in updates:
                found = self.products.get(int(entry.get("id", 0)))
                if found is None:
                    results.append(
                        {
                            "id": entry.get("id"),
                            "error": {
                                "code": "woocommerce_rest_product_invalid_id",
                                "message": "Invalid ID.",
                                "data": {"status": 400},
                            },
                        }
                    )
                    continue
                if problem := _images_problem(entry, self.attachments):
                    error = {
                        "code": "woocommerce_product_invalid_image_id",
                        "message": problem,
                        "data": {"status": 400},
                    }
                    results.append({"id": entry.get("id"), "error": error})
                    continue
                _update(found, entry, self.attachments)
                results.append(self.view(found, request))
        changed = [self.products[r["id"]] for r in results if "error" not in r]
        return JSONResponse({"update": results}, background=self.notify("updated", changed, request))

    async def categories(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        page_size = _page_size(request)
        if isinstance(page_size, Response):
            return page_size
        page, per_page = page_size
        rows = [
            {
                "id": cid,
                "name": name,
                "slug": name.lower().replace(" ", "-"),
                "count": sum(
                    1 for p in self.products.values() if p["categories"][:1] and p["categories"][0]["id"] == cid
                ),
            }
            for cid, name in self.categories_list
        ]
        return _paged(request, rows, page, per_page)

    async def index(self, request: Request) -> Response:
        """The REST index (public: no keys), trimmed to the site data and the namespaces; `routes`
        is left empty where WordPress describes every route."""
        moved = self.redirect(request)
        if moved is not None:
            return moved
        plugin = SEO_PLUGINS.get(self.seo_plugin or "")
        namespaces = sorted([*_CORE_NAMESPACES, *([plugin[0]] if plugin else [])])
        home = self.home_url(request)
        return JSONResponse(
            {
                "name": SITE_NAME,
                "description": "Just another WordPress site",
                "url": home,
                "home": home,
                "gmt_offset": "0",
                "timezone_string": "",
                "namespaces": namespaces,
                "authentication": {},
                "routes": {},
            }
        )

    async def storefront(self, request: Request) -> Response:
        """What the product's page prints in `<title>` and `<meta name="description">`: the active
        SEO plugin's keys, else WordPress's own title and no description."""
        found = self.products.get(int(request.path_params["product_id"]))
        if found is None:
            return JSONResponse({"code": "not_found"}, status_code=404)
        meta = {m["key"]: m["value"] for m in found["meta_data"]}
        if self.seo_plugin == "yoast":
            head = _yoast_head_json(found)
            return JSONResponse({"title": head["title"], "meta_description": head.get("description", "")})
        _, title_key, description_key = SEO_PLUGINS.get(self.seo_plugin or "", ("", "", ""))
        return JSONResponse(
            {
                "title": meta.get(title_key) or found["name"],
                "meta_description": meta.get(description_key, ""),
            }
        )

    async def edit_site(self, request: Request) -> Response:
        """`{"seo_plugin": "yoast" | "rank_math" | null, "home": url | null, "redirect_to": url | null}`,
        any of them."""
        body = await _json_object(request)
        known = {"seo_plugin", "home", "redirect_to"}
        if not body or set(body) - known:
            return _error(400, "sandbox_invalid_site", "send seo_plugin, home and/or redirect_to")
        if "seo_plugin" in body and body["seo_plugin"] is not None and body["seo_plugin"] not in SEO_PLUGINS:
            return _error(400, "sandbox_invalid_site", "seo_plugin is yoast, rank_math or null")
        for name in ("home", "redirect_to"):
            value = body.get(name)
            if value is not None and not (isinstance(value, str) and urlsplit(value).scheme in ("http", "https")):
                return _error(400, "sandbox_invalid_site", f"{name} is an http(s) URL or null")
        with self.lock:
            for name, value in body.items():
                setattr(self, name, value)
        return JSONResponse({name: getattr(self, name) for name in sorted(known)})

    async def raw_product(self, request: Request) -> Response:
        found = self.products.get(int(request.path_params["product_id"]))
        if found is None:
            return JSONResponse(None, status_code=404)
        # The product as stored, and its images' attachments (where their alt text lives).
        return JSONResponse({**found, "attachments": [self.attachments[a] for a in found["images"]]})

    async def add_key(self, request: Request) -> Response:
        body = await _json_object(request)
        key, secret = body.get("consumer_key"), body.get("consumer_secret")
        if not (isinstance(key, str) and key and isinstance(secret, str) and secret):
            return _error(400, "sandbox_invalid_key", "consumer_key and consumer_secret are non-empty strings")
        permission = body.get("permission", READ_WRITE)
        if permission not in (READ, WRITE, READ_WRITE):
            return _error(400, "sandbox_invalid_permission", "permission is read, write or read_write")
        with self.lock:
            self.keys[key] = (secret, permission)
        return JSONResponse({"added": True})

    async def edit_host(self, request: Request) -> Response:
        """How the web server in front of WordPress behaves: `strips_authorization` stands for a
        host (Apache with PHP as CGI or FastCGI, some proxies) that does not pass the Authorization
        header on to PHP."""
        strips = (await _json_object(request)).get("strips_authorization")
        if not isinstance(strips, bool):
            return _error(400, "sandbox_invalid_host", "strips_authorization is true or false")
        self.strips_authorization = strips
        return JSONResponse({"strips_authorization": self.strips_authorization})

    async def stats(self, request: Request) -> Response:
        return JSONResponse({"requests": dict(self.counts)})

    # -- webhooks (sources in the module docstring) --

    def webhook_view(self, hook: dict[str, Any]) -> dict[str, Any]:
        resource, _, event = hook["topic"].partition(".")
        return {
            "id": hook["id"],
            "name": hook["name"],
            "status": hook["status"],
            "topic": hook["topic"],
            "resource": resource,
            "event": event,
            "hooks": [],
            "delivery_url": hook["delivery_url"],
            "date_created": hook["date_created"],
            "date_created_gmt": hook["date_created"],
            "date_modified": hook["date_created"],
            "date_modified_gmt": hook["date_created"],
        }

    async def list_webhooks(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        page_size = _page_size(request)
        if isinstance(page_size, Response):
            return page_size
        status = request.query_params.get("status", "all")
        if status not in ("all", *WEBHOOK_STATUSES):
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        rows = [w for w in self.webhooks.values() if status in ("all", w["status"])]
        return _paged(request, rows, *page_size, self.webhook_view)

    async def create_webhook(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        body = await _json_object(request)
        problem = _webhook_problem(body, creating=True)
        if problem is not None:
            return problem
        with self.lock:
            number = max(self.webhooks, default=0) + 1
            self.webhooks[number] = {
                "id": number,
                "name": str(body.get("name") or f"Webhook created on {datetime.now(UTC):%b %d, %Y @ %I:%M %p}"),
                "status": body.get("status") or "active",
                "topic": str(body["topic"]).lower(),
                "delivery_url": str(body["delivery_url"]),
                "secret": str(body.get("secret") or secrets.token_urlsafe(37)),
                "failure_count": 0,
                "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            }
            hook = self.webhooks[number]
        # The REST controller answers after `deliver_ping()`: a POST of `webhook_id=<id>`.
        ping = f"webhook_id={number}".encode()
        await self.outbox.send(
            hook["delivery_url"],
            "ping",
            ping,
            {"User-Agent": USER_AGENT},
            store=self.home_url(request),
            success=range(200, 201),
        )
        location = f"{self.home_url(request)}/wp-json/wc/v3/webhooks/{number}"
        return JSONResponse(self.webhook_view(hook), status_code=201, headers={"Location": location})

    async def webhook(self, request: Request) -> Response:
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        hook = self.webhooks.get(int(request.path_params["webhook_id"]))
        if hook is None:
            return _error(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
        if request.method == "DELETE":
            if request.query_params.get("force") not in ("true", "1"):
                return _error(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
            with self.lock:
                del self.webhooks[hook["id"]]
            return JSONResponse(self.webhook_view(hook))
        if request.method == "PUT":
            body = await _json_object(request)
            problem = _webhook_problem(body, creating=False)
            if problem is not None:
                return problem
            with self.lock:
                for key in ("topic", "delivery_url", "secret", "status", "name"):
                    if body.get(key):
                        hook[key] = str(body[key]).lower() if key == "topic" else str(body[key])
                if hook["status"] == "active":
                    hook["failure_count"] = 0
        return JSONResponse(self.webhook_view(hook))

    def notify(self, event: str, products: list[dict[str, Any]], request: Request) -> BackgroundTask | None:
        """`product.<event>` for each product to each active webhook of that topic, sent after the
        answer; None when no webhook wants it."""
        topic = f"product.{event}"
        with self.lock:
            hooks = [dict(w) for w in self.webhooks.values() if w["topic"] == topic and w["status"] == "active"]
            bodies = [json.dumps(self.view(p, request)).encode() for p in products]
        if not hooks or not bodies:
            return None
        return BackgroundTask(self.deliver_all, hooks, bodies, self.home_url(request))

    async def deliver_all(self, hooks: list[dict[str, Any]], bodies: list[bytes], home: str) -> None:
        for body in bodies:
            for hook in hooks:
                await self.deliver(hook, body, home)

    async def deliver(self, hook: dict[str, Any], body: bytes, home: str) -> None:
        resource, _, event = hook["topic"].partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-WC-Webhook-Source": home + "/",
            "X-WC-Webhook-Topic": hook["topic"],
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign_webhook(body, hook["secret"]),
            "X-WC-Webhook-ID": str(hook["id"]),
            # wp_hash( webhook id . the current second ): an md5-long hex hash.
            "X-WC-Webhook-Delivery-ID": hashlib.md5(f"{hook['id']}{int(time.time())}".encode()).hexdigest(),  # nosec B324
        }
        status = await self.outbox.send(
            hook["delivery_url"], hook["topic"], body, headers, store=home, success=range(200, 303)
        )
        with self.lock:
            stored = self.webhooks.get(hook["id"])
            if stored is None:
                return
            if status is not None and 200 <= status < 303:
                stored["failure_count"] = 0
            elif stored["failure_count"] > MAX_DELIVERY_FAILURES:
                stored["status"] = "disabled"
            else:
                stored["failure_count"] += 1

    async def admin_add_product(self, request: Request) -> Response:
        """`POST /_sandbox/admin/products` `{"store": the site's address, "title", "description"}`:
        a published simple product with one picture, as "Add new product" saves it."""
        body = await _json_object(request)
        store, title, description = body.get("store"), body.get("title"), body.get("description", "")
        if not isinstance(store, str) or store.rstrip("/") != self.home_url(request):
            return _error(404, "sandbox_unknown_store", f"This sandbox is the site {self.home_url(request)}")
        if not isinstance(title, str) or not title.strip() or not isinstance(description, str):
            return _error(400, "rest_invalid_param", "Invalid parameter(s): title, description")
        with self.lock:
            number = max(self.products) + 1
            attachment = max(self.attachments, default=0) + 1
            self.attachments[attachment] = {"id": attachment, "file": f"woo-{number}-1", "name": title, "alt": ""}
            self.products[number] = {
                "id": number,
                "name": title.strip(),
                "slug": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
                "type": "simple",
                "status": "publish",
                "description": description,
                "short_description": "",
                "price": "",
                "categories": [],
                "images": [attachment],
                "attributes": [],
                "meta_data": [],
            }
            product = self.products[number]
        return JSONResponse(
            {"product_id": str(number)}, status_code=201, background=self.notify("created", [product], request)
        )

    async def admin(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_admin_page("woocommerce_admin.html", site=self.home_url(request), name=SITE_NAME))

    def routes(self) -> list[Route]:
        prefix = "/wp-json/wc/v3"
        return [
            Route("/wp-json/", self.index, methods=["GET"]),
            Route(f"{prefix}/products", self.list_products, methods=["GET"]),
            Route(f"{prefix}/products/batch", self.batch, methods=["POST"]),
            Route(f"{prefix}/products/categories", self.categories, methods=["GET"]),
            Route(f"{prefix}/products/{{product_id:int}}", self.product, methods=["GET", "PUT"]),
            Route(f"{prefix}/webhooks", self.list_webhooks, methods=["GET"]),
            Route(f"{prefix}/webhooks", self.create_webhook, methods=["POST"]),
            Route(f"{prefix}/webhooks/{{webhook_id:int}}", self.webhook, methods=["GET", "PUT", "DELETE"]),
            Route("/_sandbox/admin", self.admin, methods=["GET"]),
            Route("/_sandbox/admin/products", self.admin_add_product, methods=["POST"]),
            Route("/_sandbox/webhook-deliveries", self.outbox.listing, methods=["GET"]),
            Route("/_sandbox/products/{product_id:int}", self.raw_product, methods=["GET"]),
            Route("/_sandbox/faults", self.faults.add, methods=["POST"]),
            Route("/_sandbox/keys", self.add_key, methods=["POST"]),
            Route("/_sandbox/host", self.edit_host, methods=["PATCH"]),
            Route("/_sandbox/site", self.edit_site, methods=["PATCH"]),
            Route("/_sandbox/storefront/{product_id:int}", self.storefront, methods=["GET"]),
            Route("/_sandbox/stats", self.stats, methods=["GET"]),
            images.ROUTE,
        ]

    def app(self) -> Starlette:
        app = Starlette(routes=self.routes())
        app.state.woocommerce = self
        return app


def _webhook_problem(body: dict[str, Any], *, creating: bool) -> JSONResponse | None:
    """WooCommerce's refusal of a webhook's topic, delivery URL or status, if any."""
    topic = str(body.get("topic") or "").lower()
    if creating or topic:
        resource, _, event = topic.partition(".")
        valid = (resource == "action" and bool(event)) or (resource in WEBHOOK_RESOURCES and event in WEBHOOK_EVENTS)
        if not valid:
            return _error(
                400, "woocommerce_rest_shop_webhook_invalid_topic", "Webhook topic is required and must be valid."
            )
    url = body.get("delivery_url")
    if creating or url:
        parts = urlsplit(str(url or ""))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _error(
                400,
                "woocommerce_rest_shop_webhook_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            )
    status = body.get("status")
    if status and status not in WEBHOOK_STATUSES:
        return _error(400, "woocommerce_rest_shop_webhook_invalid_status", "Webhook status must be valid.")
    return None


def create_woocommerce_sandbox(
    *, consumer_key: str, consumer_secret: str, seo_plugin: str | None = "yoast", extra_categories: int = 0
) -> Starlette:
    return WooCommerceSandbox(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        seo_plugin=seo_plugin,
        extra_categories=extra_categories,
    ).app()


def create_lookalike_site(
    *, status: int = 200, body: bytes = b"[]", headers: dict[str, str] | None = None
) -> Starlette:
    """A server that answers every request with the same status, body and headers: a site that
    is not WooCommerce (200 to anything), a redirect, an internal service's error page."""

    async def answer(request: Request) -> Response:
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", answer, methods=methods)])


def _wc_encode(value: str) -> str:
    """`wc_rest_urlencode_rfc3986`: decode, rawurlencode, then "Percent symbols (%) must be
    double-encoded" (plugins/woocommerce/includes/wc-rest-functions.php)."""
    return quote(unquote(value), safe="-_.~").replace("%", "%25")


def _woocommerce_signature(method: str, url: str, params: dict[str, str], secret: str, signature_method: str) -> str:
    """The signature WooCommerce computes to check a plain-HTTP request, written from
    `WC_REST_Authentication::check_oauth_signature` (plugins/woocommerce/includes/
    class-wc-rest-authentication.php), not from our client: keys sorted with strcmp before they are
    encoded, each key and value encoded as above and joined with `%3D` and `%26`, the home-based
    request URL rawurlencoded, HMAC with `consumer_secret&`."""
    ordered = sorted(params.items(), key=lambda item: item[0].encode())
    query_string = "%26".join(f"{_wc_encode(k)}%3D{_wc_encode(v)}" for k, v in ordered)
    string_to_sign = f"{method.upper()}&{quote(url, safe='-_.~')}&{query_string}"
    digest = hashlib.sha256 if signature_method == "HMAC-SHA256" else hashlib.sha1
    return base64.b64encode(hmac.new(f"{secret}&".encode(), string_to_sign.encode(), digest).digest()).decode()
