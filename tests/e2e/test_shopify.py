"""The dashboard inside the sandbox Shopify admin: opened with an App Bridge session token (token
exchange on first open), and a plan bought the Shopify way: the app creates the subscription, the
whole admin window goes to Shopify's approval page, and the admin frames the app again on the plan."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from playwright.async_api import expect

from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.shopify import create_shopify_sandbox
from tests.e2e.conftest import Browser, screenshot_path, web_settings
from tests.e2e.steps import tab

API_KEY = "e2e0shopify0api0key0000000000000"
API_SECRET = "shpss_e2e_browser_tests_secret_0123456789abcdef0123456789abcd"


@pytest.fixture
def shopify_admin(database_url: str) -> Iterator[LoopbackServer]:
    """The Shopify sandbox (admin page, Admin API, billing approval) and the web app it frames."""
    from optimizer_app.web.app import create_app

    web_port = _free_port("127.0.0.1")
    sandbox_app = create_shopify_sandbox(api_key=API_KEY, api_secret=API_SECRET, app_url=f"http://127.0.0.1:{web_port}")
    with LoopbackServer(sandbox_app) as sandbox:
        settings = web_settings(
            database_url,
            shopify_api_key=API_KEY,
            shopify_api_secret=API_SECRET,
            shopify_admin_base=sandbox.url,
            shopify_test_charges=True,
            app_base_url=f"http://127.0.0.1:{web_port}",
            extra_frame_ancestors=sandbox.url,
            shopify_app_bridge_url=f"{sandbox.url}/_sandbox/app-bridge.js",
        )
        with LoopbackServer(create_app(settings), port=web_port):
            yield sandbox


async def test_a_shopify_owner_upgrades_through_shopify_billing(
    shopify_admin: LoopbackServer, browser: Browser
) -> None:
    page = browser.page
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    await page.goto(f"{shopify_admin.url}/_sandbox/admin?shop={shop}")
    app = page.frame_locator("#app")
    await expect(app.locator("table.products tbody tr").first).to_be_visible()

    await tab(app, "Billing")
    await expect(app.get_by_text("100 of 100 credits left")).to_be_visible()
    await expect(app.get_by_text("billed by Shopify")).to_be_visible()
    await page.screenshot(path=str(screenshot_path("billing-shopify")))

    await app.get_by_role("button", name="Upgrade to Pro").click()
    # Approving on Shopify's page returns the whole window to the admin, which frames the app anew.
    await page.wait_for_url(f"{shopify_admin.url}/_sandbox/admin?shop={shop}")
    await expect(app.locator("table.products tbody tr").first).to_be_visible()
    await tab(app, "Billing")
    await expect(app.get_by_text("5,000 of 5,000 credits left")).to_be_visible()
    current = app.get_by_role("listitem").filter(has_text="Current plan")
    await expect(current).to_contain_text("Pro")


@pytest.mark.parametrize("viewport", [{"width": 1360, "height": 900}, {"width": 390, "height": 844}])
async def test_every_api_call_carries_a_fresh_app_bridge_session_token(
    shopify_admin: LoopbackServer, browser: Browser, viewport: dict[str, int]
) -> None:
    """The page loads the App Bridge stand-in from the sandbox (SHOPIFY_APP_BRIDGE_URL); the dashboard
    asks it for a session token before every API call and never holds an app session (`oas.`)."""
    page = browser.page
    await page.set_viewport_size(viewport)
    sent: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda r: sent.append((r.url, r.headers.get("authorization", ""))) if "/api/" in r.url else None,
    )
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    await page.goto(f"{shopify_admin.url}/_sandbox/admin?shop={shop}")
    app = page.frame_locator("#app")
    rows = app.locator("table.products tbody tr")
    await expect(rows.first).to_be_visible()
    for i in range(2):
        await rows.nth(i).get_by_role("checkbox").check()
    await app.get_by_role("button", name=re.compile(r"^Improve for \d+ credits$")).click()
    await expect(app.get_by_role("heading", name="Queue", exact=True)).to_be_visible()
    await tab(app, "Billing")
    await expect(app.get_by_text("billed by Shopify")).to_be_visible()

    assert any(url.endswith("/api/jobs") for url, _ in sent)
    tokens = [auth.removeprefix("Bearer ") for _, auth in sent]
    assert all(auth.startswith("Bearer ") for _, auth in sent) and not any(t.startswith("oas.") for t in tokens)
    assert len(set(tokens)) == len(tokens), "each call asks App Bridge for a fresh token"
    for token in tokens:
        claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY)
        assert claims["dest"] == f"https://{shop}" and claims["exp"] - claims["iat"] == 60
    issued = httpx.get(f"{shopify_admin.url}/_sandbox/stats").json()["requests"]["session_token"]
    assert issued >= len(tokens)
