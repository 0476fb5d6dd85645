"""`GET /api/me` tells the dashboard how each platform's owners buy plans: the currency of the
prices, where the upgrade happens and each plan's price there; the app page's config carries the
same account. A store of each platform, through the sandboxes, on real PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx

from optimizer_app.settings import Settings
from tests.integration.all_platforms import AllPlatforms, all_platforms
from tests.integration.conftest import new_site

DOLLARS = {"free": 0, "starter": 900, "pro": 2900, "scale": 9900}


def prices(me: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {p["id"]: (p["price"]["amount_minor"], p["price"]["currency"]) for p in me["plans"]}


async def me_of_each(running: AllPlatforms) -> dict[str, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=running.web.url, timeout=30) as api:
        wix = (await api.get("/api/me", headers=new_site().headers)).json()
        shopify = (await api.get("/api/me", headers=running.shopify_headers())).json()
        running.install_salla()
        salla_page = await api.get("/app/salla", params={"token": running.salla_embedded_token()})
        session = page_config(salla_page.text)["session"]
        salla = (await api.get("/api/me", headers={"Authorization": f"Bearer {session}"})).json()
        assert page_config(salla_page.text)["me"]["billing"] == salla["billing"]
        connected = (await api.post("/api/woocommerce/connect", json=running.woo_keys())).json()
        woo = (await api.get("/api/me", headers={"Authorization": f"Bearer {connected['session']}"})).json()
    return {"wix": wix, "shopify": shopify, "salla": salla, "woocommerce": woo}


def page_config(html: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        html.split('<script id="config" type="application/json">')[1].split("</script>")[0]
    )
    return config


async def test_each_platform_says_where_and_in_which_currency_plans_are_bought(settings: Settings) -> None:
    configured = replace(
        settings,
        salla_app_id="1234567890",
        salla_plan_prices=(("pro", 11050),),
        woocommerce_upgrade_url="https://billing.example.com/woocommerce?site={site}",
    )
    with all_platforms(configured) as running:
        me = await me_of_each(running)
    assert me["shopify"]["billing"] == {"currency": "USD", "upgrade": {"kind": "in_app", "url": None}}
    assert me["wix"]["billing"]["currency"] == "USD"
    assert me["wix"]["billing"]["upgrade"]["kind"] == "platform_page"
    assert me["wix"]["billing"]["upgrade"]["url"].startswith("https://www.wix.com/apps/upgrade/")
    # Salla sells in riyals from the app's page in its App Store, in the store's language (Arabic).
    assert me["salla"]["billing"] == {
        "currency": "SAR",
        "upgrade": {"kind": "platform_page", "url": "https://apps.salla.sa/ar/app/1234567890"},
    }
    assert prices(me["salla"]) == {
        "free": (0, "SAR"),
        "starter": (3400, "SAR"),
        "pro": (11050, "SAR"),
        "scale": (37200, "SAR"),
    }
    site = running.woo.url.replace(":", "%3A").replace("/", "%2F")
    assert me["woocommerce"]["billing"]["upgrade"] == {
        "kind": "operator_url",
        "url": f"https://billing.example.com/woocommerce?site={site}",
    }
    for platform in ("wix", "shopify", "woocommerce"):
        assert prices(me[platform]) == {plan: (cents, "USD") for plan, cents in DOLLARS.items()}, platform
    for account in me.values():  # the dollar price stays for the dashboards that read it
        assert {p["id"]: p["price_cents"] for p in account["plans"]} == DOLLARS


async def test_without_an_app_page_or_an_operators_url_there_is_no_upgrade_to_offer(settings: Settings) -> None:
    with all_platforms(settings) as running:
        me = await me_of_each(running)
    for platform in ("salla", "woocommerce"):
        assert me[platform]["billing"]["upgrade"] == {"kind": "none", "url": None}, platform
