"""The app beside the Shopify sandbox for integration tests that run jobs on Shopify as well as
Wix: a test module takes these fixtures with
`from tests.integration.shopify_stack import settings, shopify_sandbox, web, web_port` and signs
its requests with `shop_session(shop)`. The per-store API limit is off (these tests page through
whole catalogs quickly; the limit has its own tests)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.shopify import create_shopify_sandbox

API_KEY = "5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e"
API_SECRET = "shpss_shopify_stack_tests_secret_0123456789abcdef0123456789abcde"


@pytest.fixture
def web_port() -> int:
    return _free_port("127.0.0.1")


@pytest.fixture
def shopify_sandbox(web_port: int) -> Iterator[LoopbackServer]:
    app = create_shopify_sandbox(
        api_key=API_KEY, api_secret=API_SECRET, app_url=f"http://127.0.0.1:{web_port}", restore_rate=1000
    )
    with LoopbackServer(app) as server:
        yield server


@pytest.fixture
def settings(settings: Settings, shopify_sandbox: LoopbackServer, web_port: int) -> Settings:
    return replace(
        settings,
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        shopify_admin_base=shopify_sandbox.url,
        app_base_url=f"http://127.0.0.1:{web_port}",
        api_rate_limit_per_minute=0,
    )


@pytest.fixture
def web(settings: Settings, web_port: int) -> Iterator[LoopbackServer]:
    with LoopbackServer(create_app(settings), port=web_port) as server:
        yield server


def shop_session(shop: str) -> dict[str, str]:
    token = shopify_auth.sign_session_token(shop, api_key=API_KEY, api_secret=API_SECRET)
    return {"Authorization": f"Bearer {token}"}
