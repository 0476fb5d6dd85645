"""Wix identity: the dashboard instance and webhook JWTs, good and every kind of bad."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from optimizer_app.auth import wix
from optimizer_app.errors import Unauthorized

APP_ID = "app-123"
SECRET = "s3cret"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def signed(payload: dict[str, object], secret: str = SECRET) -> str:
    return wix.sign_instance(payload, secret)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_good_instance_is_verified() -> None:
    instance = signed(wix.new_instance_payload("site-1", APP_ID, now=NOW, vendor_product_id="pro"))
    verified = wix.verify_instance(instance, app_id=APP_ID, app_secret=SECRET, now=NOW + timedelta(hours=1))
    assert (verified.instance_id, verified.vendor_product_id, verified.permissions) == ("site-1", "pro", "OWNER")
    assert "=" not in instance and instance.count(".") == 1


def test_the_signature_covers_the_encoded_payload_as_wix_computes_it() -> None:
    payload_b64 = b64(json.dumps(wix.new_instance_payload("site-1", APP_ID, now=NOW)).encode())
    signature = b64(hmac.new(SECRET.encode(), payload_b64.encode(), hashlib.sha256).digest())
    assert (
        wix.verify_instance(f"{signature}.{payload_b64}", app_id=APP_ID, app_secret=SECRET, now=NOW).instance_id
        == "site-1"
    )


def _tampered_payload() -> str:
    good = signed(wix.new_instance_payload("site-1", APP_ID, now=NOW))
    signature, payload = good.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["instanceId"] = "someone-else"
    return f"{signature}.{b64(json.dumps(data).encode())}"


def _tampered_signature() -> str:
    good = signed(wix.new_instance_payload("site-1", APP_ID, now=NOW))
    signature, payload = good.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{flipped}.{payload}"


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ("", "missing"),
        ("onlyonepart", "malformed"),
        ("a.b.c", "malformed"),
        (".payload", "malformed"),
        ("!!!.abc", "does not match"),
        (_tampered_payload(), "does not match"),
        (_tampered_signature(), "does not match"),
        (signed(wix.new_instance_payload("site-1", "other-app", now=NOW)), "another app"),
        (signed(wix.new_instance_payload("site-1", APP_ID, now=NOW), "wrong-secret"), "does not match"),
        (signed(wix.new_instance_payload("site-1", APP_ID, now=NOW - timedelta(hours=5))), "expired"),
        (signed(wix.new_instance_payload("site-1", APP_ID, now=NOW + timedelta(hours=1))), "future"),
        (signed({"appDefId": APP_ID, "signDate": "2026-11-24T12:00:00Z"}), "instanceId"),
        (signed({"instanceId": "x", "appDefId": APP_ID, "signDate": "yesterday"}), "signDate"),
        (signed({"instanceId": "x", "appDefId": APP_ID, "signDate": "2026-11-24T06:00:00Z"}), "expired"),
    ],
)
def test_bad_instances_are_refused_with_a_reason(instance: str, message: str) -> None:
    with pytest.raises(Unauthorized) as info:
        wix.verify_instance(instance, app_id=APP_ID, app_secret=SECRET, now=NOW)
    assert message in info.value.message


def test_non_json_and_array_payloads_are_refused() -> None:
    for payload in (b"not json", b"[1, 2]"):
        encoded = b64(payload)
        sig = b64(hmac.new(SECRET.encode(), encoded.encode(), hashlib.sha256).digest())
        with pytest.raises(Unauthorized):
            wix.verify_instance(f"{sig}.{encoded}", app_id=APP_ID, app_secret=SECRET, now=NOW)


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return wix.generate_keypair()


def test_a_good_webhook_is_unwrapped(keys: tuple[str, str]) -> None:
    body = wix.sign_webhook(
        "PaidPlanPurchased", "site-1", {"vendorProductId": "pro", "cycle": "MONTHLY"}, private_key_pem=keys[0]
    )
    event = wix.verify_webhook(body.encode(), public_key_pem=keys[1])
    assert (event.event_type, event.instance_id, event.payload["vendorProductId"]) == (
        "PaidPlanPurchased",
        "site-1",
        "pro",
    )
    assert event.event_id == hashlib.sha256(body.encode()).hexdigest()
    assert wix.verify_webhook(body.encode(), public_key_pem=keys[1]).event_id == event.event_id


def test_a_webhook_with_an_inner_id_is_deduplicated_by_it(keys: tuple[str, str]) -> None:
    body = wix.sign_webhook("AppInstalled", "site-1", {"appId": APP_ID}, private_key_pem=keys[0], event_id="evt-1")
    assert wix.verify_webhook(body.encode(), public_key_pem=keys[1]).event_id == "evt-1"


def _hs256_with_public_key(claims: dict[str, object], public_pem: str) -> str:
    """A token "signed" with HMAC over the public key text: libraries that let the token pick the
    algorithm would accept it."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(public_pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_forged_and_malformed_webhooks_are_refused(keys: tuple[str, str]) -> None:
    other_private, _ = wix.generate_keypair()
    now = int(datetime.now(UTC).timestamp())
    envelope = json.dumps({"eventType": "AppRemoved", "instanceId": "site-1", "data": "{}"})
    bodies = [
        wix.sign_webhook("AppRemoved", "site-1", {}, private_key_pem=other_private),  # another key
        _hs256_with_public_key({"data": envelope, "exp": now + 60}, keys[1]),  # algorithm confusion
        jwt.encode({"data": envelope, "exp": now + 60}, "", algorithm="none"),  # unsigned
        wix.sign_webhook(
            "AppRemoved", "site-1", {}, private_key_pem=keys[0], now=datetime.now(UTC) - timedelta(hours=2)
        ),
        jwt.encode({"data": "not json", "exp": now + 60}, keys[0], algorithm="RS256"),
        jwt.encode({"data": json.dumps({"instanceId": "x"}), "exp": now + 60}, keys[0], algorithm="RS256"),
        "garbage",
        "",
    ]
    for body in bodies:
        with pytest.raises(Unauthorized):
            wix.verify_webhook(body.encode(), public_key_pem=keys[1])


def test_webhooks_are_refused_when_no_key_is_configured(keys: tuple[str, str]) -> None:
    body = wix.sign_webhook("AppInstalled", "site-1", {}, private_key_pem=keys[0])
    with pytest.raises(Unauthorized):
        wix.verify_webhook(body.encode(), public_key_pem="")
