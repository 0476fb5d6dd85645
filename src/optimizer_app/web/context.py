"""Who is calling: the store taken from a verified platform token or an app session, never from an
id the browser sent; and request-body parsing with clear errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from .. import catalog, db, installation
from ..auth import shopify as shopify_auth
from ..auth import wix as wix_auth
from ..crypto import signer
from ..domain.history import Actor, ActorKind
from ..errors import AppError, MalformedRequest, Unauthorized
from ..stores import Store
from ..strict_json import INT64_MAX, bounded_int, check_text, loads_object
from .services import Services

SESSION_PREFIX = "oas."


def session_serializer(secret_keys: tuple[str, ...]) -> URLSafeTimedSerializer:
    return signer(secret_keys, "optimizer-app-session")


class _Session(NamedTuple):
    store_id: int
    version: int
    user_id: str | None  # the platform's user the session was issued to, when its token named one


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def current_store(request: Request) -> Store:
    """The calling store, within its API rate limit (429 beyond it). Accepts
    `Authorization: Bearer oas.<session>` (issued by the app shell from a verified platform token),
    `X-Wix-Instance: <signed instance>` or `Authorization: Bearer <Shopify session token>`."""
    return (await current_caller(request))[0]


async def current_caller(request: Request) -> tuple[Store, Actor]:
    """The calling store (as current_store) and who is calling: the owner, with the platform's
    user id when the token names one (a Shopify session token's `sub`, a Wix instance's `uid`,
    kept in the app session issued from it)."""
    svc = services(request)
    session = _session_store_id(svc, request)
    if session is not None:
        async with db.acquire(svc.pool) as conn:
            # Limited before anything else is asked: a store over its limit costs one row update.
            store = await svc.rate_limiter.store_within_limit(conn, session.store_id)
        if store is None or not store.installed:
            raise Unauthorized("The app is not installed on this store.")
        if store.session_version != session.version:
            raise Unauthorized("This session ended when the app was reinstalled or reconnected; reopen the app.")
        return store, Actor(ActorKind.OWNER, session.user_id)
    # A platform token names the store only once it is looked up (and installed on first open).
    store, user_id = await _identify_by_platform_token(svc, request)
    async with db.acquire(svc.pool) as conn:
        await svc.rate_limiter.check(conn, store.id)
    return store, Actor(ActorKind.OWNER, user_id)


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, or "" without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


def _session_store_id(svc: Services, request: Request) -> _Session | None:
    """The store of an app session and the store's session version it was issued under, verified;
    None when the request carries no app session."""
    if "x-wix-instance" in request.headers:
        return None
    token = bearer_token(request)
    if not token.startswith(SESSION_PREFIX):
        return None
    try:
        data = svc.sessions.loads(token[len(SESSION_PREFIX) :], max_age=svc.settings.session_ttl_seconds)
    except SignatureExpired:
        raise Unauthorized("The session has expired; reopen the app.") from None
    except BadSignature:
        raise Unauthorized("Invalid session token.") from None
    if not isinstance(data, dict) or not isinstance(data.get("store_id"), int) or not isinstance(data.get("v"), int):
        raise Unauthorized("Invalid session token.")
    user_id = data.get("u")
    return _Session(data["store_id"], data["v"], user_id if isinstance(user_id, str) else None)


async def _identify_by_platform_token(svc: Services, request: Request) -> tuple[Store, str | None]:
    """The store a platform token names, and the platform's user it names, if any."""
    instance = request.headers.get("x-wix-instance")
    if instance is not None:
        verified = _verified_wix_instance(svc, instance)
        return await _install_wix(svc, verified), verified.uid
    token = bearer_token(request)
    if not token:
        raise Unauthorized("Missing credentials: send X-Wix-Instance or an app session.")
    if token.count(".") == 2:  # a JWT: Shopify App Bridge session token
        session = _verified_shopify_session(svc, token)
        return await installation.install_shopify(
            svc.pool, svc.clients, svc.cipher, session, token, webhook_url=shopify_webhook_url(svc)
        ), session.user_id
    raise Unauthorized("Unrecognised token.")


def issue_session(svc: Services, store: Store, user_id: str | None = None) -> str:
    return signed_session(svc.sessions, store, user_id)


