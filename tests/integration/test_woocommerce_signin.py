"""A WooCommerce owner stays signed in after connecting through the form: the redirect after the
post, the sign-in cookie and its flags, coming back and renewing it, its idle and absolute expiry,
tampered and foreign cookies, Disconnect (and what it refuses), a reconnect with new keys ending
other browsers' sign-ins, and the form keeping what was typed (never the secret) with one sentence
per error in English or Arabic. Against the WooCommerce sandbox and real PostgreSQL."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox

KEY, SECRET = "ck_" + "3" * 40, "cs_" + "4" * 40
NEW_KEY, NEW_SECRET = "ck_" + "b" * 40, "cs_" + "c" * 40
SIGNIN = "oa_wc_signin"


@pytest.fixture
def woo() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as server:
        yield server


def form_token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def page_config(html: str) -> dict[str, Any] | None:
    if '<script id="config"' not in html:
        return None
    config: dict[str, Any] = json.loads(
        html.split('<script id="config" type="application/json">')[1].split("</script>")[0]
    )
    return config


async def post_form(
    browser: httpx.AsyncClient, site: str, key: str = KEY, secret: str = SECRET, *, locale: str = ""
) -> httpx.Response:
    path = f"/app/woocommerce?locale={locale}" if locale else "/app/woocommerce"
    form = await browser.get(path)
    data = {"site_url": site, "consumer_key": key, "consumer_secret": secret, "csrf_token": form_token(form.text)}
    return await browser.post(path, data=data)


def set_cookie(response: httpx.Response, name: str) -> str:
    """The Set-Cookie line of `name`, lower case."""
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")).lower()


def signin_cookie(settings: Settings, payload: dict[str, int], *, signed_seconds_ago: int = 0) -> str:
    """A sign-in cookie as the app signs it, its signature dated `signed_seconds_ago`."""

    class Dated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - signed_seconds_ago

    serializer = URLSafeTimedSerializer(list(reversed(settings.secret_keys)), salt="woocommerce-sign-in", signer=Dated)
    return serializer.dumps(payload)


def with_signin(api: httpx.AsyncClient, value: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=str(api.base_url), cookies={SIGNIN: value}, timeout=30)


async def test_connecting_redirects_and_the_owner_comes_back_signed_in_with_the_sign_in_renewed(
    api: httpx.AsyncClient, settings: Settings, woo: LoopbackServer
) -> None:
    posted = await post_form(api, woo.url)
    # Redirect after POST: the answer to the keys is no page a reload could post again.
    assert posted.status_code == 303 and posted.headers["location"] == "/app/woocommerce"
    assert "session" not in posted.text
    cookie = set_cookie(posted, SIGNIN)
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/app/woocommerce" in cookie
    assert f"max-age={settings.woocommerce_signin_idle_seconds}" in cookie
    assert "secure" not in cookie  # development over plain http on loopback only

    first = await api.get("/app/woocommerce")
    config = page_config(first.text)
    assert first.status_code == 200 and config is not None
    assert config["me"]["store"]["platform"] == "woocommerce"
    me = await api.get("/api/me", headers={"Authorization": f"Bearer {config['session']}"})
    assert me.status_code == 200 and me.json()["store"]["name"] == woo.url.removeprefix("http://")
    assert SIGNIN in set_cookie(first, SIGNIN)  # each visit renews the sign-in

    reload = await api.get("/app/woocommerce")  # a reload, a visit days later: still the app
    assert page_config(reload.text) is not None
    assert config["disconnect"]["url"] == "/app/woocommerce/disconnect" and config["disconnect"]["token"]


async def test_a_visit_renews_the_sign_in_but_keeps_when_the_owner_connected(
    api: httpx.AsyncClient, settings: Settings, woo: LoopbackServer
) -> None:
    await post_form(api, woo.url)
    store_id = page_config((await api.get("/app/woocommerce")).text)["me"]["store"]["id"]  # type: ignore[index]
    since = int(time.time()) - 3 * 24 * 3600
    idle = settings.woocommerce_signin_idle_seconds
    old = signin_cookie(settings, {"s": store_id, "v": 1, "t": since}, signed_seconds_ago=idle - 60)
    async with with_signin(api, old) as browser:
        page = await browser.get("/app/woocommerce")
    assert page_config(page.text) is not None
    renewed = page.cookies[SIGNIN]
    fresh = URLSafeTimedSerializer(list(reversed(settings.secret_keys)), salt="woocommerce-sign-in")
    # Signed just now (an hour's max age accepts it), the connection's date kept.
    assert fresh.loads(renewed, max_age=3600) == {"s": store_id, "v": 1, "t": since}
    # Its lifetime: the idle time, or what is left of the maximum when that is shorter.
    assert f"max-age={idle}" in set_cookie(page, SIGNIN)


@pytest.mark.parametrize(
    ("signed_ago", "connected_ago"),
    [(14 * 24 * 3600 + 5, 14 * 24 * 3600 + 5), (60, 30 * 24 * 3600 + 5)],
    ids=["idle", "absolute"],
)
async def test_an_expired_sign_in_shows_the_form_saying_so(
    api: httpx.AsyncClient, settings: Settings, woo: LoopbackServer, signed_ago: int, connected_ago: int
) -> None:
    await post_form(api, woo.url)
    store_id = page_config((await api.get("/app/woocommerce")).text)["me"]["store"]["id"]  # type: ignore[index]
    expired = signin_cookie(
        settings, {"s": store_id, "v": 1, "t": int(time.time()) - connected_ago}, signed_seconds_ago=signed_ago
    )
    async with with_signin(api, expired) as browser:
        page = await browser.get("/app/woocommerce")
    assert page.status_code == 200 and page_config(page.text) is None
    assert "You were signed out after a while away" in page.text and 'name="consumer_secret"' in page.text
    assert "max-age=0" in set_cookie(page, SIGNIN)  # the lapsed cookie is cleared


@pytest.mark.parametrize("forgery", ["tampered", "another_key", "another_purpose", "not_a_dict"])
async def test_a_forged_sign_in_opens_nothing_and_is_cleared(
    api: httpx.AsyncClient, settings: Settings, woo: LoopbackServer, forgery: str
) -> None:
    await post_form(api, woo.url)
    store_id = page_config((await api.get("/app/woocommerce")).text)["me"]["store"]["id"]  # type: ignore[index]
    payload = {"s": store_id, "v": 1, "t": int(time.time())}
    genuine = signin_cookie(settings, payload)
    value = {
        "tampered": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "another_key": URLSafeTimedSerializer("not-our-key", salt="woocommerce-sign-in").dumps(payload),
        "another_purpose": URLSafeTimedSerializer(settings.secret_key, salt="woocommerce-disconnect").dumps(payload),
        "not_a_dict": signin_cookie(settings, {"s": store_id}),
    }[forgery]
    async with with_signin(api, value) as browser:
        page = await browser.get("/app/woocommerce")
        assert page_config(page.text) is None and 'name="consumer_key"' in page.text
        assert "max-age=0" in set_cookie(page, SIGNIN)
        # Nor is a sign-in (even a genuine one) a Disconnect form's token.
        for token in (genuine,) if forgery == "another_purpose" else (value, genuine):
            refused = await browser.post("/app/woocommerce/disconnect", data={"token": token})
            assert refused.status_code == 403


async def test_disconnect_forgets_the_keys_ends_every_sign_in_and_returns_to_the_form(
    api: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool, woo: LoopbackServer
) -> None:
    await post_form(api, woo.url)
    signed_in = api.cookies[SIGNIN]
    config = page_config((await api.get("/app/woocommerce")).text)
    assert config is not None
    session = {"Authorization": f"Bearer {config['session']}"}
    async with with_signin(api, api.cookies[SIGNIN]) as second_browser:
        assert page_config((await second_browser.get("/app/woocommerce")).text) is not None

        # From another site's page (its Origin), even with the token: refused, nothing changes.
        cross_site = await api.post(
            config["disconnect"]["url"], data={"token": config["disconnect"]["token"]}, headers={"Origin": woo.url}
        )
        assert cross_site.status_code == 403
        for bad in ({"token": ""}, {"token": "x" * 5000}, {}):
            assert (await api.post(config["disconnect"]["url"], data=bad)).status_code == 403
        assert (await api.get("/api/me", headers=session)).status_code == 200

        gone = await api.post(config["disconnect"]["url"], data={"token": config["disconnect"]["token"]})
        assert gone.status_code == 303 and gone.headers["location"] == "/app/woocommerce"
        assert "max-age=0" in set_cookie(gone, SIGNIN)
        form = await api.get("/app/woocommerce")
        assert "Your store is disconnected" in form.text and page_config(form.text) is None
        # Every browser's sign-in and every app session ended with it; the keys are gone.
        other = await second_browser.get("/app/woocommerce")
        assert page_config(other.text) is None and "signed out because the store was disconnected" in other.text
    async with with_signin(api, signed_in) as replayed:
        assert page_config((await replayed.get("/app/woocommerce")).text) is None
    assert (await api.get("/api/me", headers=session)).status_code == 401
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT access_token_enc, uninstalled_at FROM stores WHERE platform = 'woocommerce'")
    assert row["access_token_enc"] is None and row["uninstalled_at"] is not None
    # The token was for that session version: posting it again after reconnecting does nothing.
    await post_form(api, woo.url)
    again = await api.post(config["disconnect"]["url"], data={"token": config["disconnect"]["token"]})
    assert again.status_code == 403
    assert page_config((await api.get("/app/woocommerce")).text) is not None


async def test_a_disconnect_token_reaches_only_its_own_store(
    api: httpx.AsyncClient, woo: LoopbackServer, pool: asyncpg.Pool
) -> None:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=NEW_KEY, consumer_secret=NEW_SECRET)) as other_site:
        async with httpx.AsyncClient(base_url=str(api.base_url), timeout=30) as other_owner:
            await post_form(other_owner, other_site.url, NEW_KEY, NEW_SECRET)
            theirs = page_config((await other_owner.get("/app/woocommerce")).text)
        await post_form(api, woo.url)
        mine = page_config((await api.get("/app/woocommerce")).text)
        assert theirs is not None and mine is not None
        # My browser, signed in to my site, posting my token: only my site is disconnected.
        await api.post(mine["disconnect"]["url"], data={"token": mine["disconnect"]["token"]})
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, uninstalled_at FROM stores WHERE platform = 'woocommerce'")
    disconnected = {r["id"] for r in rows if r["uninstalled_at"] is not None}
    assert disconnected == {mine["me"]["store"]["id"]}


async def test_connecting_again_with_new_keys_ends_the_sign_in_of_other_browsers(
    api: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    await post_form(api, woo.url)
    httpx.post(f"{woo.url}/_sandbox/keys", json={"consumer_key": NEW_KEY, "consumer_secret": NEW_SECRET})
    async with httpx.AsyncClient(base_url=str(api.base_url), timeout=30) as other_browser:
        rotated = await post_form(other_browser, woo.url, NEW_KEY, NEW_SECRET)
        assert rotated.status_code == 303
        assert page_config((await other_browser.get("/app/woocommerce")).text) is not None
    ended = await api.get("/app/woocommerce")
    assert page_config(ended.text) is None and "connected again elsewhere" in ended.text


async def test_a_refused_connect_keeps_the_address_and_key_never_the_secret_for_one_view(
    api: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    refused = await post_form(api, woo.url, secret="cs_" + "9" * 40)
    assert refused.status_code == 303 and SIGNIN not in refused.headers.get("set-cookie", "")
    page = await api.get("/app/woocommerce")
    assert page.status_code == 200 and page_config(page.text) is None
    assert page.text.count('role="alert"') == 1
    assert "WooCommerce refused these keys; check that you copied both of them in full." in page.text
    assert f'value="{woo.url}"' in page.text and f'value="{KEY}"' in page.text
    assert "cs_" + "9" * 40 not in page.text and "cs_" + "9" * 40 not in str(api.cookies)
    reload = await api.get("/app/woocommerce")
    assert 'role="alert"' not in reload.text and KEY not in reload.text


@pytest.mark.parametrize(
    ("site", "key", "english", "arabic"),
    [
        ("", KEY, "Enter your store's address", "أدخل عنوان متجرك"),
        ("not a web address", KEY, "This is not a web address", "هذا ليس عنوان موقع"),
        ("ftp://shop.example.com", KEY, "must start with https://", "يجب أن يبدأ عنوان متجرك"),
        ("http://127.0.0.1:9", KEY, "We could not reach this site", "تعذّر علينا الوصول"),
        (None, "key_without_prefix", "Paste both keys", "الصق المفتاحين"),
    ],
)
@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_each_refusal_is_one_sentence_in_the_forms_language(
    api: httpx.AsyncClient, woo: LoopbackServer, site: str | None, key: str, english: str, arabic: str, locale: str
) -> None:
    refused = await post_form(api, woo.url if site is None else site, key, locale=locale)
    assert refused.status_code == 303 and refused.headers["location"] == f"/app/woocommerce?locale={locale}"
    page = await api.get(refused.headers["location"])
    alert = html.unescape(page.text.split('role="alert">')[1].split("</p>")[0])
    assert (arabic if locale == "ar" else english) in alert
    assert len(re.findall(r"[.!?](\s|$)", alert)) == 1  # one sentence
    assert ('<html lang="ar" dir="rtl">' in page.text) is (locale == "ar")


async def test_the_form_follows_the_browsers_language_without_a_locale(api: httpx.AsyncClient) -> None:
    arabic = await api.get("/app/woocommerce", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in arabic.text and "اربط متجرك على ووكومرس" in arabic.text
    english = await api.get("/app/woocommerce", headers={"Accept-Language": "en-GB,en"})
    assert '<html lang="en" dir="ltr">' in english.text and "Connect your WooCommerce store" in english.text
