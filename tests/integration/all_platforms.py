"""The web app served on loopback with a sandbox for every platform, and a signed-in store of each:
what the log and fuzz tests drive."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import httpx

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.salla import create_salla_sandbox
from optimizer_sandbox.shopify import create_shopify_sandbox
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox

SALLA_ID, SALLA_SECRET, SALLA_HOOKS = "salla-app", "salla-secret-all-platforms", "salla-hooks-all-platforms"
SALLA_MERCHANT = 556677
WOO_KEY, WOO_SECRET = "ck_" + "a1" * 20, "cs_" + "b2" * 20
SHOPIFY_KEY = "4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f"
SHOPIFY_SECRET = "shpss_all_platforms_secret_" + "fedcba9876543210" * 2


@dataclass
class AllPlatforms:
    web: LoopbackServer
    salla: LoopbackServer
    woo: LoopbackServer
    shopify: LoopbackServer
    settings: Settings
    shop: str

    def shopify_headers(self) -> dict[str, str]:
        """A fresh App Bridge session token (they live a minute)."""
        token = shopify_auth.sign_session_token(self.shop, api_key=SHOPIFY_KEY, api_secret=SHOPIFY_SECRET)
        return {"Authorization": f"Bearer {token}"}

    def salla_embedded_token(self) -> str:
        res = httpx.get(f"{self.salla.url}/_sandbox/embedded-token", params={"merchant": SALLA_MERCHANT})
        token: str = res.json()["token"]
        return token

    def install_salla(self) -> str:
        """Salla's Easy Mode: the tokens arrive in a signed app.store.authorize webhook; the new
        access token."""
        delivered = httpx.post(f"{self.salla.url}/_sandbox/authorize", json={"merchant": SALLA_MERCHANT}).json()
        res = httpx.post(
            f"{self.web.url}/webhooks/salla",
            content=delivered["body"],
            headers={"X-Salla-Signature": delivered["signature"], "X-Salla-Security-Strategy": "Signature"},
        )
        assert res.status_code == 200 and res.json()["status"] == "processed", res.text
        token: str = json.loads(delivered["body"])["data"]["access_token"]
        return token

    def woo_keys(self) -> dict[str, str]:
        return {"site_url": self.woo.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}


@contextlib.contextmanager
def all_platforms(settings: Settings, *, access_log: bool = False) -> Iterator[AllPlatforms]:
    """`settings` already points at the Wix sandbox (see conftest); the others start here."""
    port = _free_port("127.0.0.1")
    app_url = f"http://127.0.0.1:{port}"
    salla_app = create_salla_sandbox(
        client_id=SALLA_ID, client_secret=SALLA_SECRET, webhook_secret=SALLA_HOOKS, app_url=app_url
    )
    shopify_app = create_shopify_sandbox(
        api_key=SHOPIFY_KEY, api_secret=SHOPIFY_SECRET, app_url=app_url, restore_rate=1000
    )
    with (
        LoopbackServer(salla_app) as salla,
        LoopbackServer(create_woocommerce_sandbox(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)) as woo,
        LoopbackServer(shopify_app) as shopify,
    ):
        configured = replace(
            settings,
            app_base_url=app_url,
            salla_client_id=SALLA_ID,
            salla_client_secret=SALLA_SECRET,
            salla_webhook_secret=SALLA_HOOKS,
            salla_api_base=f"{salla.url}/admin/v2",
            salla_auth_base=salla.url,
            salla_introspect_base=salla.url,
            shopify_api_key=SHOPIFY_KEY,
            shopify_api_secret=SHOPIFY_SECRET,
            shopify_admin_base=shopify.url,
            shopify_test_charges=True,
        )
        # Started last: each server's start sets uvicorn's shared loggers to its own levels.
        with LoopbackServer(create_app(configured), port=port, access_log=access_log) as web:
            yield AllPlatforms(web, salla, woo, shopify, configured, f"shop-{uuid.uuid4().hex[:10]}.myshopify.com")
