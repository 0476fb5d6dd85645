"""Wix and Salla product webhooks mapped to store events, from the documented payloads in
tests/contracts/: each names one product by the id the platform's API uses, created or changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from optimizer_app.auth import salla as salla_auth
from optimizer_app.auth import wix as wix_auth
from optimizer_app.errors import MalformedRequest
from optimizer_app.store_events import salla as salla_events
from optimizer_app.store_events import wix as wix_events
from optimizer_app.store_events.events import ProductsChanged
from tests.factories import contract

SECRET = "salla-webhook-secret"


@pytest.mark.parametrize(
    ("fixture", "event_type", "product_id", "created"),
    [
        ("product_created_v3", wix_auth.V3_PRODUCT_CREATED, "d1c1d2a4-1b2f-4a9a-8f2e-5f0c0b6a7e21", True),
        ("product_updated_v3", wix_auth.V3_PRODUCT_UPDATED, "d1c1d2a4-1b2f-4a9a-8f2e-5f0c0b6a7e21", False),
        ("product_created_v1", wix_auth.V1_PRODUCT_CREATED, "5096485f-0239-3881-3f6a-63955708a4ec", True),
        ("product_changed_v1", wix_auth.V1_PRODUCT_CHANGED, "a60fef92-ee29-070f-a7ed-9bbc3cc1c2f4", False),
    ],
)
def test_wix_product_events_name_the_product(fixture: str, event_type: str, product_id: str, created: bool) -> None:
    payload = contract("wix", fixture)["example"]
    event = wix_auth.WixWebhookEvent("evt-1", event_type, "instance-1", payload, None)
    wix_auth.check_event_payload(event, app_id="app")
    mapped = wix_events.store_events(event)
    assert (mapped.platform, mapped.external_id, mapped.event_type) == ("wix", "instance-1", event_type)
    assert mapped.effects == (ProductsChanged((product_id,), created=created),)


@pytest.mark.parametrize("missing", [None, "", 42])
def test_a_wix_product_event_without_its_product_id_is_refused(missing: object) -> None:
    payload = {**contract("wix", "product_created_v3")["example"], "entityId": missing}
    event = wix_auth.WixWebhookEvent("evt-1", wix_auth.V3_PRODUCT_CREATED, "instance-1", payload, None)
    with pytest.raises(MalformedRequest, match="entityId"):
        wix_auth.check_event_payload(event, app_id="app")
    changed = {"changedFields": ["name"]}
    v1 = wix_auth.WixWebhookEvent("evt-2", wix_auth.V1_PRODUCT_CHANGED, "instance-1", changed, None)
    with pytest.raises(MalformedRequest, match="productId"):
        wix_auth.check_event_payload(v1, app_id="app")


@pytest.mark.parametrize(("fixture", "created"), [("product_created", True), ("product_updated", False)])
def test_salla_product_events_name_the_product(fixture: str, created: bool) -> None:
    body = json.dumps(contract("salla", fixture)["example"]).encode()
    event = salla_auth.verify_webhook(body, salla_auth.sign_body(body, SECRET), secret=SECRET)
    mapped = salla_events.store_events(event, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert (mapped.platform, mapped.external_id) == ("salla", "1305146709")
    # The Merchant API names the product by its integer id as a string (platforms/salla.py).
    assert mapped.effects == (ProductsChanged(("1025569331",), created=created),)


@pytest.mark.parametrize("bad_id", [None, "1025569331", True, 10.5])
def test_a_salla_product_event_without_an_integer_id_is_refused(bad_id: object) -> None:
    example = contract("salla", "product_created")["example"]
    body = json.dumps({**example, "data": {**example["data"], "id": bad_id}}).encode()
    with pytest.raises(MalformedRequest, match=r"data\.id"):
        salla_auth.verify_webhook(body, salla_auth.sign_body(body, SECRET), secret=SECRET)
