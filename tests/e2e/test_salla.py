"""The dashboard inside the sandbox Salla merchant dashboard, through the embedded SDK's handshake:
the app calls `embedded.init()`, reads its token, checks the session our introspection of that token
gave it, and only then `embedded.ready()`; the dashboard's loading overlay stays until that call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import expect

from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.salla import create_salla_sandbox, dashboard_url
from tests.e2e.conftest import Browser, web_settings

CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET = "e2e-salla-app", "e2e-salla-secret", "e2e-salla-webhook-secret"
MERCHANT = 556677

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


@pytest.fixture
def salla_dashboard(database_url: str) -> Iterator[str]:
    """The Salla sandbox and the web app it frames, the store installed by Easy Mode; yields the
    dashboard's address (on localhost, where the SDK accepts the host's messages)."""
    from optimizer_app.web.app import create_app

    web_port = _free_port("127.0.0.1")
    sandbox_app = create_salla_sandbox(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        app_url=f"http://127.0.0.1:{web_port}",
    )
    with LoopbackServer(sandbox_app) as sandbox:
        dashboard = dashboard_url(sandbox.url)
        settings = web_settings(
            database_url,
            salla_client_id=CLIENT_ID,
            salla_client_secret=CLIENT_SECRET,
            salla_webhook_secret=WEBHOOK_SECRET,
            salla_api_base=f"{sandbox.url}/admin/v2",
            salla_auth_base=sandbox.url,
            salla_introspect_base=sandbox.url,
            extra_frame_ancestors=dashboard,
        )
        with LoopbackServer(create_app(settings), port=web_port) as web:
            delivered = httpx.post(f"{sandbox.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
            httpx.post(
                f"{web.url}/webhooks/salla",
                content=delivered["body"],
                headers={"X-Salla-Signature": delivered["signature"]},
            ).raise_for_status()
            yield dashboard


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
async def test_the_overlay_clears_after_the_handshake_and_the_app_works(
    salla_dashboard: str, browser: Browser, viewport: dict[str, int]
) -> None:
    page = browser.page
    await page.set_viewport_size(viewport)
    await page.goto(f"{salla_dashboard}/_sandbox/admin?merchant={MERCHANT}")
    await expect(page.locator("#overlay")).to_be_hidden()
    assert await page.evaluate("window.embeddedEvents") == ["embedded::iframe.ready", "embedded::ready"]

    app = page.frame_locator("#app")
    await expect(app.locator("html")).to_have_attribute("dir", "rtl")
    rows = app.locator("table.products tbody tr")
    await expect(rows.first).to_be_visible()
    await rows.first.get_by_role("checkbox").check()
    await expect(app.get_by_test_id("cost-line")).to_be_visible()


async def test_the_overlay_stays_when_the_app_cannot_open(salla_dashboard: str, browser: Browser) -> None:
    """A merchant without the app installed: the page says why and never signals ready, so Salla's
    overlay stays (the handshake is the app's, not the host's)."""
    page = browser.page
    browser.errors.allow("status of 401")  # the app page's answer for a store without the app
    await page.goto(f"{salla_dashboard}/_sandbox/admin?merchant=1")
    app = page.frame_locator("#app")
    await expect(app.locator("body")).to_contain_text("not installed")
    await expect(page.locator("#overlay")).to_be_visible()
    assert await page.evaluate("window.embeddedEvents") == []
