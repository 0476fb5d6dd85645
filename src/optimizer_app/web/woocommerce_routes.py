"""WooCommerce sites connect with REST API keys: the keys are proved (the site answers like
WooCommerce and lets them read and write, see WooCommerceClient.check), then kept encrypted. The
site URL identifies the store; its host (`outbound.site_key`) holds the free plan's credits.

Connecting makes us call an address a stranger chose, so attempts are limited per client address
and the address goes through `outbound`. The HTML form carries a CSRF token: a random nonce in a
SameSite=Strict cookie, signed into the form with SECRET_KEY and valid for an hour; the JSON API
takes only `application/json`, which a cross-site page cannot send without the browser asking
first (CORS preflight, which this app never grants)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import stores
from ..crypto import signer
from ..errors import AppError, Forbidden, InvalidRequest, MalformedRequest
from ..outbound import parse_site_url, site_key
from ..platforms.base import PlatformAuthError, PlatformUnavailable, StorePlatformError
from ..platforms.woocommerce import KeysReadOnly, SiteRedirected, WooCredentials
from ..stores import Store
from .account_routes import me_json
from .context import current_store, issue_session, json_body, services
from .errors import app_error
from .services import Services
from .shell_routes import app_page, templates

CSRF_COOKIE = "oa_wc_connect"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 3600


def _client_key(request: Request) -> str:
    """The caller's address as rate limits count it: an IPv6 caller by its /64, which one
    machine usually holds whole."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


async def connect_site(svc: Services, site_url_raw: object, key: object, secret: object) -> Store:
    """Prove the keys changing nothing in the store, then install the site with its keys encrypted."""
    site_url = parse_site_url(site_url_raw, svc.clients.outbound_policy)
    if not (isinstance(key, str) and key.startswith("ck_") and isinstance(secret, str) and secret.startswith("cs_")):
        raise InvalidRequest("consumer_key (ck_…) and consumer_secret (cs_…) are the REST API keys from WooCommerce.")
    credentials = WooCredentials(key.strip(), secret.strip())
    try:
        await svc.clients.woocommerce_client(site_url, credentials, max_retries=1).check()
    except KeysReadOnly as exc:
        raise InvalidRequest(exc.message, reason="keys_read_only") from None
    except PlatformAuthError:
        raise InvalidRequest("WooCommerce refused these keys.", reason="keys_refused") from None
    except SiteRedirected as exc:
        raise InvalidRequest(exc.message, reason="redirected") from None
    except PlatformUnavailable as exc:
        # The address the owner typed leads nowhere (or nowhere working): their input, a 4xx.
        raise InvalidRequest(exc.message, reason="unreachable") from None
    except StorePlatformError:
        raise InvalidRequest(
            "This address did not answer like a WooCommerce store: enter your WordPress site's address "
            "(WooCommerce's REST API lives under /wp-json/wc/v3 there).",
            reason="not_woocommerce",
        ) from None
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.install(
            conn,
            platform="woocommerce",
            external_id=site_url,
            display_name=urlsplit(site_url).netloc,
            today=datetime.now(UTC).date(),
            grant_key=site_key(site_url),
        )
        await stores.save_tokens(
            conn, store.id, access_token_enc=svc.clients.seal_woocommerce_credentials(credentials), expires_at=None
        )
        saved = await stores.get(conn, store.id)
    assert saved is not None
    return saved


async def connect(request: Request) -> JSONResponse:
    svc = services(request)
    svc.connect_limiter.check(_client_key(request))
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise MalformedRequest("Send the site address and keys as JSON (Content-Type: application/json).")
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


def _form_signer(svc: Services) -> URLSafeTimedSerializer:
    return signer(svc.settings.secret_keys, "woocommerce-connect-form")


def _form_page(request: Request, nonce: str, *, error: str | None = None, status: int = 200) -> HTMLResponse:
    svc = services(request)
    page = templates.get_template("woocommerce_connect.html").render(
        error=error, csrf_field=CSRF_FIELD, csrf_token=_form_signer(svc).dumps(nonce)
    )
    response = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        max_age=CSRF_MAX_AGE,
        path="/app/woocommerce",
        secure=not svc.settings.development,
        httponly=True,
        samesite="strict",
    )
    return response


async def connect_page(request: Request) -> HTMLResponse:
    return _form_page(request, secrets.token_urlsafe(24))


def _form_nonce(request: Request, token: object) -> str:
    """The nonce of a form this app served to this browser within the hour, or 403."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    try:
        nonce = _form_signer(services(request)).loads(str(token or ""), max_age=CSRF_MAX_AGE)
    except BadSignature:
        nonce = None
    if not cookie or not isinstance(nonce, str) or not hmac.compare_digest(nonce, cookie):
        raise Forbidden("This form has expired or was not sent from this app's page; reload the page and try again.")
    return nonce


async def connect_form(request: Request) -> Response:
    """The connect form posts here; on success the app opens with a session for the site."""
    svc = services(request)
    async with request.form() as form:
        try:
            svc.connect_limiter.check(_client_key(request))
            nonce = _form_nonce(request, form.get(CSRF_FIELD))
        except AppError as exc:
            return await app_error(request, exc)
        try:
            store = await connect_site(svc, form.get("site_url"), form.get("consumer_key"), form.get("consumer_secret"))
        except AppError as exc:
            return _form_page(request, nonce, error=exc.message, status=exc.status)

    async def connected(_svc: Services, _request: Request) -> Store:
        return store

    return await app_page(request, "woocommerce", connected)


routes = [
    Route("/api/woocommerce/connect", connect, methods=["POST"]),
    Route("/api/woocommerce/connect", disconnect, methods=["DELETE"]),
    Route("/app/woocommerce", connect_page, methods=["GET"]),
    Route("/app/woocommerce", connect_form, methods=["POST"]),
]
