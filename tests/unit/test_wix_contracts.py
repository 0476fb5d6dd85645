"""Wix's documented webhook payloads (tests/contracts/wix) through verification and the mapping to
store events, and the documented product shapes through both catalogs' mappings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from optimizer_app.auth import wix as wix_auth
from optimizer_app.errors import Unauthorized
from optimizer_app.platforms import wix, wix_v1
from optimizer_app.store_events import wix as wix_events
from optimizer_app.store_events.events import Installed, PlanChanged, PlanEnds, Uninstalled
from tests.contracts import example

PRIVATE, PUBLIC = wix_auth.generate_keypair()


def signed(name: str, *, now: datetime | None = None) -> str:
    event = example("wix", name)
    return wix_auth.sign_webhook(
        event["eventType"],
        event["instanceId"],
        event["data"],
        identity=event["identity"],
        private_key_pem=PRIVATE,
        now=now,
    )


@pytest.mark.parametrize(
    ("name", "effects"),
    [
        ("app_installed", (Installed(),)),
        ("app_removed", (Uninstalled(),)),
        ("paid_plan_purchased", (Installed(), PlanChanged("pro", "MONTHLY"))),
        ("paid_plan_changed", (Installed(), PlanChanged("scale", "YEARLY"))),
        ("paid_plan_auto_renewal_cancelled", (PlanEnds(date(2027, 1, 10)),)),
    ],
)
def test_each_documented_event_gives_the_plan_the_owner_paid_for(name: str, effects: tuple[object, ...]) -> None:
    event = wix_auth.verify_webhook(signed(name).encode(), public_key_pem=PUBLIC)
    wix_auth.check_event_payload(event, app_id=example("wix", "app_installed")["data"]["appId"])
    paid_until = date(2027, 1, 10) if name == "paid_plan_auto_renewal_cancelled" else None
    assert wix_events.store_events(event, paid_until=paid_until).effects == effects


def test_a_webhook_signed_by_a_clock_a_little_ahead_is_accepted() -> None:
    ahead = datetime.now(UTC) + timedelta(seconds=30)
    event = wix_auth.verify_webhook(signed("paid_plan_purchased", now=ahead).encode(), public_key_pem=PUBLIC)
    assert event.event_type == "PaidPlanPurchased"
    too_far = datetime.now(UTC) + timedelta(minutes=5)
    with pytest.raises(Unauthorized):
        wix_auth.verify_webhook(signed("paid_plan_purchased", now=too_far).encode(), public_key_pem=PUBLIC)


def test_a_billing_event_signed_again_for_a_retry_keeps_its_id() -> None:
    first = wix_auth.verify_webhook(signed("paid_plan_changed").encode(), public_key_pem=PUBLIC)
    later = datetime.now(UTC) + timedelta(seconds=20)
    retry = wix_auth.verify_webhook(signed("paid_plan_changed", now=later).encode(), public_key_pem=PUBLIC)
    assert first.event_id == retry.event_id
    other = wix_auth.verify_webhook(signed("paid_plan_purchased").encode(), public_key_pem=PUBLIC)
    assert other.event_id != first.event_id


def test_both_catalogs_documented_products_read_the_same() -> None:
    v3 = wix.to_product(example("wix", "product_v3"))
    v1 = wix_v1.to_product(example("wix", "product_v1"))
    same = ("id", "title", "description_html", "seo_title", "collection_ids", "image_url")
    assert [getattr(v1, f) for f in same] == [getattr(v3, f) for f in same]
    assert v1.extra == {**v3.extra} and v3.revision == "3" and v1.revision is None
