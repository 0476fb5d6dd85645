"""Installing a store: the first open of the app on a site or shop (or the first after a reinstall),
a WooCommerce site connected with its keys, a Salla store authorised by OAuth. Each function calls
the platform, keeps the tokens encrypted and writes the store in one transaction.

The web layer verifies what it can verify alone (signed instances and session tokens) and hands
the verified identity here; a credential that only the platform can read (Salla's embedded token)
comes here as it was sent. Every dependency is an argument: nothing here knows about requests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import asyncpg
import httpx

from . import db, stores, tokens
from .auth import salla as salla_auth
from .auth import shopify as shopify_auth
from .auth import wix as wix_auth
from .auth.woocommerce import WooCredentials
from .clients import StoreClients
from .crypto import TokenCipher
from .domain.languages import offered_language
from .errors import InvalidRequest, Unauthorized
from .outbound import parse_site_url, site_key
from .platforms.base import PlatformAuthError, PlatformUnavailable, StorePlatformError
from .platforms.woocommerce import KeysReadOnly, SiteRedirected
from .store_events import salla as salla_events
from .stores import Store

log = logging.getLogger(__name__)


async def installed(pool: asyncpg.Pool, platform: str, external_id: str) -> Store | None:
    """The store when the app is installed there with its credentials kept; None otherwise."""
    async with db.acquire(pool) as conn:
        store = await stores.find(conn, platform, external_id)
    if store is None or not store.installed or store.access_token_enc is None:
        return None
    return store


async def _install_with_tokens(
    conn: asyncpg.Connection,
    cipher: TokenCipher,
    *,
    platform: str,
    external_id: str,
    display_name: str,
    issued: tokens.Issued,
) -> Store:
    """Install (or reinstall) the store and keep its new tokens; the store as saved."""
    store = await stores.install(
        conn, platform=platform, external_id=external_id, display_name=display_name, today=datetime.now(UTC).date()
    )
    await tokens.save(conn, cipher, store.id, issued)
    saved = await stores.get(conn, store.id)
    assert saved is not None
    return saved


async def install_wix(
    pool: asyncpg.Pool,
    clients: StoreClients,
    http: httpx.AsyncClient,
    cipher: TokenCipher,
    instance: wix_auth.WixInstance,
    *,
    api_base: str,
) -> Store:
    """The site of a verified instance; on its first open (or the first after a reinstall) the
    site is installed with a fresh access token, named and given its own language."""
    store = await installed(pool, "wix", instance.instance_id)
    if store is not None:
        return store
    token = await clients.mint_wix(instance.instance_id)
    site = await wix_auth.site_info(http, api_base=api_base, access_token=token.token)
    async with db.acquire(pool) as conn, conn.transaction():
        store = await _install_with_tokens(
            conn,
            cipher,
            platform="wix",
            external_id=instance.instance_id,
            display_name=site.name,
            issued=tokens.Minted(token.token, token.expires_at, None),
        )
        language = offered_language(site.locale)
        if language and "default_language" not in store.settings:
            # New text is written in the site's own language until the owner picks another.
            settings = await stores.update_settings(conn, store.id, {**store.settings, "default_language": language})
            store = replace(store, settings=settings)
    return store


async def install_shopify(
    pool: asyncpg.Pool,
    clients: StoreClients,
    cipher: TokenCipher,
    session: shopify_auth.SessionToken,
    session_token: str,
    *,
    webhook_url: str,
) -> Store:
    """The shop of a verified App Bridge session token; on its first open (or after a reinstall,
    or when its credentials were refused) the token is exchanged for an offline access token and
    the product webhooks are subscribed to `webhook_url`."""
    store = await installed(pool, "shopify", session.shop)
    if store is not None and not store.needs_reauth:
        return store
    offline = await clients.exchange_shopify(session.shop, session_token)
    async with db.acquire(pool) as conn, conn.transaction():
        store = await _install_with_tokens(
            conn,
            cipher,
            platform="shopify",
            external_id=session.shop,
            display_name=session.shop.removesuffix(".myshopify.com"),
            issued=offline,
        )
    await _subscribe_product_webhooks(store, clients.shopify_client(store).subscribe_webhooks(webhook_url))
    return store


async def _subscribe_product_webhooks(store: Store, subscribing: Awaitable[list[str]]) -> None:
    """Product webhooks only start automation: a platform that refuses them now leaves the store
    installed (manual jobs work) and is logged; the next install or connect subscribes again."""
    try:
        created = await subscribing
    except StorePlatformError as exc:
        log.warning("%s store %s: product webhooks not subscribed: %s", store.platform, store.external_id, exc)
        return
    if created:
        log.info("%s store %s: subscribed to %s", store.platform, store.external_id, ", ".join(created))


async def installed_shopify(pool: asyncpg.Pool, shop: str) -> Store:
    """A shop opened through a verified install/open URL: only one already installed."""
    store = await installed(pool, "shopify", shop)
    if store is None:
        raise Unauthorized("Open the app from the Shopify admin to finish installing it.")
    return store


async def open_salla(
    pool: asyncpg.Pool, http: httpx.AsyncClient, embedded_token: str, *, introspect_base: str, app_id: str
) -> Store:
    """The store of the embedded Salla dashboard's short-lived token, checked with Salla. Salla
    delivers a store's tokens by webhook or OAuth, so the store must have been installed already."""
    merchant = await salla_auth.introspect_embedded_token(
        http, api_base=introspect_base, app_id=app_id, token=embedded_token
    )
    store = await installed(pool, "salla", merchant)
    if store is None:
        raise Unauthorized("The app is not installed on this store yet; install it from the Salla App Store.")
    return store


