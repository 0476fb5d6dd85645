"""`optimizer-app demo`: the whole product on one machine with nothing configured.

Embedded PostgreSQL (unless DATABASE_URL is set), a sandbox for each platform on loopback, the web
and worker processes, and the offline LLM unless one is configured. Every demo store is installed
with automation on (Shopify: publish; the others: review). Prints, per platform, the sandbox admin
page that frames the app the way the platform's dashboard does, and what adding a product there does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess  # nosec B404 # the demo starts its own web and worker processes
import sys
import time
from dataclasses import dataclass

import httpx

from . import db, embedded_pg, stores
from .auth import shopify as shopify_auth
from .auth import wix as wix_auth
from .settings import Settings
from .web.context import session_serializer, signed_session

# The stand-ins are not in the wheel (see optimizer_sandbox/__init__.py); the command line imports this
# module only for the commands that run them.
try:
    from optimizer_sandbox.runner import LoopbackServer
    from optimizer_sandbox.salla import create_salla_sandbox, dashboard_url
    from optimizer_sandbox.shopify import create_shopify_sandbox
    from optimizer_sandbox.wix import create_wix_sandbox
    from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
except ModuleNotFoundError as missing:
    raise SystemExit(f"the demo needs the development install: pip install -e '.[dev]' (no {missing.name})") from None

# Credentials of the demo's own apps; the sandboxes and the app agree on them.
DEMO_WIX_APP_ID = "6c0fd8b4-1f62-4d4b-9a53-0b8f6f0d3a71"
DEMO_WIX_APP_SECRET = "demo-wix-app-secret"  # nosec B105 # the demo sandbox's own app, never a real one
DEMO_INSTANCE_ID = "5f0b2a6e-8d1c-4b7a-9e3f-2c6d1a9b8e40"
DEMO_SALLA = ("demo-salla-app", "demo-salla-secret", "demo-salla-webhook-secret")
DEMO_SALLA_MERCHANT = 1234509876
DEMO_WOO_KEYS = ("ck_" + "d" * 40, "cs_" + "e" * 40)
DEMO_SHOPIFY = ("5b1e6c0d2f3a4e8b9c7d6e5f4a3b2c1d", "shpss_demo_secret_" + "0123456789abcdef" * 3)
DEMO_SHOP = "demo-shop.myshopify.com"
# What automation does with a product added in a demo store's admin (docs/automation.md): the
# Shopify store publishes what passes every gate on its own, the others keep the drafts for review.
DEMO_AUTOMATION = {"shopify": "publish", "wix": "review", "salla": "review", "woocommerce": "review"}
DEMO_AUTOMATION_FIELDS = ["title", "description", "seo_title", "seo_description"]


def wix_credentials(settings: Settings) -> tuple[str, str]:
    return settings.wix_app_id or DEMO_WIX_APP_ID, settings.wix_app_secret or DEMO_WIX_APP_SECRET


def sandbox_instance(settings: Settings, instance_id: str = DEMO_INSTANCE_ID) -> str:
    app_id, app_secret = wix_credentials(settings)
    return wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, app_id), app_secret)


async def sandbox_session(settings: Settings, platform: str) -> str:
    """An app session for the demo store of `platform` (what the app page would hand out)."""
    with embedded_pg.database_url(settings) as url:
        return await _session_of(settings, url, platform)


async def _session_of(settings: Settings, database_url: str, platform: str) -> str:
    conn = await db.connect(database_url)
    try:
        store = await stores.first_of_platform(conn, platform)
    finally:
        await conn.close()
    if store is None:
        raise SystemExit(f"No {platform} store yet: run `make demo` first.")
    return signed_session(session_serializer(settings.secret_keys), store)


def shopify_credentials(settings: Settings) -> tuple[str, str]:
    return settings.shopify_api_key or DEMO_SHOPIFY[0], settings.shopify_api_secret or DEMO_SHOPIFY[1]


def sandbox_shopify_token(settings: Settings, shop: str = DEMO_SHOP) -> str:
    """A Shopify session token for the demo shop, as App Bridge hands one out (valid one minute)."""
    api_key, api_secret = shopify_credentials(settings)
    return shopify_auth.sign_session_token(shop, api_key=api_key, api_secret=api_secret)


@dataclass
class _Sandboxes:
    wix: LoopbackServer
    salla: LoopbackServer
    woo: LoopbackServer
    shopify: LoopbackServer

    def stop(self) -> None:
        for server in (self.wix, self.salla, self.woo, self.shopify):
            server.stop()


def run(settings: Settings, *, sandbox_port: int = 8101) -> int:
    with embedded_pg.database_url(settings) as database_url:
        return _run(settings, database_url, sandbox_port)


def _run(settings: Settings, database_url: str, sandbox_port: int) -> int:
    applied = asyncio.run(db.migrate(database_url))
    print(f"database ready ({len(applied)} migrations applied)")
    app_id, app_secret = wix_credentials(settings)
    private_pem, public_pem = wix_auth.generate_keypair()
    salla_id, salla_secret, salla_hooks = DEMO_SALLA
    app_url = settings.app_base_url
    shopify_key, shopify_secret = shopify_credentials(settings)
    sandboxes = _Sandboxes(
        wix=LoopbackServer(
            create_wix_sandbox(
                app_id=app_id, app_secret=app_secret, webhook_private_key_pem=private_pem, app_url=app_url
            ),
            port=sandbox_port,
        ).start(),
        salla=LoopbackServer(
            create_salla_sandbox(
                client_id=salla_id, client_secret=salla_secret, webhook_secret=salla_hooks, app_url=app_url
            ),
            port=sandbox_port + 1,
        ).start(),
        woo=LoopbackServer(
            create_woocommerce_sandbox(consumer_key=DEMO_WOO_KEYS[0], consumer_secret=DEMO_WOO_KEYS[1]),
            port=sandbox_port + 2,
        ).start(),
        shopify=LoopbackServer(
            create_shopify_sandbox(api_key=shopify_key, api_secret=shopify_secret, app_url=app_url),
            port=sandbox_port + 3,
        ).start(),
    )
    salla_dashboard = dashboard_url(sandboxes.salla.url)
    env = {
        **os.environ,
        # Sandboxes on loopback and no keys of its own: the demo is development by definition.
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        # The sandbox WooCommerce site listens on loopback, which production refuses to call.
        "OUTBOUND_ALLOW_PRIVATE": "true",
        "WIX_APP_ID": app_id,
        "WIX_APP_SECRET": app_secret,
        "WIX_API_BASE": sandboxes.wix.url,
        "WIX_WEBHOOK_PUBLIC_KEY": public_pem,
        "SALLA_CLIENT_ID": salla_id,
        "SALLA_CLIENT_SECRET": salla_secret,
        "SALLA_WEBHOOK_SECRET": salla_hooks,
        "SALLA_API_BASE": f"{sandboxes.salla.url}/admin/v2",
        "SALLA_AUTH_BASE": sandboxes.salla.url,
        "SALLA_INTROSPECT_BASE": sandboxes.salla.url,
        "SHOPIFY_API_KEY": shopify_key,
        "SHOPIFY_API_SECRET": shopify_secret,
        "SHOPIFY_ADMIN_BASE": sandboxes.shopify.url,
        "SHOPIFY_TEST_CHARGES": "1",
        "SHOPIFY_APP_BRIDGE_URL": f"{sandboxes.shopify.url}/_sandbox/app-bridge.js",
        "EXTRA_FRAME_ANCESTORS": f"{sandboxes.wix.url} {salla_dashboard} {sandboxes.shopify.url}",
        "PORT": str(settings.port),
    }
    exe = [sys.executable, "-m", "optimizer_app.cli"]
    commands = ([*exe, "serve"], [*exe, "worker"])
    children = [subprocess.Popen(c, env=env) for c in commands]  # nosec B603 # our interpreter, fixed arguments
    try:
        _wait_healthy(f"{app_url}/health")
        _install_salla_store(sandboxes.salla.url, app_url)
        _set_automation_rules(settings, database_url, app_url, sandboxes.woo.url)
        provider = settings.resolved_llm_provider
        publishes = '"Add product" there: automation optimises it and publishes it (see Activity)'
        reviews = '"Add product" there: automation optimises it; its drafts wait for review in Results'
        print()
        print(f"  Optimizer App is running at {app_url} (LLM: {provider})")
        print(f"  Wix dashboard (sandbox):   {sandboxes.wix.url}/_sandbox/admin?instance_id={DEMO_INSTANCE_ID}")
        print(f"      {reviews}")
        print(f"  Salla dashboard (sandbox): {salla_dashboard}/_sandbox/admin?merchant={DEMO_SALLA_MERCHANT}")
        print(f"      {reviews}")
        print(f"  Shopify admin (sandbox):   {sandboxes.shopify.url}/_sandbox/admin?shop={DEMO_SHOP}")
        print(f"      {publishes}")
        print(f"  WooCommerce connect page:  {app_url}/app/woocommerce")
        print(f"      site {sandboxes.woo.url}  key {DEMO_WOO_KEYS[0]}  secret {DEMO_WOO_KEYS[1]}")
        print(f"  WordPress admin (sandbox): {sandboxes.woo.url}/_sandbox/admin")
        print(f"      {reviews}")
        print(f"  API with curl: curl -H 'X-Wix-Instance: {sandbox_instance(settings)}' {app_url}/api/me")
        print("  Press Ctrl-C to stop.")
        print()
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        # Ctrl-C in a terminal reaches the whole process group: the web and worker may stop (cleanly,
        # or by the signal) before this loop sees the interrupt. Anything else is a crash.
        stopped = {0, -signal.SIGINT, -signal.SIGTERM}
        codes = [(command[-1], child.returncode) for command, child in zip(commands, children, strict=True)]
        crashed = [(name, code) for name, code in codes if code not in stopped]
        for name, code in crashed:
            print(f"demo: the {name} process exited with {code}", file=sys.stderr)
        return 1 if crashed else 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        sandboxes.stop()


def _install_salla_store(salla_url: str, app_url: str) -> None:
    """Install the demo merchant the way Salla's Easy Mode does: a signed app.store.authorize."""
    delivered = httpx.post(f"{salla_url}/_sandbox/authorize", json={"merchant": DEMO_SALLA_MERCHANT}).json()
    httpx.post(
        f"{app_url}/webhooks/salla",
        content=delivered["body"],
        headers={"X-Salla-Signature": delivered["signature"], "X-Salla-Security-Strategy": "Signature"},
    ).raise_for_status()


