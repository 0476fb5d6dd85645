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
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import db, installation, stores
from ..auth import woocommerce as woo_auth
from ..crypto import signer
from ..errors import AppError, Forbidden, InvalidRequest, MalformedRequest, NotFound, RateLimited
from ..store_events import applier
from ..store_events import woocommerce as woo_events
from ..stores import Store
from . import woocommerce_signin as signin
from .context import current_store, issue_session, json_body, services
from .pages import error_page, store_page, templates
from .presenters import me_json
from .services import Services
from .woocommerce_words import WORDS, error_key, form_language

CSRF_COOKIE = "oa_wc_connect"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 3600
DISCONNECT_PATH = "/app/woocommerce/disconnect"
# Typed into the form and shown again after a refusal; the secret never is.
KEPT_FIELDS = ("site_url", "consumer_key")
MAX_KEPT_CHARS = 300


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
        svc.pool,
        svc.clients,
        body.get("site_url"),
        body.get("consumer_key"),
        body.get("consumer_secret"),
        product_webhook=lambda store: product_webhook(svc, store),
    )
    return JSONResponse({"session": issue_session(svc, store), "me": me_json(store, svc.settings)}, status_code=201)


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


def _page_url(request: Request, path: str = "/app/woocommerce") -> str:
    """`path` in the language the page was asked for."""
    locale = request.query_params.get("locale", "")
    return f"{path}?{urlencode({'locale': locale})}" if locale else path