async def install_salla(
    pool: asyncpg.Pool,
    http: httpx.AsyncClient,
    cipher: TokenCipher,
    code: str,
    *,
    auth_base: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
) -> Store:
    """Custom Mode OAuth: exchange the authorization code, ask Salla who the merchant is, and
    install the store with its tokens."""
    issued = await salla_auth.exchange_code(
        http,
        auth_base=auth_base,
        client_id=client_id,
        client_secret=client_secret,
        code=code,
        redirect_uri=redirect_uri,
    )
    merchant = await salla_auth.merchant_of(http, auth_base=auth_base, access_token=issued.access_token)
    async with db.acquire(pool) as conn, conn.transaction():
        return await _install_with_tokens(
            conn,
            cipher,
            platform="salla",
            external_id=merchant.id,
            display_name=merchant.name,
            issued=issued,
        )


async def subscribe_salla_webhooks(clients: StoreClients, store: Store, *, webhook_url: str) -> None:
    """Subscribe an installed Salla store's product events to the app's webhook address, once:
    a subscription the store already has for our address is kept, and Salla itself refuses to
    duplicate one ("New subscriptions with the same URL will update events / restore old
    webhooks": https://docs.salla.dev/5394134e0.md). Store events reach an app only once
    subscribed (https://docs.salla.dev/421119m0.md). Products still reach the app through the
    sweep without them, so a failure is logged and tried again at the next authorisation (Salla
    sends `app.store.authorize` after every app update too)."""
    client = clients.salla_client(store)
    try:
        present = {(s.event, s.url) for s in await client.webhook_subscriptions()}
        for event in salla_events.PRODUCT_EVENTS:
            if (event, webhook_url) not in present:
                await client.subscribe_webhook(event, webhook_url, name=f"Optimizer App {event}")
    except StorePlatformError as exc:
        log.warning("Salla store %s: product webhooks not subscribed: %s", store.id, exc)


async def connect_woocommerce(
    pool: asyncpg.Pool,
    clients: StoreClients,
    site_url: object,
    key: object,
    secret: object,
    *,
    product_webhook: Callable[[Store], tuple[str, str]],
) -> Store:
    """Prove the REST API keys changing nothing in the store, then install the site with its keys
    encrypted and subscribe its product webhooks (`product_webhook`: the delivery address and
    secret for the store). The address and keys are the owner's input: anything wrong with them
    is a 4xx."""
    url = parse_site_url(site_url, clients.outbound_policy)
    if not (isinstance(key, str) and key.startswith("ck_") and isinstance(secret, str) and secret.startswith("cs_")):
        raise InvalidRequest(
            "consumer_key (ck_…) and consumer_secret (cs_…) are the REST API keys from WooCommerce.",
            reason="keys_format",
        )
    credentials = WooCredentials(key.strip(), secret.strip())
    client = clients.woocommerce_client(url, credentials, max_retries=1)
    try:
        await client.learn_site()  # the home URL signatures are built on, and the SEO plugin
        await client.check()
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
    async with db.acquire(pool) as conn, conn.transaction():
        store = await stores.install(
            conn,
            platform="woocommerce",
            external_id=url,
            display_name=urlsplit(url).netloc,
            today=datetime.now(UTC).date(),
            grant_key=site_key(url),
        )
        await stores.save_tokens(
            conn, store.id, access_token_enc=clients.seal_woocommerce_credentials(credentials), expires_at=None
        )
        await stores.merge_site_facts(conn, store.id, client.site.to_json())
        saved = await stores.get(conn, store.id)
    assert saved is not None
    await _subscribe_product_webhooks(saved, client.subscribe_webhooks(*product_webhook(saved)))
    return saved
