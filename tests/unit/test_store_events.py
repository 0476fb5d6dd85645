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
    PlatformEvent,
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
        ("PaidPlanPurchased", {"vendorProductId": "gold"}, [Installed(), PlanChanged("free", None)]),
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
        ("products/update", {"id": 1}, []),
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
        ("app.subscription.started", {"item_slug": "pro", "plan_period": "1"}, [Installed(), PlanChanged("pro", "1")]),
        (
            "app.subscription.renewed",
            {"plan_name": "Scale", "plan_period": 12},
            [Installed(), PlanChanged("scale", "12")],
        ),
        ("app.trial.started", {"item_slug": "starter"}, [Installed(), PlanChanged("starter", "")]),
        # Canceled: the plan stays until its end date (else the end of the current credit period).
        ("app.subscription.canceled", {"end_date": "2026-12-31"}, [PlanEnds(date(2026, 12, 31))]),
        ("app.subscription.canceled", {"end_date": "2026-12-31 23:59:59"}, [PlanEnds(date(2026, 12, 31))]),
        ("app.subscription.canceled", {"end_date": "soon"}, [PlanEnds(None)]),
        ("app.subscription.canceled", {}, [PlanEnds(None)]),
        ("app.subscription.expired", {"item_slug": "pro"}, [PlanChanged("free")]),
        ("app.trial.expired", {"item_slug": "pro"}, [PlanChanged("free")]),
        ("app.settings.updated", {}, []),
    ],
)
def test_salla_events(event: str, data: dict[str, Any], effects: list[StoreEvent]) -> None:
    verified = SallaWebhookEvent(event_id="sha", event=event, merchant_id="42", created_at="", data=data)
    assert salla.store_events(verified, now=NOW) == PlatformEvent("salla", "42", "sha", event, tuple(effects))


def test_issued_tokens_are_not_printed() -> None:
    assert "at-secret" not in repr(TokensIssued("at-secret", "rt-secret", NOW))
    assert "rt-secret" not in repr(TokensIssued("at-secret", "rt-secret", NOW))
