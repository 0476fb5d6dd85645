"""The dashboard inside the sandbox Shopify admin: opened with an App Bridge session token (token
exchange on first open), the whole loop from listing to revert with a fresh token on every call,
and a plan bought the Shopify way: the app creates the subscription, the
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
from tests.e2e import steps
from tests.e2e.conftest import Browser, StartWorker, screenshot_path, web_settings
from tests.e2e.layout import DESKTOP, PHONE, no_sideways_scroll, not_covered
from tests.integration.test_api_shopify import sandbox_product

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

    await steps.tab(app, "Billing")
    await expect(app.get_by_text("100 of 100 credits left")).to_be_visible()
    await expect(app.get_by_text("billed by Shopify")).to_be_visible()
    await page.screenshot(path=str(screenshot_path("billing-shopify")))

    await app.get_by_role("button", name="Upgrade to Pro").click()
    # Approving on Shopify's page returns the whole window to the admin, which frames the app anew,
    # handing it the charge: the app opens on Billing and says what the approval changed.
    await page.wait_for_url(re.compile(rf"/_sandbox/admin\?shop={re.escape(shop)}&charge_id=\d+$"))
    confirmation = app.get_by_test_id("upgrade-confirmation")
    await expect(confirmation).to_contain_text("Your Pro plan is active. 5,000 credits a month.")
    await expect(confirmation).to_contain_text("4,900 credits were added. You have 5,000 credits to use until")
    await expect(app.get_by_text("5,000 of 5,000 credits left")).to_be_visible()
    current = app.get_by_role("listitem").filter(has_text="Current plan")
    await expect(current).to_contain_text("Pro")
    await page.screenshot(path=str(screenshot_path("billing-shopify-upgraded")))
    await app.get_by_role("button", name="Got it").click()
    await expect(confirmation).to_have_count(0)


async def test_an_arabic_owner_back_before_shopify_confirms_sees_it_confirmed_when_it_is(
    shopify_admin: LoopbackServer, browser: Browser
) -> None:
    """Shopify's webhook can reach the app after the owner: the app says Shopify is confirming,
    reads the account again, and says what changed once the plan has moved. Prices in dollars,
    worded in Arabic; the Billing screen fits at desktop and phone width."""
    page = browser.page
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    token = httpx.get(f"{shopify_admin.url}/_sandbox/session-token", params={"shop": shop}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    web = page_app_url(shopify_admin)
    created = httpx.post(f"{web}/api/billing/upgrade", headers=headers, json={"plan": "starter"}).json()
    charge = created["subscription_id"].rsplit("/", 1)[1]

    await page.goto(f"{shopify_admin.url}/_sandbox/admin?shop={shop}&locale=ar&charge_id={charge}")
    app = page.frame_locator("#app")
    await expect(app.get_by_role("status").filter(has_text="يؤكد Shopify باقتك المبتدئة")).to_be_visible()
    starter = app.get_by_role("listitem").filter(has_text="المبتدئة")
    await expect(starter).to_contain_text(re.compile(r"9\sUS\$\sشهريًا"))
    await expect(app.get_by_test_id("billing-note")).to_contain_text("Shopify")

    # The owner approves now (the sandbox's approval page tells the app by webhook).
    assert httpx.get(created["confirmation_url"]).status_code == 302
    confirmation = app.get_by_test_id("upgrade-confirmation")
    await expect(confirmation).to_contain_text("باقتك المبتدئة مفعّلة.", timeout=15_000)
    await expect(confirmation).to_contain_text("أُضيفت 900 نقطة.")
    await steps.fits_at_desktop_and_phone_width(page, app)


def page_app_url(sandbox: LoopbackServer) -> str:
    """The web app's address, as the sandbox admin frames it."""
    page = httpx.get(f"{sandbox.url}/_sandbox/admin").text
    return page.split('src="')[1].split("/app/shopify")[0]


