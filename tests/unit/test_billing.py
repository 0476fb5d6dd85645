"""Where each platform's owners buy plans, in which currency, and at what price there."""

from __future__ import annotations

import pytest

from optimizer_app.domain.billing import BillingConfig, billing_for
from optimizer_app.domain.plans import PLANS

CONFIG = BillingConfig(
    wix_app_id="wix-app",
    salla_app_id="1234567890",
    salla_plan_prices=(("pro", 11000),),
    woocommerce_upgrade_url="https://pay.example.com/upgrade?site={site}",
)
DOLLARS = {p.id: p.price_cents for p in PLANS.values()}


def test_shopify_sells_in_the_app_in_dollars() -> None:
    billing = billing_for("shopify", "shop.myshopify.com", "en", CONFIG)
    assert (billing.currency, billing.upgrade.kind, billing.upgrade.url) == ("USD", "in_app", None)
    assert billing.prices == DOLLARS


def test_wix_sends_the_owner_to_its_upgrade_page_when_the_app_id_is_set() -> None:
    billing = billing_for("wix", "instance/1", "en", CONFIG)
    assert billing.upgrade.kind == "platform_page" and billing.currency == "USD"
    assert billing.upgrade.url == "https://www.wix.com/apps/upgrade/wix-app?appInstanceId=instance/1"
    assert billing_for("wix", "i", "en", BillingConfig()).upgrade.kind == "none"


@pytest.mark.parametrize(("language", "page"), [("ar", "ar"), ("ar-SA", "ar"), ("en", "en"), ("fr", "en")])
def test_salla_prices_in_riyals_and_sends_the_merchant_to_the_apps_store_page(language: str, page: str) -> None:
    billing = billing_for("salla", "merchant-1", language, CONFIG)
    assert billing.currency == "SAR"
    assert billing.upgrade.kind == "platform_page"
    assert billing.upgrade.url == f"https://apps.salla.sa/{page}/app/1234567890"
    # The operator's price for pro, the defaults for the plans left out, nothing for free.
    assert billing.prices == {"free": 0, "starter": 3400, "pro": 11000, "scale": 37200}
    assert billing_for("salla", "m", "ar", BillingConfig()).upgrade.kind == "none"


def test_woocommerce_goes_to_the_operators_page_with_the_site_else_nowhere() -> None:
    billing = billing_for("woocommerce", "https://shop.example.com/store", "en", CONFIG)
    assert billing.upgrade.kind == "operator_url" and billing.currency == "USD"
    assert billing.upgrade.url == "https://pay.example.com/upgrade?site=https%3A%2F%2Fshop.example.com%2Fstore"
    assert billing_for("woocommerce", "https://s.example", "en", BillingConfig()).upgrade.kind == "none"
