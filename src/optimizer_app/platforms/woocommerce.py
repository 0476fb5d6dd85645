"""WooCommerce REST API v3 client (`{site}/wp-json/wc/v3`).

Authentication follows WooCommerce: HTTP Basic with the consumer key and secret over HTTPS, and
one-legged OAuth 1.0a (HMAC-SHA256) over plain HTTP, where Basic is refused.

Field mapping: title → `name`; description → `description` (HTML). WooCommerce has no SEO
fields of its own; SEO plugins keep them in `meta_data`, and the storefront prints only the active
plugin's. The active plugin is a fact of the site, not of a product: the WordPress REST index
(`GET /wp-json/`) lists the namespaces of the active plugins
(https://developer.wordpress.org/reference/classes/wp_rest_server/get_index/ — `namespaces`), and
Yoast SEO registers `yoast/v1` (Yoast/wordpress-seo `src/main.php`, API_V1_NAMESPACE) and Rank Math
`rankmath/v1` (rankmath/seo-by-rank-math `includes/rest/class-rest-helper.php`, BASE). The client
writes that plugin's keys — Yoast `_yoast_wpseo_title`/`_yoast_wpseo_metadesc` (WPSEO_Meta's
`_yoast_wpseo_` prefix with the fields `title` and `metadesc`, Yoast/wordpress-seo
`inc/class-wpseo-meta.php`), Rank Math `rank_math_title`/`rank_math_description` (the keys Rank
Math's own importers write) — and refuses SEO fields on a site with neither.

Both plugins accept variables in those keys (Yoast `%%title%% %%sep%% %%sitename%%`, Rank Math
`%title% %sep% %sitename%`), replaced when the page is printed. The client reports what a shopper
sees: the stored text when it holds no variable; else the value Yoast renders into
`yoast_head_json` (`title`, `description`), a field Yoast registers on every public post type's REST
answers, WooCommerce's products included (Yoast/wordpress-seo `src/routes/yoast-head-rest-field.php`,
`register_rest_field`; WC_REST_Products_Controller adds registered fields to each product); Rank
Math renders its head only through an optional per-page endpoint (`rankmath/v1/getHead`, with its
"Headless CMS support" on: rankmath/seo-by-rank-math `includes/rest/class-headless.php`), so a
Rank Math template, like an empty key, reads as no SEO value of the owner's own. The product's
page is `permalink` ("Product URL", read-only:
https://woocommerce.github.io/woocommerce-rest-api-docs/#product-properties).
Publishing many products goes through `POST /products/batch`, at most 100 per call. Images →
`images[] {id, src, alt}` (the first is the featured image); alt text goes back as the whole list
by id (`images_update`).

Over plain HTTP the OAuth 1.0a base string is built on the home URL the index reports: "You must
use the store URL provided by the index when forming the base string used for the signature, as
this is what the server will use" (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http;
WC_REST_Authentication::check_oauth_signature rebuilds it with get_home_url()). Over HTTPS some
hosts drop the Authorization header before PHP sees it; WooCommerce then finds no keys and the
route answers 401 as to an anonymous caller. Its documentation's remedy is the keys in the query
string (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https): the
client retries so once and, when that is answered, keeps doing so for the store (`SiteFacts`).

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
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..auth.woocommerce import PRODUCT_TOPICS, WooCredentials, oauth1_params
from ..domain import image_alt
from ..domain.attributes import Attribute
from ..domain.products import Collection, Product, ProductImage, ProductPage
from ..outbound import UNREACHABLE
from .base import PlatformAuthError, PlatformUnavailable, ProductNotFound, StorePlatformError
from .http import DEFAULT_POLICY, PlatformHttp, RetryPolicy

MAX_PER_PAGE = 100
MAX_BATCH = 100
MAX_CATEGORY_PAGES = 100  # 10,000 categories: a site claiming more pages is not believed

# plugin → (the REST namespace it registers, its SEO title key, its meta description key); the
# plugins are domain.publishable.WOOCOMMERCE_SEO_PLUGINS.
SEO_PLUGINS = {
    "yoast": ("yoast/v1", "_yoast_wpseo_title", "_yoast_wpseo_metadesc"),
    "rank_math": ("rankmath/v1", "rank_math_title", "rank_math_description"),
}

# Variables the plugins replace when the page is printed (Yoast: %%name%%; Rank Math: %name% or
# %name(argument)%).
_SEO_VARIABLES = {
    "yoast": re.compile(r"%%[^%\s]+%%"),
    "rank_math": re.compile(r"%[A-Za-z_]+(?:\([^)%]*\))?%"),
}
# The keys of `yoast_head_json` that hold the rendered title and meta description.
_YOAST_RENDERED = {"title": "title", "description": "description"}

# The answer of WooCommerce's authentication to keys it read and refused; any other 401 over
# HTTPS means no keys reached it (WC_REST_Authentication::perform_basic_authentication returns
# without an error when it finds none, and the route refuses the anonymous caller).
KEYS_REFUSED_CODE = "woocommerce_rest_authentication_error"


# `POST /products/batch` updating product 0: WooCommerce answers 200 with this error for the item
# and changes nothing (no product has id 0). See WooCommerceClient.check.
PROBE_BATCH = {"update": [{"id": 0}]}
PROBE_ERROR_CODE = "woocommerce_rest_product_invalid_id"


@dataclass(frozen=True)
class SiteFacts:
    """What the client learned of a site, kept per store (`stores.site_facts`)."""

    home: str | None = None  # the home URL the REST index reports: the OAuth base string's root
    seo_plugin: str | None = None  # a key of SEO_PLUGINS, or None: SEO fields are not publishable
    keys_in_query: bool = False  # over HTTPS the host drops Authorization: keys go in the query

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteFacts:
        home, plugin = data.get("home"), data.get("seo_plugin")
        return cls(
            home=home if isinstance(home, str) and home else None,
            seo_plugin=plugin if plugin in SEO_PLUGINS else None,
            keys_in_query=data.get("keys_in_query") is True,
        )

    def to_json(self) -> dict[str, Any]:
        return {"home": self.home, "seo_plugin": self.seo_plugin, "keys_in_query": self.keys_in_query}


class SiteRedirected(StorePlatformError):
    """The site answered with a redirect, which is not followed."""


class NoSeoPlugin(StorePlatformError):
    """SEO fields asked of a site without an SEO plugin the client writes to."""


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
        site: SiteFacts = SiteFacts(),
        remember: Callable[[SiteFacts], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(http=http, policy=policy)
        self.site_url = site_url.rstrip("/")
        self.api_base = f"{self.site_url}/wp-json/wc/v3"
        self.credentials = credentials
        self.site = site
        self.remember = remember

    def _signed_url(self, url: str) -> str:
        """The URL WooCommerce rebuilds for the signature: the home URL's address with the path
        below it, in the scheme of the request (get_home_url(null, path, is_ssl() ? https : http))."""
        if not self.site.home:
            return url
        home = urlsplit(self.site.home)
        path = home.path.rstrip("/") + url[len(self.site_url) :]
        return urlunsplit((urlsplit(url).scheme, home.netloc, path, "", ""))

    def _auth(self, method: str, url: str, params: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        if urlsplit(url).scheme == "https":
            if self.site.keys_in_query:
                keys = {
                    "consumer_key": self.credentials.consumer_key,
                    "consumer_secret": self.credentials.consumer_secret,
                }
                return {**params, **keys}, {}
            basic = base64.b64encode(f"{self.credentials.consumer_key}:{self.credentials.consumer_secret}".encode())
            return params, {"Authorization": f"Basic {basic.decode()}"}
        signed = oauth1_params(
            method,
            self._signed_url(url),
            params,
            self.credentials,
            nonce=secrets.token_hex(16),
            timestamp=int(time.time()),
        )
        return {**params, **signed}, {}

    async def _send(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any) -> httpx.Response:
        def build(_: str) -> httpx.Request:  # signed again for each try: a fresh OAuth nonce and timestamp
            query, headers = self._auth(method, url, {k: str(v) for k, v in (params or {}).items()})
            return self.http.build_request(method, url, params=query, json=json, headers=headers)

        try:
            return await self.send(build)
        except httpx.TransportError:
            raise PlatformUnavailable(UNREACHABLE) from None

    async def _request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        url = self.api_base + path
        res = await self._send(method, url, params, json)
        if res.status_code == 401 and _keys_unseen(url, res) and not self.site.keys_in_query:
            self.site = replace(self.site, keys_in_query=True)
            retried = await self._send(method, url, params, json)
            if retried.status_code == 401:
                self.site = replace(self.site, keys_in_query=False)
            elif self.remember is not None:
                await self.remember(self.site)
            res = retried
        return _classified(res)

    async def learn_site(self) -> SiteFacts:
        """Read the WordPress REST index (`GET /wp-json/`, public: no keys are sent) for the
        home URL and the active SEO plugin, and use them from now on. A site whose index cannot be
        read keeps the address it was given and counts as having no SEO plugin."""
        url = f"{self.site_url}/wp-json/"
        try:
            res = await self.send(lambda _: self.http.build_request("GET", url))
        except httpx.TransportError:
            raise PlatformUnavailable(UNREACHABLE) from None
        if res.status_code in (401, 403, 404):
            index: Any = None
        else:
            index = _json(_classified(res))
        if not isinstance(index, dict):
            index = {}
        namespaces = index.get("namespaces")
        active = (
            set(namespaces) if isinstance(namespaces, list) and all(isinstance(n, str) for n in namespaces) else set()
        )
        plugins = [name for name, (namespace, _, _) in SEO_PLUGINS.items() if namespace in active]
        home = index.get("home")
        self.site = replace(
            self.site,
            home=home if isinstance(home, str) and urlsplit(home).scheme in ("http", "https") else None,
            # Two SEO plugins at once: which one prints the title is not the app's to guess.
            seo_plugin=plugins[0] if len(plugins) == 1 else None,
        )
        return self.site

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
        return ProductPage(
            products=[to_product(p, self.site.seo_plugin) for p in res.json()],
            next_cursor=str(page + 1) if page < _total_pages(res, page) else None,
            total=int(res.headers["x-wp-total"]) if res.headers.get("x-wp-total") else None,
        )

    async def list_products(
        self, *, cursor: str | None = None, query: str | None = None, limit: int = 50
    ) -> ProductPage:
        return await self._page({"search": query} if query else {}, cursor, limit)

    async def list_collections(self) -> list[Collection]:
        """Every category, page by page as `X-WP-TotalPages` counts them."""
        collections: list[Collection] = []
        page = 1
        while True:
            res = await self._request("GET", "/products/categories", params={"per_page": MAX_PER_PAGE, "page": page})
            collections.extend(
                Collection(id=str(c["id"]), name=str(c.get("name", "")), product_count=c.get("count"))
                for c in res.json()
            )
            if page >= min(_total_pages(res, page), MAX_CATEGORY_PAGES):
                return collections
            page += 1

    async def products_in_collection(
        self, collection_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> ProductPage:
        return await self._page({"category": collection_id}, cursor, limit)

    async def get_product(self, product_id: str) -> Product:
        return to_product((await self._request("GET", f"/products/{product_id}")).json(), self.site.seo_plugin)

    async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        # WooCommerce's product ids are integers; anything else is not found and never sent.
        product_ids = [pid for pid in product_ids if pid.isdecimal() and pid.isascii()]
        found: list[Product] = []
        for start in range(0, len(product_ids), MAX_PER_PAGE):
            chunk = product_ids[start : start + MAX_PER_PAGE]
            res = await self._request("GET", "/products", params={"include": ",".join(chunk), "per_page": MAX_PER_PAGE})
            found.extend(to_product(p, self.site.seo_plugin) for p in res.json())
        return found

    async def with_images(self, products: Sequence[Product]) -> list[Product]:
        # Products are read with their images; one kept from before images were read is read again.
        unread = [p.id for p in products if p.images is None]
        read = {p.id: p for p in await self.get_products(unread)} if unread else {}
        return [read.get(p.id, p) if p.images is None else p for p in products]

    async def update_product(self, product: Product, values: Mapping[Attribute, str]) -> Product:
        body = to_woo_update(product, values, self.site.seo_plugin)
        res = await self._request("PUT", f"/products/{product.id}", json=body)
        return to_product(res.json(), self.site.seo_plugin)

    async def update_products(
        self, items: Sequence[tuple[Product, Mapping[Attribute, str]]]
    ) -> list[Product | StorePlatformError]:
        """`POST /products/batch`, ≤100 a call; one outcome per item, in order."""
        outcomes: dict[int, Product | StorePlatformError] = {}
        bodies: list[tuple[int, dict[str, Any]]] = []
        for index, (product, values) in enumerate(items):
            try:
                bodies.append((index, {"id": int(product.id), **to_woo_update(product, values, self.site.seo_plugin)}))
            except NoSeoPlugin as exc:
                outcomes[index] = exc
        for start in range(0, len(bodies), MAX_BATCH):
            chunk = bodies[start : start + MAX_BATCH]
            res = await self._request("POST", "/products/batch", json={"update": [body for _, body in chunk]})
            for (index, _), entry in zip(chunk, res.json().get("update", []), strict=False):
                error = entry.get("error")
                if error:
                    outcomes[index] = StorePlatformError(f"WooCommerce refused the update ({_error_code(error)}).")
                else:
                    outcomes[index] = to_product(entry, self.site.seo_plugin)
        return [
            outcomes.get(i, StorePlatformError("WooCommerce returned no result for this product."))
            for i in range(len(items))
        ]

    async def subscribe_webhooks(
        self, delivery_url: str, secret: str, topics: Sequence[str] = PRODUCT_TOPICS
    ) -> list[str]:
        """A webhook to `delivery_url` for each of `topics`, through the REST API's webhooks
        endpoint (https://woocommerce.github.io/woocommerce-rest-api-docs/#create-a-webhook).
        One already there with that address is kept, its secret written again (WooCommerce never
        shows it) and its delivery resumed: WooCommerce disables a webhook after repeated failed
        deliveries (WC_Webhook::failed_delivery). Returns the topics created now."""
        existing: list[dict[str, Any]] = []
        page = 1
        while True:
            res = await self._request("GET", "/webhooks", params={"per_page": MAX_PER_PAGE, "page": page})
            rows = _json(res)
            existing += [w for w in rows if isinstance(w, dict)] if isinstance(rows, list) else []
            if page >= _total_pages(res, page):
                break
            page += 1
        created = []
        for topic in topics:
            mine = next(
                (w for w in existing if w.get("topic") == topic and w.get("delivery_url") == delivery_url), None
            )
            if mine is not None:
                await self._request("PUT", f"/webhooks/{int(mine['id'])}", json={"secret": secret, "status": "active"})
                continue
            body = {
                "name": f"Optimizer App: {topic}",
                "topic": topic,
                "delivery_url": delivery_url,
                "secret": secret,
                "status": "active",
            }
            await self._request("POST", "/webhooks", json=body)
            created.append(topic)
        return created


def _meta(data: dict[str, Any]) -> dict[str, str]:
    return {str(m.get("key")): str(m.get("value") or "") for m in data.get("meta_data") or [] if isinstance(m, dict)}


def to_product(data: dict[str, Any], seo_plugin: str | None) -> Product:
    """A WooCommerce product; its SEO fields are the active plugin's (empty on a site with none)."""
    meta = _meta(data)
    _, title_key, description_key = SEO_PLUGINS.get(seo_plugin or "", ("", "", ""))
    extra: dict[str, Any] = {}
    if data.get("price"):
        extra["price"] = data["price"]
    if data.get("short_description"):
        extra["short_description"] = data["short_description"]
    for attribute in data.get("attributes") or []:
        if attribute.get("name") and attribute.get("options"):
            extra[str(attribute["name"]).lower()] = ", ".join(map(str, attribute["options"]))
    images = data.get("images") or []
    rendered = data.get("yoast_head_json") if seo_plugin == "yoast" else None
    rendered = rendered if isinstance(rendered, dict) else {}
    permalink = data.get("permalink")
    return Product(
        id=str(data["id"]),
        title=html.unescape(str(data.get("name") or "")),
        description_html=str(data.get("description") or ""),
        seo_title=_shown_seo(seo_plugin, meta.get(title_key, ""), rendered.get(_YOAST_RENDERED["title"])),
        seo_description=_shown_seo(
            seo_plugin, meta.get(description_key, ""), rendered.get(_YOAST_RENDERED["description"])
        ),
        revision=None,
        collection_ids=tuple(str(c["id"]) for c in data.get("categories") or []),
        image_url=images[0].get("src") if images else None,
        url=permalink if isinstance(permalink, str) and permalink else None,
        extra=extra,
        images=tuple(
            ProductImage(id=str(i["id"]), url=i.get("src") or None, alt=str(i.get("alt") or ""))
            for i in images
            if isinstance(i, dict) and i.get("id")
        ),
    )


def _shown_seo(seo_plugin: str | None, stored: str, rendered: object) -> str:
    """What a shopper sees of an SEO field the owner set: the stored text, or, when it holds the
    plugin's variables, the plugin's rendering of it; "" when the owner set none, or when the
    plugin does not say what its template renders to."""
    variables = _SEO_VARIABLES.get(seo_plugin or "")
    if variables is None or not stored.strip():
        return ""
    if not variables.search(stored):
        return stored
    return html.unescape(rendered).strip() if isinstance(rendered, str) else ""


def to_woo_update(product: Product, values: Mapping[Attribute, str], seo_plugin: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if Attribute.IMAGE_ALT in values:
        body["images"] = images_update(product, values[Attribute.IMAGE_ALT])
    if Attribute.TITLE in values:
        body["name"] = html.escape(values[Attribute.TITLE], quote=False)
    if Attribute.DESCRIPTION in values:
        body["description"] = values[Attribute.DESCRIPTION]
    meta = []
    if (Attribute.SEO_TITLE in values or Attribute.SEO_DESCRIPTION in values) and seo_plugin not in SEO_PLUGINS:
        raise NoSeoPlugin(
            "This WordPress site has no SEO plugin the app writes to (Yoast SEO or Rank Math), so SEO fields "
            "cannot be published there."
        )
    _, title_key, description_key = SEO_PLUGINS.get(seo_plugin or "", ("", "", ""))
    if Attribute.SEO_TITLE in values:
        meta.append({"key": title_key, "value": values[Attribute.SEO_TITLE]})
    if Attribute.SEO_DESCRIPTION in values:
        meta.append({"key": description_key, "value": values[Attribute.SEO_DESCRIPTION]})
    if meta:
        body["meta_data"] = meta
    return body


def images_update(product: Product, value: str) -> list[dict[str, Any]]:
    """`images` of an update that sets alt text. Sending `images` replaces the featured image and the
    whole gallery (index 0 becomes the featured image), an item without `id` is downloaded again as
    a new attachment, and a `name` renames the attachment
    (WC_REST_Products_Controller::set_product_images, woocommerce/woocommerce
    plugins/woocommerce/includes/rest-api/Controllers/Version3/class-wc-rest-products-controller.php):
    so every current image goes back by `id`, in its order, with its alt text and nothing else.
    WooCommerce writes `alt` only when it is not empty (`! empty( $image['alt'] )`), through
    `wc_clean`, which trims it: an alt text that must become empty (a revert) is sent as one space."""
    wanted = image_alt.by_image(value)
    update: list[dict[str, Any]] = []
    for image in product.images or ():
        alt = wanted.get(image.id, image.alt)
        update.append({"id": int(image.id), "alt": alt if alt.strip() else " "})
    return update


def _classified(res: httpx.Response) -> httpx.Response:
    """The answer, or the error it stands for."""
    if res.status_code == 429 or res.status_code >= 500:
        raise PlatformUnavailable(
            f"The WooCommerce site is unavailable ({res.status_code}); try again later.", status=res.status_code
        )
    if 300 <= res.status_code < 400:
        raise SiteRedirected(
            f"The WooCommerce site answered with a redirect ({res.status_code}), which the app does not follow: "
            "the site has moved (to https, to www or to another address). Connect it again with the address "
            "your WordPress site lives at (as in Settings → General → Site Address).",
            status=res.status_code,
            platform_code="site_redirected",
        )
    if res.status_code in (401, 403):
        raise PlatformAuthError(f"WooCommerce refused the keys ({res.status_code}).", status=res.status_code)
    if res.status_code == 404:
        raise ProductNotFound("WooCommerce has no such product (404).", status=404)
    if res.status_code >= 400:
        raise StorePlatformError(f"WooCommerce answered {res.status_code}.", status=res.status_code)
    return res


def _keys_unseen(url: str, res: httpx.Response) -> bool:
    """A 401 over HTTPS that is not WooCommerce refusing keys it read: none reached it."""
    if urlsplit(url).scheme != "https":
        return False
    data = _json(res)
    return not (isinstance(data, dict) and data.get("code") == KEYS_REFUSED_CODE)


def _total_pages(res: httpx.Response, page: int) -> int:
    value = res.headers.get("x-wp-totalpages", "")
    return int(value) if value.isdecimal() and len(value) < 10 else page


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
