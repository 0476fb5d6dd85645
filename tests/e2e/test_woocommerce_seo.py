"""A WooCommerce site connected through the connect form: on a site without an SEO plugin the
Optimise screen greys out the SEO fields and says why; on a Yoast site they can be chosen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.e2e.conftest import Browser, screenshot_path, web_settings

KEY, SECRET = "ck_" + "7" * 40, "cs_" + "8" * 40
NO_PLUGIN = "SEO fields cannot be published on this WordPress site"


@pytest.fixture
def web(database_url: str) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    # The sandbox site listens on plain HTTP on loopback, which only development allows.
    settings = web_settings(database_url, app_env="development", outbound_allow_private=True)
    with LoopbackServer(create_app(settings)) as server:
        yield server


@pytest.mark.parametrize("plugin", [None, "yoast"])
async def test_seo_fields_are_greyed_out_with_the_reason_only_where_no_seo_plugin_runs(
    web: LoopbackServer, browser: Browser, plugin: str | None
) -> None:
    page = browser.page
    with LoopbackServer(
        create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET, seo_plugin=plugin)
    ) as site:
        await page.goto(f"{web.url}/app/woocommerce")
        await page.fill("#site_url", site.url)
        await page.fill("#consumer_key", KEY)
        await page.fill("#consumer_secret", SECRET)
        await page.get_by_role("button", name="Connect").click()
        fields = page.get_by_role("group", name="Fields")
        await expect(fields.get_by_role("checkbox", name=re.compile("^Title"))).to_be_enabled()
        seo = [
            fields.get_by_role("checkbox", name=re.compile(f"^{name}")) for name in ("SEO title", "Meta description")
        ]
        if plugin is None:
            for box in seo:
                await expect(box).to_be_disabled()
                await expect(box).not_to_be_checked()
            await expect(fields.get_by_text(NO_PLUGIN)).to_be_visible()
            await page.screenshot(path=screenshot_path("optimise-woocommerce-no-seo-plugin"), full_page=True)
        else:
            for box in seo:
                await expect(box).to_be_enabled()
                await expect(box).to_be_checked()
            await expect(fields.get_by_text(NO_PLUGIN)).to_have_count(0)
        # The product pictures come from the site: let them load, then leave the page, before the
        # site stops (a picture still loading would meet a closed port).
        await page.wait_for_load_state("networkidle")
        await page.goto("about:blank")