@pytest.mark.parametrize("viewport", [{"width": 1360, "height": 900}, {"width": 390, "height": 844}])
async def test_the_whole_loop_through_app_bridge_with_a_fresh_session_token_per_call(
    shopify_admin: LoopbackServer, start_worker: StartWorker, browser: Browser, viewport: dict[str, int]
) -> None:
    """Open, list, improve, review, publish and revert inside the admin. The page loads the App Bridge
    stand-in from the sandbox (SHOPIFY_APP_BRIDGE_URL); the dashboard asks it for a session token
    before every API call and never holds an app session (`oas.`)."""
    page = browser.page
    await page.set_viewport_size(viewport)
    sent: list[tuple[str, str, str]] = []
    page.on(
        "request",
        lambda r: sent.append((r.method, r.url, r.headers.get("authorization", ""))) if "/api/" in r.url else None,
    )
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    app = await steps.open_app(page, f"{shopify_admin.url}/_sandbox/admin?shop={shop}")
    await expect(app.locator("html")).to_have_attribute("dir", "ltr")
    # The catalog's first product is written in French: asked for English, the sandbox LLM (which
    # keeps a product's own language) is rightly refused as `wrong_language`, so start at the second.
    await steps.pick(app, 2, first=1)
    await expect(app.get_by_test_id("cost-line")).to_have_text("2 products × 4 fields = 8 credits, 92 left")
    await steps.submit(app, "Improve for 8 credits")
    await start_worker()
    items = await steps.review_when_done(page, app, "8 of 8 improved")

    first = items[0]["product_id"]
    title, description = steps.item(items, first, "title"), steps.item(items, first, "description")
    original = sandbox_product(shopify_admin, shop, first)
    assert (original["title"], original["descriptionHtml"]) == (title["before"], description["before"])
    card = app.get_by_test_id("product-result").first
    edited = f"{title['before']} for everyday use"
    title_row = await steps.edit_title(card, edited)
    # Inside the admin, Shopify's toasts say how it went (App Bridge), not the app's own notices.
    toasts = page.get_by_test_id("admin-toast")
    await steps.publish_all(app, "8 changes published to your store.", toasts=toasts)
    published = sandbox_product(shopify_admin, shop, first)
    assert (published["title"], published["descriptionHtml"]) == (edited, description["after"])

    await steps.revert(app, title_row, "Title changed back to its previous value in your store.", toasts=toasts)
    await steps.revert(
        app,
        steps.item_row(card, "description"),
        "Description changed back to its previous value in your store.",
        toasts=toasts,
    )
    reverted = sandbox_product(shopify_admin, shop, first)
    assert (reverted["title"], reverted["descriptionHtml"]) == (original["title"], original["descriptionHtml"])
    await steps.tab(app, "Billing")
    await expect(app.get_by_text("billed by Shopify")).to_be_visible()

    called = {(method, re.sub(r"\d+", "N", url.split("/api/", 1)[1].split("?")[0])) for method, url, _ in sent}
    assert {("POST", "jobs"), ("POST", "publish"), ("POST", "publish-logs/N/revert")} <= called, called
    tokens = [auth.removeprefix("Bearer ") for _, _, auth in sent]
    assert all(auth.startswith("Bearer ") for _, _, auth in sent) and not any(t.startswith("oas.") for t in tokens)
    assert len(set(tokens)) == len(tokens), "each call asks App Bridge for a fresh token"
    for token in tokens:
        claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY)
        assert claims["dest"] == f"https://{shop}" and claims["exp"] - claims["iat"] == 60
    issued = httpx.get(f"{shopify_admin.url}/_sandbox/stats").json()["requests"]["session_token"]
    assert issued >= len(tokens)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_inside_the_admin_app_bridge_shows_the_title_the_save_bar_and_the_toasts(
    shopify_admin: LoopbackServer, start_worker: StartWorker, browser: Browser, viewport: dict[str, int]
) -> None:
    """Inside Shopify the admin's own title bar names the section, its save bar holds the Settings'
    unsaved changes (Save and Discard act on the app's form), and a job that finishes is told by the
    admin's toast, whose action opens the job: the app shows none of its own."""
    page = browser.page
    await page.set_viewport_size(viewport)
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    app = await steps.open_app(page, f"{shopify_admin.url}/_sandbox/admin?shop={shop}")
    frame = next(f for f in page.frames if "/app/shopify" in f.url)
    title_bar, save_bar = page.get_by_test_id("admin-title-bar"), page.get_by_role("region", name="Unsaved changes")
    await expect(title_bar).to_have_text("Optimise products")
    await no_sideways_scroll(frame, "optimise")

    await steps.tab(app, "Settings")
    await expect(title_bar).to_have_text("Settings")
    meta = app.get_by_role("group", name="Fields ticked by default").get_by_role("checkbox", name=re.compile("^Meta"))
    await expect(save_bar).to_be_hidden()
    await meta.uncheck()
    await expect(save_bar).to_be_visible()
    await save_bar.get_by_role("button", name="Discard").click()
    await expect(meta).to_be_checked()
    await expect(save_bar).to_be_hidden()
    await meta.uncheck()
    await save_bar.get_by_role("button", name="Save").click()
    await expect(app.get_by_role("status").filter(has_text="Settings saved.")).to_be_visible()
    await expect(save_bar).to_be_hidden()
    await no_sideways_scroll(frame, "settings")

    await steps.tab(app, "Optimise")
    await expect(title_bar).to_have_text("Optimise products")
    await steps.pick(app, 1, first=1)
    await steps.submit(app, "Improve for 3 credits")  # the fields ticked by default, as just saved
    await expect(title_bar).to_have_text("Queue")
    await start_worker()
    toast = page.get_by_test_id("admin-toast").filter(has_text="Job 1 is done: 3 changes ready to review.")
    await expect(toast).to_be_visible(timeout=20_000)
    await expect(app.get_by_test_id("toast")).to_have_count(0)
    await toast.get_by_role("button", name="Review").click()
    await expect(app.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    await expect(title_bar).to_have_text("Results")
    assert re.fullmatch(r"#results/\d+", await frame.evaluate("location.hash"))
    await expect(app.get_by_test_id("product-result")).to_have_count(1)
    await not_covered(frame, "[data-testid=product-result]")
    await no_sideways_scroll(frame, "results")
    kinds = {event["type"] for event in await page.evaluate("window.appBridgeEvents")}
    assert {"sandbox-app-bridge:title-bar", "sandbox-app-bridge:save-bar", "sandbox-app-bridge:toast"} <= kinds