def _set_automation_rules(settings: Settings, database_url: str, app_url: str, woo_url: str) -> None:
    """Install every demo store as its platform does (the Wix site and the Shopify shop open the
    app, the WordPress site connects; each registers its product webhooks) and set its automation
    rules through the app's API, as the owner would in Settings → Automation."""
    with httpx.Client(base_url=app_url, timeout=30) as api:
        connected = api.post(
            "/api/woocommerce/connect",
            json={"site_url": woo_url, "consumer_key": DEMO_WOO_KEYS[0], "consumer_secret": DEMO_WOO_KEYS[1]},
        )
        connected.raise_for_status()
        owners = {
            "wix": {"X-Wix-Instance": sandbox_instance(settings)},
            "shopify": {"Authorization": f"Bearer {sandbox_shopify_token(settings)}"},
            "salla": {"Authorization": f"Bearer {asyncio.run(_session_of(settings, database_url, 'salla'))}"},
            "woocommerce": {"Authorization": f"Bearer {connected.json()['session']}"},
        }
        for platform, headers in owners.items():
            api.get("/api/me", headers=headers).raise_for_status()
            rules = {"mode": DEMO_AUTOMATION[platform], "attributes": DEMO_AUTOMATION_FIELDS}
            api.put("/api/automation", headers=headers, json=rules).raise_for_status()


def _wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web process did not become healthy at {url}")