def _form_page(
    request: Request,
    nonce: str,
    *,
    message: str | None = None,
    notice: str | None = None,
    fields: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The connect form in the page's language, with one sentence saying what went wrong (`message`)
    or what happened (`notice`), and the address and consumer key typed before (never the secret)."""
    svc = services(request)
    lang = form_language(request)
    words = WORDS[lang]
    page = templates.get_template("woocommerce_connect.html").render(
        lang=lang,
        w=words,
        error=words[message] if message else None,
        notice=words[notice] if notice else None,
        fields=fields or {},
        action=_page_url(request),
        other_language_url=f"/app/woocommerce?locale={'en' if lang == 'ar' else 'ar'}",
        csrf_field=CSRF_FIELD,
        csrf_token=_form_signer(svc).dumps(nonce),
    )
    response = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        max_age=CSRF_MAX_AGE,
        path="/app/woocommerce",
        secure=signin.secure_cookies(svc.settings, request),
        httponly=True,
        samesite="strict",
    )
    return response


def _dashboard(request: Request, store: Store) -> HTMLResponse:
    """The app for a signed-in site, with what the Settings screen's Disconnect form sends."""
    svc = services(request)
    disconnect = {"url": _page_url(request, DISCONNECT_PATH), "token": signin.disconnect_token(svc.settings, store)}
    return store_page(request, "woocommerce", store, extra={"disconnect": disconnect})


async def connect_page(request: Request) -> HTMLResponse:
    """The app for an owner signed in on this browser (the sign-in renewed), else the connect form."""
    svc = services(request)
    reading = signin.read(svc.settings, request)
    notice = "notice.expired" if reading.lapsed else None
    if reading.sign_in is not None:
        async with db.acquire(svc.pool) as conn:
            store = await stores.get(conn, reading.sign_in.store_id)
        if store is not None and signin.holds(reading.sign_in, store):
            page = _dashboard(request, store)
            signin.sign_in(page, svc.settings, request, store, since=reading.sign_in.since)
            return page
        notice = "notice.ended"
    carried = signin.read_flash(svc.settings, request)
    page = _form_page(
        request,
        secrets.token_urlsafe(24),
        message=carried.get("error"),
        notice=carried.get("notice") or notice,
        fields={k: carried[k] for k in KEPT_FIELDS if k in carried},
    )
    if signin.FLASH_COOKIE in request.cookies:
        signin.forget_flash(page, svc.settings, request)
    if signin.SIGNIN_COOKIE in request.cookies:
        signin.sign_out(page, svc.settings, request)
    return page


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


def _typed(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_KEPT_CHARS] if isinstance(value, str) else ""


async def connect_form(request: Request) -> Response:
    """The connect form posts here. Connected: the owner is signed in on this browser and sent to
    the app page (a reload never posts the keys again); refused: back to the form, which says why
    and keeps the address and consumer key. An expired form or too many attempts are answered here,
    keeping nothing a page of another site could have posted."""
    svc = services(request)
    async with request.form() as form:
        try:
            svc.connect_limiter.check(_client_key(request))
            _form_nonce(request, form.get(CSRF_FIELD))
        except AppError as exc:
            page = _form_page(request, secrets.token_urlsafe(24), message=error_key(exc), status=exc.status)
            if isinstance(exc, RateLimited):
                page.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
            return page
        response = RedirectResponse(_page_url(request), status_code=303)
        try:
            store = await installation.connect_woocommerce(
                svc.pool,
                svc.clients,
                form.get("site_url"),
                form.get("consumer_key"),
                form.get("consumer_secret"),
                product_webhook=lambda store: product_webhook(svc, store),
            )
        except AppError as exc:
            kept = {name: _typed(form, name) for name in KEPT_FIELDS}
            signin.flash(response, svc.settings, request, {"error": error_key(exc), **kept})
            return response
    signin.sign_in(response, svc.settings, request, store)
    return response


def _same_origin(request: Request) -> bool:
    """A browser's POST names the page it came from in `Origin`: a form on another site is refused
    before its token is read. (Without `Origin` the token alone decides.)"""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    public = urlsplit(services(request).settings.app_base_url)
    return origin in (f"{request.url.scheme}://{request.url.netloc}", f"{public.scheme}://{public.netloc}")


async def disconnect_form(request: Request) -> Response:
    """The Settings screen's Disconnect: the site's keys are forgotten (as with DELETE
    /api/woocommerce/connect), the sign-in ends on every browser (the session version moves) and
    this browser's cookie goes; the owner lands on the connect form, which says so."""
    svc = services(request)
    async with request.form() as form:
        target = signin.disconnect_target(svc.settings, form.get("token")) if _same_origin(request) else None
    async with db.acquire(svc.pool) as conn:
        store = await stores.get(conn, target[0]) if target else None
        if store is None or target is None or not signin.holds(signin.SignIn(target[0], target[1], 0), store):
            return error_page(Forbidden("This page has expired; reload the app and press Disconnect again."))
        await stores.uninstall(conn, store.id)
    response = RedirectResponse(_page_url(request), status_code=303)
    signin.sign_out(response, svc.settings, request)
    signin.flash(response, svc.settings, request, {"notice": "notice.disconnected"})
    return response


def product_webhook(svc: Services, store: Store) -> tuple[str, str]:
    """Where the site delivers its product webhooks and the secret they are signed with: the
    address names the store (a delivery's own source header is not signed)."""
    secret = woo_auth.webhook_secret(svc.settings.secret_keys[0], store.external_id)
    return f"{svc.settings.app_base_url}/webhooks/woocommerce/{store.id}", secret


async def woocommerce_webhook(request: Request) -> JSONResponse:
    """A site's product.created / product.updated delivery: verified with the store's secret,
    recorded once per delivery and product. The ping a new webhook sends is answered and ignored."""
    svc = services(request)
    body = await request.body()
    if woo_auth.is_ping(body, request.headers):
        return JSONResponse({"status": "ping"})
    async with db.acquire(svc.pool) as conn:
        store = await stores.get(conn, request.path_params["store_id"])
    if store is None or store.platform != "woocommerce":
        raise NotFound("No WooCommerce site is connected at this webhook address.")
    site_secrets = [woo_auth.webhook_secret(key, store.external_id) for key in svc.settings.secret_keys]
    webhook = woo_auth.verify_webhook_request(body, request.headers, secrets=site_secrets)
    event = woo_events.store_events(webhook, site=store.external_id)
    outcome = await applier.apply(svc.pool, svc.cipher, event)
    return JSONResponse({"status": outcome.status, "event_id": outcome.event_id})


routes = [
    Route("/webhooks/woocommerce/{store_id:int}", woocommerce_webhook, methods=["POST"]),
    Route("/api/woocommerce/connect", connect, methods=["POST"]),
    Route("/api/woocommerce/connect", disconnect, methods=["DELETE"]),
    Route("/app/woocommerce", connect_page, methods=["GET"]),
    Route("/app/woocommerce", connect_form, methods=["POST"]),
    Route(DISCONNECT_PATH, disconnect_form, methods=["POST"]),
]
