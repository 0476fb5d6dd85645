"""The WooCommerce sign-in cookie's `Secure` flag and the words of the connect form."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from starlette.requests import Request

from optimizer_app.errors import Forbidden, InvalidRequest, MalformedRequest, RateLimited
from optimizer_app.outbound import AddressRefused
from optimizer_app.settings import Settings
from optimizer_app.web.woocommerce_signin import secure_cookies
from optimizer_app.web.woocommerce_words import WORDS, error_key, form_language


def request(url: str, headers: dict[str, str] | None = None) -> Request:
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "scheme": parts.scheme,
        "server": (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)),
        "path": parts.path,
        "query_string": parts.query.encode(),
        "headers": [(b"host", parts.netloc.encode())]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("env", "url", "secure"),
    [
        ("production", "http://127.0.0.1:8000/app/woocommerce", True),
        ("production", "https://app.example.com/app/woocommerce", True),
        ("development", "http://127.0.0.1:8000/app/woocommerce", False),
        ("development", "http://[::1]:8000/app/woocommerce", False),
        ("development", "http://localhost:8000/app/woocommerce", False),
        ("development", "http://app.example.com/app/woocommerce", True),
        ("development", "https://127.0.0.1/app/woocommerce", True),
    ],
)
def test_cookies_are_secure_except_in_development_over_plain_http_on_loopback(env: str, url: str, secure: bool) -> None:
    assert secure_cookies(replace(Settings(), app_env=env), request(url)) is secure


def test_every_sentence_exists_in_both_languages() -> None:
    assert set(WORDS["en"]) == set(WORDS["ar"])
    assert all(WORDS["ar"][k] != WORDS["en"][k] for k in WORDS["en"] if k not in ("other_language",))


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (MalformedRequest("x", reason="address_not_https"), "error.address_not_https"),
        (InvalidRequest("x", reason="keys_refused"), "error.keys_refused"),
        (AddressRefused("x"), "error.not_public"),
        (Forbidden("x"), "error.form_expired"),
        (RateLimited("x", retry_after=5), "error.too_many"),
        (InvalidRequest("x", reason="something_new"), "error.other"),
        (InvalidRequest("x"), "error.other"),
    ],
)
def test_each_error_gets_its_sentence(error: InvalidRequest, key: str) -> None:
    assert error_key(error) == key and key in WORDS["en"]


@pytest.mark.parametrize(
    ("url", "accept", "lang"),
    [
        ("http://h/app/woocommerce?locale=ar", "en", "ar"),
        ("http://h/app/woocommerce?locale=en", "ar", "en"),
        ("http://h/app/woocommerce", "ar-SA,ar;q=0.9", "ar"),
        ("http://h/app/woocommerce", "fr-FR,ar;q=0.9", "en"),
        ("http://h/app/woocommerce", "", "en"),
    ],
)
def test_the_form_speaks_the_locale_asked_for_else_the_browsers_first_language(
    url: str, accept: str, lang: str
) -> None:
    assert form_language(request(url, {"Accept-Language": accept})) == lang
