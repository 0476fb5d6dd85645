"""`python -m bench.catalog_sync`: how long the first filtered product list of a store takes, which
reads its whole catalog into the index (a sync), and how long the next ones take, answered from
the index; against the Wix sandbox (Wix's 200 requests a minute per site) or the Shopify sandbox
(its query-cost bucket, 2,000 points restored at `--restore-rate` a second)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from dataclasses import replace
from typing import Any

import httpx

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.auth import wix as wix_auth
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.shopify import create_shopify_sandbox
from optimizer_sandbox.wix import create_wix_sandbox
from tests.factories import admin_database

from .harness import DATA_DIR, fresh_database

WIX_ID, WIX_SECRET = "bench-wix-app", "bench-wix-secret"
SHOPIFY_KEY, SHOPIFY_SECRET = "bench-shopify-key", "bench-shopify-secret-" + "0" * 32


def _settings(dsn: str) -> Settings:
    return replace(
        Settings(),
        app_env="development",
        outbound_allow_private=True,
        database_url=dsn,
        secret_keys=("bench-secret-key-" + "0" * 24,),
        token_encryption_keys=("bench-token-key-" + "0" * 24,),
        wix_app_id=WIX_ID,
        wix_app_secret=WIX_SECRET,
        shopify_api_key=SHOPIFY_KEY,
        shopify_api_secret=SHOPIFY_SECRET,
        api_rate_limit_per_minute=0,
    )


async def _timed(api: httpx.AsyncClient, headers: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    res = await api.get("/api/products", headers=headers, params={"missing": "seo_title", "limit": 50})
    res.raise_for_status()
    body: dict[str, Any] = res.json()
    return time.perf_counter() - started, body


async def run(base: str, *, platform: str, products: int, restore_rate: float) -> dict[str, Any]:
    async with fresh_database(base) as dsn:
        settings = _settings(dsn)
        port = _free_port("127.0.0.1")
        if platform == "wix":
            sandbox_app = create_wix_sandbox(app_id=WIX_ID, app_secret=WIX_SECRET)
        else:
            sandbox_app = create_shopify_sandbox(
                api_key=SHOPIFY_KEY, api_secret=SHOPIFY_SECRET, restore_rate=restore_rate
            )
        with LoopbackServer(sandbox_app) as sandbox:
            if platform == "wix":
                settings = replace(settings, wix_api_base=sandbox.url)
                instance_id = str(uuid.uuid4())
                signed = wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, WIX_ID), WIX_SECRET)
                headers = {"X-Wix-Instance": signed}
                grow = f"{sandbox.url}/_sandbox/instances/{instance_id}/products"
                seeded = 200
            else:
                settings = replace(settings, shopify_admin_base=sandbox.url)
                shop = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
                token = shopify_auth.sign_session_token(shop, api_key=SHOPIFY_KEY, api_secret=SHOPIFY_SECRET)
                headers = {"Authorization": f"Bearer {token}"}
                grow = f"{sandbox.url}/_sandbox/shops/{shop}/products"
                seeded = 130
            with LoopbackServer(create_app(settings), port=port) as web:
                async with httpx.AsyncClient(base_url=web.url, timeout=3600) as api:
                    (await api.get("/api/me", headers=headers)).raise_for_status()
                    httpx.post(grow, json={"count": products - seeded}).raise_for_status()
                    first, body = await _timed(api, headers)
                    again = [(await _timed(api, headers))[0] for _ in range(5)]
    return {
        "platform": platform,
        "products": products,
        "restore_rate": restore_rate if platform == "shopify" else None,
        "first_request_with_sync_s": round(first, 2),
        "products_per_s": round(products / first),
        "matching": body["total"],
        "next_requests_median_ms": round(statistics.median(again) * 1000, 1),
    }


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.catalog_sync")
    parser.add_argument("--platform", choices=["wix", "shopify"], default="wix")
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--restore-rate", type=float, default=100.0, help="Shopify points restored a second")
    args = parser.parse_args()
    with admin_database(DATA_DIR) as base:
        result = asyncio.run(run(base, platform=args.platform, products=args.products, restore_rate=args.restore_rate))
    print(result)


if __name__ == "__main__":
    cli()
