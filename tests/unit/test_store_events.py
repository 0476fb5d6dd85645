"""Each platform's webhook events as store events: one row per documented event, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from optimizer_app.auth.salla import SallaWebhookEvent
from optimizer_app.auth.shopify import ShopifyWebhook
from optimizer_app.auth.wix import WixWebhookEvent
from optimizer_app.store_events import salla, shopify, wix
from optimizer_app.store_events.events import (
    Installed,
    PlanChanged,
    PlanEnds,
    PlanKept,
    PlatformEvent,
    ProductsChanged,
    Redacted,
    StoreEvent,
    SubscriptionState,
    SubscriptionStatusChanged,
    TokensIssued,
    Uninstalled,
    subscription_effects,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PLAN = {"vendorProductId": "pro", "cycle": "MONTHLY"}


@pytest.mark.parametrize(
    ("event_type", "payload", "effects"),
    [
        ("AppInstalled", {"appId": "app"}, [Installed()]),
        ("AppRemoved", {}, [Uninstalled()]),
        ("PaidPlanPurchased", PLAN, [Installed(), PlanChanged("pro", "MONTHLY")]),
        (
            "PaidPlanChanged",
            {"vendorProductId": "scale", "cycle": "YEARLY"},
            [Installed(), PlanChanged("scale", "YEARLY")],
        ),
        ("PlanConvertedToPaid", PLAN, [Installed(), PlanChanged("pro", "MONTHLY")]),
        ("PlanReactivated", PLAN, [Installed(), PlanChanged("pro", "MONTHLY")]),
        ("PlanTransferred", PLAN, [Installed(), PlanChanged("pro", "MONTHLY")]),
        # A plan id that is none of ours keeps the current plan (logged), never moves a payer to free.
        (
            "PaidPlanPurchased",
            {"vendorProductId": "gold"},
            [Installed(), PlanKept("PaidPlanPurchased: the Wix plan 'gold' is none of ours")],
        ),
        # Auto-renewal cancelled: paid until the current period ends, then the reset moves it to free.
        ("PaidPlanAutoRenewalCancelled", {**PLAN, "cancelReason": "USER_CANCEL"}, [PlanEnds(None)]),
        ("SitePropertiesUpdated", {}, []),
    ],
)
def test_wix_events(event_type: str, payload: dict[str, Any], effects: list[StoreEvent]) -> None:
    event = WixWebhookEvent(
        event_id="evt-1", event_type=event_type, instance_id="site-1", payload=payload, identity=None
    )
    assert wix.store_events(event) == PlatformEvent("wix", "site-1", "evt-1", event_type, tuple(effects))


def subscription(status: str, **more: str) -> dict[str, Any]:
    fields = {"admin_graphql_api_id": "gid://shopify/AppSubscription/7", "name": "Pro", "status": status}
    return {"app_subscription": {**fields, "admin_graphql_api_shop_id": "gid://shopify/Shop/1", **more}}


def changed(state: SubscriptionState, cycle: str = "") -> SubscriptionStatusChanged:
    return SubscriptionStatusChanged("gid://shopify/AppSubscription/7", state, cycle)


SHOP = {"shop_id": 1, "shop_domain": "a.myshopify.com"}
CUSTOMER = {**SHOP, "customer": {"id": 1}}


@pytest.mark.parametrize(
    ("topic", "payload", "effects"),
    [
        ("app/uninstalled", {"id": 1, "myshopify_domain": "a.myshopify.com"}, [Uninstalled()]),
        (
            "app_subscriptions/update",
            subscription("ACTIVE", interval="every_30_days"),
            [changed("active", "every_30_days")],
        ),
        ("app_subscriptions/update", subscription("active"), [changed("active")]),
        ("app_subscriptions/update", subscription("CANCELLED"), [changed("ended")]),
        ("app_subscriptions/update", subscription("EXPIRED"), [changed("ended")]),
        ("app_subscriptions/update", subscription("FROZEN"), [changed("ended")]),
        ("app_subscriptions/update", subscription("PENDING"), [changed("other")]),
        ("app_subscriptions/update", subscription("DECLINED"), [changed("other")]),
        # The app keeps no customer data: a data request or a customer redaction changes nothing.
        ("customers/data_request", {**CUSTOMER, "orders_requested": [1]}, []),
        ("customers/redact", {**CUSTOMER, "orders_to_redact": [1]}, []),
        ("shop/redact", SHOP, [Redacted()]),
        ("products/update", {"id": 1}, [ProductsChanged(("gid://shopify/Product/1",), created=False)]),
    ],
)
def test_shopify_topics(topic: str, payload: dict[str, Any], effects: list[StoreEvent]) -> None:
    webhook = ShopifyWebhook(topic=topic, shop="a.myshopify.com", event_id="wh-1", payload=payload)
    assert shopify.store_events(webhook) == PlatformEvent("shopify", "a.myshopify.com", "wh-1", topic, tuple(effects))


@pytest.mark.parametrize(
    ("change", "plan_id", "current_plan_id", "effects"),
    [
        (changed("active", "every_30_days"), "pro", "free", [PlanChanged("pro", "every_30_days")]),
        (changed("active"), "starter", "pro", [PlanChanged("starter", "")]),
        (changed("ended"), "pro", "pro", [PlanChanged("free")]),
        # An upgrade cancels the old subscription: that cancellation leaves the new plan alone.
        (changed("ended"), "starter", "pro", []),
        (changed("other"), "pro", "free", []),
        (changed("other"), "pro", "pro", []),
    ],
)
def test_a_subscription_change_on_the_plan_it_was_created_for(
    change: SubscriptionStatusChanged, plan_id: str, current_plan_id: str, effects: list[StoreEvent]
) -> None:
    assert subscription_effects(change, plan_id=plan_id, current_plan_id=current_plan_id) == effects


AUTHORIZE = {"access_token": "at", "refresh_token": "rt", "expires": 1_798_761_600, "scope": "offline_access"}


# https://docs.salla.dev/421413m0.md as quoted by SallaApp/salla-partners-agent-kit
# (.agents/skills/salla-app-billing/references/subscription-events.md).
SALLA_PLAN: dict[str, Any] = {
    "subscription_id": 657032372,
    "item_type": "plan",
    "item_slug": None,
    "plan_name": "Yearly",
    "plan_type": "recurring",
    "plan_period": "12",
}
SALLA_ADDON: dict[str, Any] = {**SALLA_PLAN, "item_type": "addon", "item_slug": "pro", "plan_name": "Pro"}
SALLA_TRIAL: dict[str, Any] = {**SALLA_PLAN, "plan_name": "trail", "plan_type": "once", "price": 0}
TRIAL_KEPT = "{}: a Salla trial names no plan, so it changes none"


@pytest.mark.parametrize(
    ("event", "data", "effects"),
    [
        ("app.installed", {}, [Installed()]),
        ("app.uninstalled", {}, [Uninstalled()]),
        (
            "app.store.authorize",
            AUTHORIZE,
            [Installed(), TokensIssued("at", "rt", datetime(2027, 1, 1, tzinfo=UTC))],
        ),
        (
            "app.store.authorize",
            {"access_token": "at", "expires_in": 3600},
            [Installed(), TokensIssued("at", None, datetime(2026, 11, 24, 11, 0, tzinfo=UTC))],
        ),
        # Documented shape: plans have `item_slug: null` and are named by `plan_name`.
        ("app.subscription.started", {**SALLA_PLAN, "plan_name": "Pro"}, [Installed(), PlanChanged("pro", "12")]),
        ("app.subscription.renewed", {**SALLA_PLAN, "plan_name": "scale"}, [Installed(), PlanChanged("scale", "12")]),
        (
            "app.subscription.started",
            {**SALLA_PLAN, "plan_name": "Yearly Pro", "plan_period": "yearly"},
            [Installed(), PlanChanged("pro", "yearly")],
        ),
        (
            "app.subscription.started",
            SALLA_PLAN,
            [Installed(), PlanKept("app.subscription.started: the Salla plan 'Yearly' is not in SALLA_PLAN_MAP")],
        ),
        # An add-on shares the events and never changes the plan, whatever its slug.
        (
            "app.subscription.started",
            SALLA_ADDON,
            [Installed(), PlanKept("app.subscription.started for the add-on 'pro': add-ons change no plan")],
        ),
        (
            "app.subscription.expired",
            SALLA_ADDON,
            [PlanKept("app.subscription.expired for the add-on 'pro': add-ons change no plan")],
        ),
        # Trials name no plan: they change none, and neither does their end.
        ("app.trial.started", SALLA_TRIAL, [Installed(), PlanKept(TRIAL_KEPT.format("app.trial.started"))]),
        ("app.trial.expired", SALLA_TRIAL, [PlanKept(TRIAL_KEPT.format("app.trial.expired"))]),
        ("app.trial.canceled", SALLA_TRIAL, [PlanKept(TRIAL_KEPT.format("app.trial.canceled"))]),
        # Canceled: the plan stays until its end date (else the end of the current credit period),
        # and only when it is the store's current plan.
        (
            "app.subscription.canceled",
            {**SALLA_PLAN, "plan_name": "Pro", "end_date": "2026-12-31"},
            [PlanEnds(date(2026, 12, 31), if_current="pro")],
        ),
        (
            "app.subscription.canceled",
            {**SALLA_PLAN, "plan_name": "Pro", "end_date": "2026-12-31 23:59:59"},
            [PlanEnds(date(2026, 12, 31), if_current="pro")],
        ),
        (
            "app.subscription.canceled",
            {**SALLA_PLAN, "plan_name": "Pro", "end_date": "soon"},
            [PlanEnds(None, if_current="pro")],
        ),
        ("app.subscription.canceled", {"plan_name": "Pro"}, [PlanEnds(None, if_current="pro")]),
        (
            "app.subscription.expired",
            {**SALLA_PLAN, "plan_name": "Pro"},
            [PlanChanged("free", if_current="pro")],
        ),
        (
            "app.subscription.expired",
            SALLA_PLAN,
            [PlanKept("app.subscription.expired: the Salla plan 'Yearly' is not in SALLA_PLAN_MAP")],
        ),
        ("app.settings.updated", {}, []),
    ],
)
def test_salla_events(event: str, data: dict[str, Any], effects: list[StoreEvent]) -> None:
    verified = SallaWebhookEvent(event_id="sha", event=event, merchant_id="42", created_at="", data=data)
    mapped = salla.store_events(verified, now=NOW, plan_map=(("Yearly Pro", "pro"),))
    assert mapped == PlatformEvent("salla", "42", "sha", event, tuple(effects))


def test_issued_tokens_are_not_printed() -> None:
    assert "at-secret" not in repr(TokensIssued("at-secret", "rt-secret", NOW))
    assert "rt-secret" not in repr(TokensIssued("at-secret", "rt-secret", NOW))
