"""A WooCommerce site owner stays signed in after connecting. WooCommerce has no admin that frames
the app and signs each visit (the way Wix, Shopify and Salla do), and it shows a key's secret only
once; so connecting sets a cookie on the app's own page instead:

- signed with the first of SECRET_KEYS (all verify) and carrying the store, the store's session
  version and when the owner connected. Disconnecting, connecting the site again (new keys) and
  uninstalling bump the version, which ends every sign-in handed out before;
- expiring: a visit to the app page renews it (sliding, WOOCOMMERCE_SIGNIN_IDLE_SECONDS), and
  WOOCOMMERCE_SIGNIN_MAX_SECONDS after connecting it ends whatever the visits;
- `HttpOnly` (no script reads it), `Secure` (except in development over plain http on loopback,
  where the demo and the tests run), `SameSite=Lax` (sent when the owner follows a link to the app
  from WordPress, never with another site's POST) and scoped to the app page's path.

The cookie opens the app page only: the page hands the dashboard a short app session for the API,
as on every platform.

A second cookie carries the connect form across its redirect after POST: what went wrong and the
address and consumer key typed (never the secret), for one page view."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ..crypto import signer
from ..settings import Settings
from ..stores import Store

SIGNIN_COOKIE = "oa_wc_signin"
FLASH_COOKIE = "oa_wc_form"
# The connect page and its disconnect form; the cookies are sent nowhere else.
COOKIE_PATH = "/app/woocommerce"
FLASH_MAX_AGE = 120


@dataclass(frozen=True)
class SignIn:
    store_id: int
    version: int
    since: int  # when the owner connected (Unix seconds): the maximum counts from here


@dataclass(frozen=True)
class Reading:
    """What the browser's sign-in cookie says: a sign-in, or none and whether one lapsed."""

    sign_in: SignIn | None = None
    lapsed: bool = False


def _signer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return signer(settings.secret_keys, f"woocommerce-{purpose}")


def secure_cookies(settings: Settings, request: Request) -> bool:
    """Cookies are `Secure` except in development over plain http on a loopback address."""
    if not settings.development or request.url.scheme == "https":
        return True
    host = request.url.hostname or ""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def _cookie(response: Response, settings: Settings, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure_cookies(settings, request),
        httponly=True,
        samesite="lax",
    )


def _forget(response: Response, settings: Settings, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=secure_cookies(settings, request), httponly=True, samesite="lax"
    )


def read(settings: Settings, request: Request, *, now: float | None = None) -> Reading:
    """The sign-in this browser holds, checked for signature and expiry (not yet against the store)."""
    raw = request.cookies.get(SIGNIN_COOKIE)
    if not raw:
        return Reading()
    now = time.time() if now is None else now
    try:
        data = _signer(settings, "sign-in").loads(raw, max_age=settings.woocommerce_signin_idle_seconds)
    except SignatureExpired:
        return Reading(lapsed=True)
    except BadSignature:
        return Reading()
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("s", "v", "t")):
        return Reading()
    if now - data["t"] > settings.woocommerce_signin_max_seconds:
        return Reading(lapsed=True)
    return Reading(SignIn(store_id=data["s"], version=data["v"], since=data["t"]))


def holds(sign_in: SignIn, store: Store | None) -> bool:
    """Whether the sign-in still opens `store`: a connected WooCommerce site whose session version
    has not moved since."""
    return (
        store is not None
        and store.installed
        and store.platform == "woocommerce"
        and store.id == sign_in.store_id
        and store.session_version == sign_in.version
    )


def sign_in(
    response: Response, settings: Settings, request: Request, store: Store, *, since: int | None = None
) -> None:
    """Set (or renew, keeping `since`) the owner's sign-in to `store` on `response`."""
    now = int(time.time())
    since = now if since is None else since
    left = since + settings.woocommerce_signin_max_seconds - now
    value = _signer(settings, "sign-in").dumps({"s": store.id, "v": store.session_version, "t": since})
    max_age = max(1, min(settings.woocommerce_signin_idle_seconds, left))
    _cookie(response, settings, request, SIGNIN_COOKIE, value, max_age)


def sign_out(response: Response, settings: Settings, request: Request) -> None:
    _forget(response, settings, request, SIGNIN_COOKIE)


def disconnect_token(settings: Settings, store: Store) -> str:
    """What the dashboard's Disconnect form sends back: proof that the page was the app's, for this
    store and session version (a page of another site cannot read it)."""
    return _signer(settings, "disconnect").dumps({"s": store.id, "v": store.session_version})


def disconnect_target(settings: Settings, token: object) -> tuple[int, int] | None:
    """(store id, session version) of a Disconnect form's token, or None when it is not one of ours."""
    try:
        data = _signer(settings, "disconnect").loads(str(token or ""), max_age=settings.woocommerce_signin_max_seconds)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("v"), int):
        return None
    return data["s"], data["v"]


def flash(response: Response, settings: Settings, request: Request, message: dict[str, Any]) -> None:
    """Carry `message` to the next view of the connect page (one view, two minutes at most)."""
    _cookie(response, settings, request, FLASH_COOKIE, _signer(settings, "form").dumps(message), FLASH_MAX_AGE)


def read_flash(settings: Settings, request: Request) -> dict[str, str]:
    """The message carried to this view, its values text; {} without one."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return {}
    try:
        data = _signer(settings, "form").loads(raw, max_age=FLASH_MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def forget_flash(response: Response, settings: Settings, request: Request) -> None:
    _forget(response, settings, request, FLASH_COOKIE)
