"""How each platform sells the app's plans: the currency its prices are in, where an owner goes
to buy a bigger plan, and each plan's price there.

- Shopify: in the app. It creates an app subscription priced in US dollars and the owner
  approves it on Shopify's page (https://shopify.dev/docs/apps/launch/billing/subscription-billing).
- Wix: Wix's upgrade page for the app, priced in dollars in the Wix app dashboard
  (https://dev.wix.com/docs/build-apps/launch-your-app/pricing-and-billing).
- Salla: the app's page in the Salla App Store (`https://apps.salla.sa/<ar|en>/app/<app id>`),
  where Salla sells the plans the developer priced in riyals in Salla Partners; Salla bills the
  merchant and tells the app by `app.subscription.*` events whose amounts carry no currency, since
  there is only one (https://docs.salla.dev/421413m0.md).
- WooCommerce has no app store: the operator's own page, when one is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from .plans import FREE_PLAN, PLANS, SALLA_PLAN_PRICES, PlanPrices

UpgradeKind = Literal["in_app", "platform_page", "operator_url", "none"]

WIX_UPGRADE_URL = "https://www.wix.com/apps/upgrade/{app_id}?appInstanceId={instance_id}"
SALLA_APP_PAGE = "https://apps.salla.sa/{language}/app/{app_id}"


@dataclass(frozen=True)
class Upgrade:
    kind: UpgradeKind
    url: str | None = None


@dataclass(frozen=True)
class BillingConfig:
    """What the operator set: the apps' ids on the platforms, Salla's prices, WooCommerce's page."""

    wix_app_id: str = ""
    salla_app_id: str = ""
    salla_plan_prices: PlanPrices = ()
    woocommerce_upgrade_url: str = ""


@dataclass(frozen=True)
class Billing:
    currency: str
    upgrade: Upgrade
    # Each plan's monthly price in `currency`, in minor units (cents, halalas).
    prices: dict[str, int]


def _dollar_prices() -> dict[str, int]:
    return {p.id: p.price_cents for p in PLANS.values()}


def billing_for(platform: str, external_id: str, language: str, config: BillingConfig) -> Billing:
    """The billing of a store of `platform` (its id there: `external_id`) whose owner reads
    `language`."""
    if platform == "shopify":
        return Billing("USD", Upgrade("in_app"), _dollar_prices())
    if platform == "wix":
        if not config.wix_app_id:
            return Billing("USD", Upgrade("none"), _dollar_prices())
        url = WIX_UPGRADE_URL.format(app_id=quote(config.wix_app_id), instance_id=quote(external_id))
        return Billing("USD", Upgrade("platform_page", url), _dollar_prices())
    if platform == "salla":
        # A plan the operator did not price keeps its default riyal price.
        set_prices = {**dict(SALLA_PLAN_PRICES), **dict(config.salla_plan_prices)}
        prices = {p.id: 0 if p.id == FREE_PLAN else set_prices[p.id] for p in PLANS.values()}
        if not config.salla_app_id:
            return Billing("SAR", Upgrade("none"), prices)
        page = SALLA_APP_PAGE.format(
            language="ar" if language.startswith("ar") else "en", app_id=quote(config.salla_app_id, safe="")
        )
        return Billing("SAR", Upgrade("platform_page", page), prices)
    if config.woocommerce_upgrade_url:
        url = config.woocommerce_upgrade_url.replace("{site}", quote(external_id, safe=""))
        return Billing("USD", Upgrade("operator_url", url), _dollar_prices())
    return Billing("USD", Upgrade("none"), _dollar_prices())
