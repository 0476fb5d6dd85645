"""Salla: webhook signatures, Easy Mode tokens, the Merchant API client against the Salla sandbox,
and single-use refresh tokens serialised through the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import asyncpg
import httpx
import pytest

from optimizer_app import stores
from optimizer_app.auth import salla as salla_auth
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.attributes import Attribute
from optimizer_app.errors import Unauthorized
from optimizer_app.platforms.base import StorePlatformError
from optimizer_app.platforms.salla import SALLA_POLICY, SallaClient
from optimizer_app.tokens import NeedsReauthorisation, StoredTokenSource
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.salla import create_salla_sandbox

CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET = "salla-app", "salla-secret", "salla-webhook-secret"
MERCHANT = "1234509876"
CIPHER = TokenCipher("test-key")


@pytest.fixture
def sandbox() -> Iterator[LoopbackServer]:
    app = create_salla_sandbox(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, webhook_secret=WEBHOOK_SECRET, rate_limit_per_minute=1000
    )
    with LoopbackServer(app) as server:
        yield server


def easy_mode_tokens(sandbox: LoopbackServer, *, ttl: int | None = None) -> salla_auth.SallaTokens:
    """Install through Easy Mode: Salla posts app.store.authorize with the tokens, signed."""
    delivered = httpx.post(
        f"{sandbox.url}/_sandbox/authorize", json={"merchant": MERCHANT, **({"ttl": ttl} if ttl else {})}
    ).json()
    event = salla_auth.verify_webhook(delivered["body"].encode(), delivered["signature"], secret=WEBHOOK_SECRET)
    assert (event.event, event.merchant_id) == ("app.store.authorize", MERCHANT)
    return salla_auth.parse_tokens(event.data)


@dataclass
class Connected:
    client: SallaClient
    store_id: int
    http: httpx.AsyncClient


def token_source(pool: asyncpg.Pool, store_id: int, http: httpx.AsyncClient, api: str) -> StoredTokenSource:
    async def mint(store: stores.Store) -> tuple[str, datetime | None, str | None]:
        assert store.refresh_token_enc is not None
        tokens = await salla_auth.refresh(
            http,
            auth_base=api,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token=CIPHER.decrypt(store.refresh_token_enc),
        )
        return tokens.access_token, tokens.expires_at, tokens.refresh_token

    return StoredTokenSource(pool, store_id, CIPHER, mint, refusals=(salla_auth.RefreshRejected,))


async def install(pool: asyncpg.Pool, tokens: salla_auth.SallaTokens) -> int:
    async with pool.acquire() as conn:
        store = await stores.install(conn, platform="salla", external_id=MERCHANT, display_name="", today=date.today())
        await stores.save_tokens(
            conn,
            store.id,
            access_token_enc=CIPHER.encrypt(tokens.access_token),
            expires_at=tokens.expires_at,
            refresh_token_enc=CIPHER.encrypt(tokens.refresh_token or ""),
        )
    return store.id


@pytest.fixture
async def connected(pool: asyncpg.Pool, sandbox: LoopbackServer) -> AsyncIterator[Connected]:
    store_id = await install(pool, easy_mode_tokens(sandbox))
    async with httpx.AsyncClient() as http:
        tokens = token_source(pool, store_id, http, sandbox.url)
        client = SallaClient(
            api_base=f"{sandbox.url}/admin/v2",
            tokens=tokens,
            http=http,
            policy=replace(SALLA_POLICY, backoff_base=0.01),
        )
        yield Connected(client, store_id, http)


def test_easy_mode_tokens_expire_at_the_absolute_time_salla_gives(sandbox: LoopbackServer) -> None:
    tokens = easy_mode_tokens(sandbox)
    days = (tokens.expires_at - datetime.now(UTC)).total_seconds() / 86400
    assert 13.9 < days <= 14 and tokens.refresh_token and "offline_access" in tokens.scope


async def test_paging_search_and_categories(connected: Connected) -> None:
    client = connected.client
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await client.list_products(cursor=cursor, limit=25)
        ids.extend(p.id for p in page.products)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3 and len(ids) == 75 == len(set(ids))
    found = await client.list_products(query="عطر")
    assert found.products and all("عطر" in p.title + p.description_html for p in found.products)
    # The product's page, from Salla's `url`.
    assert all(p.url and p.url.endswith(f"/p{p.id}") for p in found.products)
    categories = await client.list_collections()
    assert len(categories) == 5
    members = await client.products_in_collection(categories[0].id, limit=60)
    assert len(members.products) == 15 and all(categories[0].id in p.collection_ids for p in members.products)
    with pytest.raises(StorePlatformError, match="per_page"):
        # per_page above 60 is refused by Salla; the client never asks for more
        await client._request("GET", "/products", params={"per_page": 61})


async def test_update_maps_every_field(connected: Connected, sandbox: LoopbackServer) -> None:
    product = (await connected.client.list_products(limit=1)).products[0]
    values = {
        Attribute.TITLE: "ثوب رجالي قطن فاخر",
        Attribute.DESCRIPTION: "<p>ثوب مريح.</p>",
        Attribute.SEO_TITLE: "ثوب رجالي | متجر",
        Attribute.SEO_DESCRIPTION: "ثوب قطني مريح",
    }
    updated = await connected.client.update_product(product, values)
    raw = httpx.get(f"{sandbox.url}/_sandbox/merchants/{MERCHANT}/products/{product.id}").json()["product"]
    assert (raw["name"], raw["description"]) == (values[Attribute.TITLE], values[Attribute.DESCRIPTION])
    assert raw["metadata"]["title"] == values[Attribute.SEO_TITLE]
    assert updated.seo_description == values[Attribute.SEO_DESCRIPTION]


async def test_rate_limit_episode_then_success(connected: Connected, sandbox: LoopbackServer) -> None:
    product = (await connected.client.list_products(limit=1)).products[0]
    httpx.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"path_prefix": "/admin/v2/products/", "status": 429, "count": 2, "retry_after": 0.05},
    )
    await connected.client.update_product(product, {Attribute.TITLE: "بعد الانتظار"})
    raw = httpx.get(f"{sandbox.url}/_sandbox/merchants/{MERCHANT}/products/{product.id}").json()["product"]
    assert raw["name"] == "بعد الانتظار"


async def test_the_leaky_bucket_announces_itself() -> None:
    app = create_salla_sandbox(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit_per_minute=3)
    with LoopbackServer(app) as server:
        tokens = app.state.salla.issue(MERCHANT)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            answers = [await http.get("/admin/v2/products") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "3" and answers[2].headers["x-ratelimit-remaining"] == "0"
    assert int(answers[3].headers["retry-after"]) >= 1
    assert answers[3].json() == {
        "status": 429,
        "success": False,
        "error": {"code": "too_many_requests", "message": "Too Many Attempts."},
    }


async def test_expired_token_is_refreshed_once(connected: Connected, sandbox: LoopbackServer) -> None:
    await connected.client.list_products(limit=1)
    httpx.post(f"{sandbox.url}/_sandbox/tokens/expire")
    assert (await connected.client.list_products(limit=1)).products
    assert httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]["refresh"] == 1


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    pool: asyncpg.Pool, sandbox: LoopbackServer
) -> None:
    store_id = await install(pool, easy_mode_tokens(sandbox, ttl=60))  # inside the early-renewal window
    async with httpx.AsyncClient() as http_a, httpx.AsyncClient() as http_b:
        first = token_source(pool, store_id, http_a, sandbox.url)
        second = token_source(pool, store_id, http_b, sandbox.url)
        tokens = await asyncio.gather(first.get(), second.get(), first.get(), second.get())
    assert len(set(tokens)) == 1
    assert httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]["refresh"] == 1
    async with pool.acquire() as conn:
        store = await stores.get(conn, store_id)
    assert store is not None and not store.needs_reauth


async def test_a_refused_refresh_marks_the_store_for_reauthorisation(
    pool: asyncpg.Pool, sandbox: LoopbackServer
) -> None:
    tokens = easy_mode_tokens(sandbox, ttl=60)
    store_id = await install(pool, tokens)
    # Someone spent the refresh token elsewhere (e.g. a second deployment): Salla revokes the pair.
    async with httpx.AsyncClient() as http:
        await salla_auth.refresh(
            http, auth_base=sandbox.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
            refresh_token=tokens.refresh_token or "",
        )  # fmt: skip
        source = token_source(pool, store_id, http, sandbox.url)
        with pytest.raises(NeedsReauthorisation):
            await source.get()
        with pytest.raises(NeedsReauthorisation):
            await source.get()
    async with pool.acquire() as conn:
        store = await stores.get(conn, store_id)
    assert store is not None and store.needs_reauth and store.access_token_enc is None


async def test_embedded_token_introspection(sandbox: LoopbackServer) -> None:
    token = httpx.get(f"{sandbox.url}/_sandbox/embedded-token", params={"merchant": MERCHANT}).json()["token"]
    async with httpx.AsyncClient() as http:
        assert (
            await salla_auth.introspect_embedded_token(http, api_base=sandbox.url, app_id=CLIENT_ID, token=token)
            == MERCHANT
        )
        for app_id, bad in [(CLIENT_ID, "em_tok_forged"), (CLIENT_ID, ""), ("other-app", token)]:
            with pytest.raises(Unauthorized):
                await salla_auth.introspect_embedded_token(http, api_base=sandbox.url, app_id=app_id, token=bad)


async def test_text_written_in_english_keeps_the_arabic_value_and_reads_back_in_english(
    connected: Connected, sandbox: LoopbackServer
) -> None:
    arabic_client = connected.client
    english_client = replace_language(arabic_client, "en")
    product = (await arabic_client.list_products(limit=1)).products[0]
    await english_client.update_product(product, {Attribute.TITLE: "Royal oud perfume", Attribute.SEO_TITLE: "Oud"})
    raw = httpx.get(f"{sandbox.url}/_sandbox/merchants/{MERCHANT}/products/{product.id}").json()["product"]
    assert raw["name"] == product.title  # the Arabic value is untouched
    assert (await english_client.get_product(product.id)).title == "Royal oud perfume"
    assert (await english_client.get_product(product.id)).seo_title == "Oud"
    arabic = await arabic_client.get_product(product.id)
    assert (arabic.title, arabic.seo_title) == (product.title, product.seo_title)
    await arabic_client.update_product(product, {Attribute.TITLE: "عطر العود"})
    assert (await english_client.get_product(product.id)).title == "Royal oud perfume"
    assert (await arabic_client.get_product(product.id)).title == "عطر العود"


def replace_language(client: SallaClient, language: str) -> SallaClient:
    return SallaClient(
        api_base=client.api_base, tokens=client.tokens, http=client.http, policy=client.policy, language=language
    )
