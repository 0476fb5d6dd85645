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

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import db, installation, stores
from ..crypto import signer
from ..errors import AppError, Forbidden, InvalidRequest, MalformedRequest
from .context import current_store, issue_session, json_body, services
from .errors import app_error
from .pages import store_page, templates
from .presenters import me_json
from .services import Services

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


async def connect(request: Request) -> JSONResponse:
    svc = services(request)
    svc.connect_limiter.check(_client_key(request))
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise MalformedRequest("Send the site address and keys as JSON (Content-Type: application/json).")
    body = await json_body(request)
    store = await installation.connect_woocommerce(
        svc.pool, svc.clients, body.get("site_url"), body.get("consumer_key"), body.get("consumer_secret")
    )
    return JSONResponse({"session": issue_session(svc, store), "me": me_json(store)}, status_code=201)


async def disconnect(request: Request) -> JSONResponse:
    """WooCommerce has no uninstall event for REST keys: the owner disconnects the site here. Its
    keys are wiped, open jobs canceled and refunded; connecting again keeps its history."""
    store = await current_store(request)
    if store.platform != "woocommerce":
        raise InvalidRequest("Only a WooCommerce site can be disconnected here; uninstall the app from your platform.")
    async with db.acquire(services(request).pool) as conn:
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
            store = await installation.connect_woocommerce(
                svc.pool, svc.clients, form.get("site_url"), form.get("consumer_key"), form.get("consumer_secret")
            )
        except AppError as exc:
            return _form_page(request, nonce, error=exc.message, status=exc.status)
    return store_page(request, "woocommerce", store)


routes = [
    Route("/api/woocommerce/connect", connect, methods=["POST"]),
    Route("/api/woocommerce/connect", disconnect, methods=["DELETE"]),
    Route("/app/woocommerce", connect_page, methods=["GET"]),
    Route("/app/woocommerce", connect_form, methods=["POST"]),
]