def signed_session(sessions: URLSafeTimedSerializer, store: Store, user_id: str | None = None) -> str:
    """An app session for `store` (and the platform's user `user_id`, when the token it is issued
    from names one), valid until it expires or the store is reinstalled or reconnected."""
    data: dict[str, Any] = {"store_id": store.id, "v": store.session_version}
    if user_id:
        data["u"] = user_id
    return SESSION_PREFIX + sessions.dumps(data)


def _verified_wix_instance(svc: Services, instance: str) -> wix_auth.WixInstance:
    return wix_auth.verify_instance(instance, app_id=svc.settings.wix_app_id, app_secret=svc.settings.wix_app_secret)


async def _install_wix(svc: Services, verified: wix_auth.WixInstance) -> Store:
    return await installation.install_wix(
        svc.pool, svc.clients, svc.http, svc.cipher, verified, api_base=svc.settings.wix_api_base
    )


def _verified_shopify_session(svc: Services, token: str) -> shopify_auth.SessionToken:
    return shopify_auth.verify_session_token(
        token, api_key=svc.settings.shopify_api_key, api_secret=svc.settings.shopify_api_secret
    )


async def store_from_wix_instance(svc: Services, instance: str) -> Store:
    """The site of a signed Wix instance, installed on its first open."""
    return await _install_wix(svc, _verified_wix_instance(svc, instance))


def wix_instance_user(svc: Services, instance: str) -> str | None:
    """The Wix user a signed instance names (its `uid`); None when it names none or does not verify
    (opening the app with it refuses it)."""
    try:
        return _verified_wix_instance(svc, instance).uid
    except AppError:
        return None


async def store_from_shopify_session(svc: Services, token: str) -> Store:
    """The shop of an App Bridge session token, installed on its first open."""
    session = _verified_shopify_session(svc, token)
    return await installation.install_shopify(
        svc.pool, svc.clients, svc.cipher, session, token, webhook_url=shopify_webhook_url(svc)
    )


def shopify_webhook_url(svc: Services) -> str:
    """Where Shopify delivers this app's webhooks: the app's public address (APP_BASE_URL)."""
    return f"{svc.settings.app_base_url}/webhooks/shopify"


async def store_from_salla_token(svc: Services, token: str) -> Store:
    """The store of the embedded Salla dashboard's token (checked with Salla)."""
    return await installation.open_salla(
        svc.pool,
        svc.http,
        token,
        introspect_base=svc.settings.salla_introspect_base,
        app_id=svc.settings.salla_client_id,
    )


async def fresh_catalog_index(svc: Services, store: Store) -> datetime:
    """When the store's catalog index was last complete, synced first when it is older than
    CATALOG_INDEX_MAX_AGE_SECONDS (waiting for that up to CATALOG_SYNC_WAIT_SECONDS)."""
    return await catalog.fresh_index(
        svc.pool,
        svc.clients.for_store(store),
        store.id,
        max_age=timedelta(seconds=svc.settings.catalog_index_max_age_seconds),
        wait=timedelta(seconds=svc.settings.catalog_sync_wait_seconds),
    )


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        raise MalformedRequest("The request body is empty; send a JSON object.")
    return loads_object(raw)


def int_param(request: Request, name: str, default: int, *, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    value = bounded_int(raw, f"Query parameter {name!r}")
    if value < minimum or value > maximum:
        raise MalformedRequest(f"Query parameter {name!r} must be between {minimum} and {maximum}.")
    return value


def text_param(request: Request, name: str, *, max_chars: int = 500) -> str | None:
    """A query parameter's text, stripped; None when absent or blank."""
    value = (request.query_params.get(name) or "").strip()
    if len(value) > max_chars:
        raise MalformedRequest(f"Query parameter {name!r} must be at most {max_chars} characters.")
    return check_text(value, f"Query parameter {name!r}") or None


def list_param(request: Request, name: str, *, max_values: int = 20) -> list[str]:
    """A query parameter that may repeat or hold a comma-separated list (`?state=a&state=b`,
    `?state=a,b`): its values, stripped, without blanks or repeats."""
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")]
    unique = list(dict.fromkeys(check_text(v, f"Query parameter {name!r}") for v in values if v))
    if len(unique) > max_values:
        raise MalformedRequest(f"Query parameter {name!r} takes at most {max_values} values.")
    return unique


class _IdConvertor(Convertor[int]):
    """`{name:id}` in a route path: a row id, within bigint (MalformedRequest beyond it, never a
    database error)."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return bounded_int(value, "The id in the path")

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", _IdConvertor())
