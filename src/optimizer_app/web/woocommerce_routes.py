"""WooCommerce sites connect with REST API keys: the keys are proved by a test call, then kept
encrypted. The site URL identifies the store."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from .. import stores
from ..errors import InvalidRequest
from ..platforms.base import PlatformAuthError
from ..platforms.woocommerce import WooCommerceClient, WooCredentials
from ..stores import Store
from .account_routes import me_json
from .context import current_store, issue_session, json_body, services
from .services import Services
from .shell_routes import app_page, templates


def normalise_site_url(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidRequest("site_url must be the address of your WordPress site, e.g. https://shop.example.com.")
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest("site_url must start with https:// (or http:// for a local site).")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


async def connect_site(svc: Services, site_url_raw: object, key: object, secret: object) -> Store:
    """Prove the keys with one authenticated call, then install the site with its keys encrypted."""
    site_url = normalise_site_url(site_url_raw)
    if not (isinstance(key, str) and key.startswith("ck_") and isinstance(secret, str) and secret.startswith("cs_")):
        raise InvalidRequest("consumer_key (ck_…) and consumer_secret (cs_…) are the REST API keys from WooCommerce.")
    credentials = WooCredentials(key.strip(), secret.strip())
    try:
        await WooCommerceClient(site_url=site_url, credentials=credentials, http=svc.http, max_retries=1).check()
    except PlatformAuthError as exc:
        raise InvalidRequest(f"WooCommerce refused these keys: {exc.message}", reason="keys_refused") from None
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.install(
            conn,
            platform="woocommerce",
            external_id=site_url,
            display_name=urlsplit(site_url).netloc,
            today=datetime.now(UTC).date(),
        )
        await stores.save_tokens(
            conn, store.id, access_token_enc=svc.clients.seal_woocommerce_credentials(credentials), expires_at=None
        )
        saved = await stores.get(conn, store.id)
    assert saved is not None
    return saved


async def connect(request: Request) -> JSONResponse:
    svc = services(request)
    body = await json_body(request)
    store = await connect_site(svc, body.get("site_url"), body.get("consumer_key"), body.get("consumer_secret"))
    return JSONResponse({"session": issue_session(svc, store), "me": me_json(store)}, status_code=201)


async def disconnect(request: Request) -> JSONResponse:
    """WooCommerce has no uninstall event for REST keys: the owner disconnects the site here. Its
    keys are wiped, open jobs canceled and refunded; connecting again keeps its history."""
    store = await current_store(request)
    if store.platform != "woocommerce":
        raise InvalidRequest("Only a WooCommerce site can be disconnected here; uninstall the app from your platform.")
    async with services(request).pool.acquire() as conn:
        refunded = await stores.uninstall(conn, store.id)
    return JSONResponse({"disconnected": store.external_id, "credits_refunded": refunded})


async def connect_page(request: Request) -> HTMLResponse:
    return HTMLResponse(templates.get_template("woocommerce_connect.html").render(error=None))


async def connect_form(request: Request) -> HTMLResponse:
    """The connect form posts here; on success the app opens with a session for the site."""
    form = await request.form()

    async def identify(svc: Services, _request: Request) -> Store:
        return await connect_site(svc, form.get("site_url"), form.get("consumer_key"), form.get("consumer_secret"))

    try:
        return await app_page(request, "woocommerce", identify, error_template="woocommerce_connect.html")
    finally:
        await form.close()


routes = [
    Route("/api/woocommerce/connect", connect, methods=["POST"]),
    Route("/api/woocommerce/connect", disconnect, methods=["DELETE"]),
    Route("/app/woocommerce", connect_page, methods=["GET"]),
    Route("/app/woocommerce", connect_form, methods=["POST"]),
]
