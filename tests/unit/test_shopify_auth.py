"""Shopify identity rules: session tokens, the install query HMAC and webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

import jwt
import pytest

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.errors import Unauthorized

KEY = "0c5a2b8e7d3f41a6b9e2c7d1f0a3b4c5"
SECRET = "shpss_test_secret_0123456789abcdef0123456789abcdef0123456789abcd"
SHOP = "acme-goods.myshopify.com"


def claims(**override: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "1b7b4bfe-1c5e-4f5e-9c36-0f0a7cf1e3a2",
        "sid": "abc",
    }
    base.update(override)
    return {k: v for k, v in base.items() if v is not None}


def token(secret: str = SECRET, algorithm: str = "HS256", **override: object) -> str:
    return jwt.encode(claims(**override), secret, algorithm=algorithm)


def test_a_good_session_token_names_its_shop() -> None:
    session = shopify_auth.verify_session_token(token(), api_key=KEY, api_secret=SECRET)
    assert session.shop == SHOP
    assert session.user_id == "42" and session.session_id == "abc"


def test_the_signing_helper_makes_tokens_the_verifier_accepts() -> None:
    signed = shopify_auth.sign_session_token(SHOP, api_key=KEY, api_secret=SECRET)
    assert shopify_auth.verify_session_token(signed, api_key=KEY, api_secret=SECRET).shop == SHOP


def test_ten_seconds_of_clock_skew_are_tolerated() -> None:
    now = int(time.time())
    late = token(exp=now - 8, nbf=now - 68, iat=now - 68)
    early = token(nbf=now + 8, exp=now + 68)
    assert shopify_auth.verify_session_token(late, api_key=KEY, api_secret=SECRET).shop == SHOP
    assert shopify_auth.verify_session_token(early, api_key=KEY, api_secret=SECRET).shop == SHOP


# Tokens are built inside the test, not at collection: a minute-long token made at collection
# time has expired by the time a long suite reaches it.
BAD_SESSION_TOKENS: list[tuple[Callable[[int], str], str]] = [
    (lambda now: token(exp=now - 30), "expired"),
    (lambda now: token(nbf=now + 60, exp=now + 120), "not valid yet"),
    (lambda now: token(aud="another-app"), "another app"),
    (lambda now: token(secret="shpss_wrong_secret_0123456789abcdef0123"), "invalid"),
    (lambda now: token(algorithm="HS512"), "invalid"),
    (lambda now: token(dest="https://evil.example.com", iss="https://evil.example.com/admin"), "no valid shop"),
    (lambda now: token(iss="https://other-shop.myshopify.com/admin"), "issuer"),
    (lambda now: token(dest=None), "invalid"),
    (lambda now: token(exp=None), "invalid"),
    (lambda now: "garbage", "malformed"),
    (lambda now: "a.b.c", "invalid"),
    (lambda now: "", "malformed"),
]


@pytest.mark.parametrize(("make", "fragment"), BAD_SESSION_TOKENS)
def test_bad_session_tokens_are_refused(make: Callable[[int], str], fragment: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        shopify_auth.verify_session_token(make(int(time.time())), api_key=KEY, api_secret=SECRET)
    assert fragment in caught.value.message


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(claims(), key="", algorithm="none")
    with pytest.raises(Unauthorized):
        shopify_auth.verify_session_token(unsigned, api_key=KEY, api_secret=SECRET)


def test_an_unconfigured_server_refuses_every_token() -> None:
    with pytest.raises(Unauthorized, match="not configured"):
        shopify_auth.verify_session_token(token(), api_key="", api_secret="")


def test_a_passed_clock_decides_expiry() -> None:
    old = int(time.time()) - 3600
    raw = token(exp=old + 60, nbf=old, iat=old)
    assert shopify_auth.verify_session_token(raw, api_key=KEY, api_secret=SECRET, now=old + 30).shop == SHOP
    with pytest.raises(Unauthorized, match="expired"):
        shopify_auth.verify_session_token(raw, api_key=KEY, api_secret=SECRET, now=old + 71)


def install_query(**override: str) -> list[tuple[str, str]]:
    params = {"host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ", "shop": SHOP, "timestamp": str(int(time.time()))}
    params.update(override)
    # Shopify's algorithm, written out: sorted key=value pairs without hmac, hex HMAC-SHA256.
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["hmac"] = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return list(params.items())


def test_a_signed_install_query_names_its_shop() -> None:
    assert shopify_auth.verify_install_query(install_query(), api_secret=SECRET) == SHOP
    signed = dict(install_query())
    assert signed["hmac"] == shopify_auth.sign_install_query({k: v for k, v in signed.items() if k != "hmac"}, SECRET)


def test_install_query_parameters_are_url_encoded_and_sorted() -> None:
    params = {"shop": SHOP, "timestamp": str(int(time.time())), "locale": "en-US", "a": "x y&z"}
    params["hmac"] = shopify_auth.sign_install_query(params, SECRET)
    assert shopify_auth.verify_install_query(params.items(), api_secret=SECRET) == SHOP
    expected = "a=x%20y%26z&locale=en-US&shop=" + SHOP + "&timestamp=" + params["timestamp"]
    assert params["hmac"] == hmac.new(SECRET.encode(), expected.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "query",
    [
        [(k, "other.myshopify.com" if k == "shop" else v) for k, v in install_query()],
        [(k, v) for k, v in install_query() if k != "hmac"],
        install_query(timestamp=str(int(time.time()) - 300)),
        install_query(timestamp="soon"),
        install_query(shop="evil.example.com"),
        parse_qsl("shop=acme-goods.myshopify.com&hmac=00&timestamp=1"),
    ],
)
def test_bad_install_queries_are_refused(query: list[tuple[str, str]]) -> None:
    with pytest.raises(Unauthorized):
        shopify_auth.verify_install_query(query, api_secret=SECRET)


def test_webhook_signatures_are_base64_hmacs_of_the_raw_body() -> None:
    body = b'{"shop_id":954889,"shop_domain":"acme-goods.myshopify.com"}'
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert shopify_auth.sign_webhook(body, SECRET) == signature
    shopify_auth.verify_webhook(body, signature, api_secret=SECRET)
    hex_signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    for bad in (None, "", "not base64!", hex_signature, shopify_auth.sign_webhook(body + b" ", SECRET)):
        with pytest.raises(Unauthorized):
            shopify_auth.verify_webhook(body, bad, api_secret=SECRET)
    with pytest.raises(Unauthorized, match="not configured"):
        shopify_auth.verify_webhook(body, signature, api_secret="")


def test_admin_origin_defaults_to_the_shop() -> None:
    assert shopify_auth.admin_origin(SHOP) == f"https://{SHOP}"
    assert shopify_auth.admin_origin(SHOP, "http://127.0.0.1:9/") == "http://127.0.0.1:9"
    assert shopify_auth.admin_origin(SHOP, "http://proxy/{shop}") == f"http://proxy/{SHOP}"
