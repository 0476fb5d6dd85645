"""Salla's webhook signatures: HMAC-SHA256 of the raw body with the app's webhook secret."""

from __future__ import annotations

import json

import pytest

from optimizer_app.auth import salla as salla_auth
from optimizer_app.errors import MalformedRequest, Unauthorized

WEBHOOK_SECRET = "salla-webhook-secret"


def test_webhook_signatures() -> None:
    body = json.dumps(
        {"event": "app.installed", "merchant": 1, "created_at": "2026-11-24 10:00:00", "data": {}}
    ).encode()
    good = salla_auth.sign_body(body, WEBHOOK_SECRET)
    assert len(good) == 64 and salla_auth.verify_webhook(body, good, secret=WEBHOOK_SECRET).event == "app.installed"
    assert salla_auth.verify_webhook(body, good.upper(), secret=WEBHOOK_SECRET).merchant_id == "1"
    for signature, payload in [
        (salla_auth.sign_body(body, "other-secret"), body),
        (good, body + b" "),
        (None, body),
        ("", body),
    ]:
        with pytest.raises(Unauthorized):
            salla_auth.verify_webhook(payload, signature, secret=WEBHOOK_SECRET)
    for signed_but_malformed in (b"[]", b"nope"):  # signed by Salla, so not forged: a bad request
        with pytest.raises(MalformedRequest):
            salla_auth.verify_webhook(
                signed_but_malformed, salla_auth.sign_body(signed_but_malformed, WEBHOOK_SECRET), secret=WEBHOOK_SECRET
            )
