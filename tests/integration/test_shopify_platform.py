"""The Shopify client against the Shopify sandbox over loopback HTTP: token exchange and refresh,
paging, search, collections, updates and userErrors, cost throttling, outages, refused tokens."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace

import httpx
import pytest

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product
from optimizer_app.errors import Unauthorized
from optimizer_app.platforms.base import PlatformAuthError, PlatformUnavailable, ProductNotFound, StorePlatformError
from optimizer_app.platforms.http import RetryPolicy
from optimizer_app.platforms.shopify import ShopifyClient
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.shopify import create_shopify_sandbox

API_KEY = "4f1d7c2e9b8a4c3d8e7f6a5b4c3d2e1f"
API_SECRET = "shpss_sandbox_secret_for_tests_0123456789abcdef0123456789abcdef"
GRAPHQL = "/admin/api/2026-10/graphql.json"


@pytest.fixture
def sandbox() -> Iterator[LoopbackServer]:
    # Restored ten times faster than a Standard shop's bucket, so paging tests do not wait; the
    # throttling tests set their own rates.
    app = create_shopify_sandbox(api_key=API_KEY, api_secret=API_SECRET, restore_rate=1000)
    with LoopbackServer(app) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def new_shop() -> str:
    return f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"


class ExchangedTokens:
    """A TokenSource that does what the app does: token exchange first, refresh after a 401."""

    def __init__(self, http: httpx.AsyncClient, base: str, shop: str) -> None:
        self.http, self.base, self.shop = http, base, shop
        self.token: shopify_auth.OfflineToken | None = None
        self.spent: list[str] = []

    async def get(self) -> str:
        if self.token is None:
            session = shopify_auth.sign_session_token(self.shop, api_key=API_KEY, api_secret=API_SECRET)
            self.token = await shopify_auth.exchange_session_token(
                self.http,
                shop=self.shop,
                api_key=API_KEY,
                api_secret=API_SECRET,
                session_token=session,
                admin_base=self.base,
            )
        return self.token.access_token

    async def refresh(self) -> str:
        assert self.token is not None and self.token.refresh_token is not None
        self.spent.append(self.token.refresh_token)
        self.token = await shopify_auth.refresh_offline_token(
            self.http,
            shop=self.shop,
            api_key=API_KEY,
            api_secret=API_SECRET,
            refresh_token=self.token.refresh_token,
            admin_base=self.base,
        )
        return self.token.access_token


def client_for(sandbox: LoopbackServer, http: httpx.AsyncClient, shop: str | None = None) -> ShopifyClient:
    shop = shop or new_shop()
    return ShopifyClient(
        shop=shop,
        tokens=ExchangedTokens(http, sandbox.url, shop),
        admin_base=sandbox.url,
        http=http,
        policy=RetryPolicy(backoff_base=0.01),
    )


async def test_token_exchange_gives_an_expiring_offline_token(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    shop = new_shop()
    session = shopify_auth.sign_session_token(shop, api_key=API_KEY, api_secret=API_SECRET)
    token = await shopify_auth.exchange_session_token(
        http, shop=shop, api_key=API_KEY, api_secret=API_SECRET, session_token=session, admin_base=sandbox.url
    )
    assert token.access_token.startswith("shpat_") and token.refresh_token and token.expires_at
    lifetime = token.expires_at.timestamp() - time.time()
    assert 3500 < lifetime <= 3600
    forever = await shopify_auth.exchange_session_token(
        http,
        shop=shop,
        api_key=API_KEY,
        api_secret=API_SECRET,
        session_token=session,
        admin_base=sandbox.url,
        expiring=False,
    )
    assert forever.expires_at is None and forever.refresh_token is None


@pytest.mark.parametrize(
    "session",
    [
        "garbage",
        shopify_auth.sign_session_token("a.myshopify.com", api_key=API_KEY, api_secret="shpss_" + "x" * 40),
        shopify_auth.sign_session_token("a.myshopify.com", api_key="other-app", api_secret=API_SECRET),
        shopify_auth.sign_session_token("a.myshopify.com", api_key=API_KEY, api_secret=API_SECRET, now=1_700_000_000),
    ],
)
async def test_token_exchange_refuses_bad_session_tokens(
    sandbox: LoopbackServer, http: httpx.AsyncClient, session: str
) -> None:
    raw = await http.post(
        f"{sandbox.url}/admin/oauth/access_token",
        json={
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "grant_type": shopify_auth.TOKEN_EXCHANGE_GRANT,
            "subject_token": session,
            "subject_token_type": shopify_auth.ID_TOKEN_TYPE,
            "requested_token_type": shopify_auth.OFFLINE_TOKEN_TYPE,
        },
    )
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_subject_token"
    with pytest.raises(Unauthorized):
        await shopify_auth.exchange_session_token(
            http,
            shop="a.myshopify.com",
            api_key=API_KEY,
            api_secret=API_SECRET,
            session_token=session,
            admin_base=sandbox.url,
        )


async def test_paging_walks_every_product_once(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await client.list_products(cursor=cursor, limit=50)
        seen.extend(p.id for p in page.products)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and len(seen) == len(set(seen)) == 130
    assert all(s.startswith("gid://shopify/Product/") for s in seen)


async def test_search_and_collections(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    found = await client.list_products(query="kettle")
    assert found.products and all("kettle" in p.title.lower() for p in found.products)
    assert (await client.list_products(query='nothing" OR title:*')).products == []
    collections = await client.list_collections()
    assert len(collections) == 6 and all(c.product_count for c in collections)
    coffee = next(c for c in collections if c.name == "Coffee Corner")
    first = await client.products_in_collection(coffee.id, limit=10)
    assert len(first.products) == 10 and first.next_cursor
    assert all(coffee.id in p.collection_ids for p in first.products)
    rest = await client.products_in_collection(coffee.id, cursor=first.next_cursor, limit=50)
    assert len(first.products) + len(rest.products) == coffee.product_count and rest.next_cursor is None


async def test_update_writes_title_description_and_seo(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    product = (await client.list_products(limit=1)).products[0]
    values = {
        Attribute.TITLE: "Linen Beach Shirt for Warm Days",
        Attribute.DESCRIPTION: "<p>Washed linen.</p>",
        Attribute.SEO_TITLE: "Linen Beach Shirt | Coastline",
        Attribute.SEO_DESCRIPTION: "A breathable washed linen shirt.",
    }
    updated = await client.update_product(product, values)
    again = await client.get_product(product.id)
    for item in (updated, again):
        assert (item.title, item.description_html, item.seo_title, item.seo_description) == tuple(values.values())
    only_seo = await client.update_product(again, {Attribute.SEO_DESCRIPTION: "Shorter."})
    assert only_seo.seo_title == values[Attribute.SEO_TITLE] and only_seo.seo_description == "Shorter."
    number = product.id.rsplit("/", 1)[1]
    raw = httpx.get(f"{sandbox.url}/_sandbox/shops/{client.shop}/products/{number}").json()["product"]
    assert raw["title"] == values[Attribute.TITLE] and raw["seo"]["description"] == "Shorter."


async def test_user_errors_are_surfaced_per_item(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    product = (await client.list_products(limit=1)).products[0]
    with pytest.raises(StorePlatformError, match="Title can't be blank"):
        await client.update_product(product, {Attribute.TITLE: "  "})
    gone = replace(product, id="gid://shopify/Product/1")
    with pytest.raises(ProductNotFound):
        await client.update_product(gone, {Attribute.TITLE: "x"})
    with pytest.raises(ProductNotFound):
        await client.get_product("gid://shopify/Product/1")
    both = await client.get_products([product.id, "gid://shopify/Product/1"])
    assert [p.id for p in both] == [product.id]


async def test_many_products_are_written_ten_a_request_with_their_own_outcomes(
    sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    client = client_for(sandbox, http)
    products = (await client.list_products(limit=23)).products
    gone = replace(products[4], id="gid://shopify/Product/1")
    items: list[tuple[Product, Mapping[Attribute, str]]] = [
        (p, {Attribute.TITLE: f"Batch Title {i}", Attribute.SEO_TITLE: f"Batch SEO {i}"})
        for i, p in enumerate(products)
    ]
    items[4] = (gone, {Attribute.TITLE: "x"})
    items[7] = (products[7], {Attribute.TITLE: "  "})
    before = httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]["graphql"]
    outcomes = await client.update_products(items)
    requests = httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]["graphql"] - before
    assert requests == 3  # 10 + 10 + 3
    assert isinstance(outcomes[4], ProductNotFound)
    assert isinstance(outcomes[7], StorePlatformError) and "Title can't be blank" in outcomes[7].message
    for i, outcome in enumerate(outcomes):
        if i in (4, 7):
            continue
        assert isinstance(outcome, Product) and outcome.title == f"Batch Title {i}"
        stored = await client.get_product(products[i].id)
        assert (stored.title, stored.seo_title) == (f"Batch Title {i}", f"Batch SEO {i}")
    assert (await client.get_product(products[7].id)).title == products[7].title


async def test_a_request_of_a_batch_that_fails_whole_fails_its_own_products_only(
    sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    client = client_for(sandbox, http)
    client.policy = replace(client.policy, max_retries=0)
    products = (await client.list_products(limit=12)).products
    items: list[tuple[Product, Mapping[Attribute, str]]] = [
        (p, {Attribute.TITLE: f"Half {i}"}) for i, p in enumerate(products)
    ]
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"status": 503, "count": 1})
    outcomes = await client.update_products(items)
    assert all(isinstance(o, PlatformUnavailable) for o in outcomes[:10])
    assert all(isinstance(o, Product) for o in outcomes[10:])
    assert (await client.get_product(products[11].id)).title == "Half 11"


async def test_a_throttling_episode_is_waited_out(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    product = (await client.list_products(limit=50)).products[3]
    # The bucket runs dry behind the client's back: the next query is answered THROTTLED (a slow
    # refill, so a loaded machine cannot refill it before the query arrives).
    httpx.post(f"{sandbox.url}/_sandbox/throttle", json={"shop": client.shop, "available": 0, "restore_rate": 20})
    client.budget.available = client.budget.maximum
    updated = await client.update_product(product, {Attribute.TITLE: "Still Written After Throttling"})
    assert updated.title == "Still Written After Throttling"
    page = await client.list_products(limit=50)
    assert len(page.products) == 50
    stats = httpx.get(f"{sandbox.url}/_sandbox/stats").json()
    assert stats["requests"]["throttled"] >= 1
    assert client.throttle_waits >= 1


async def test_the_client_paces_itself_from_throttle_status(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    httpx.post(f"{sandbox.url}/_sandbox/throttle", json={"shop": client.shop, "restore_rate": 2000})
    httpx.post(f"{sandbox.url}/_sandbox/throttle", json={"shop": client.shop, "available": 500})
    for _ in range(4):  # ~400 points each, from a 500-point bucket: the client must wait, not fail
        assert len((await client.list_products(limit=50)).products) == 50
    assert client.throttle_waits >= 1


async def test_throttled_answer_has_shopifys_shape(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    token = await client.tokens.get()
    httpx.post(f"{sandbox.url}/_sandbox/throttle", json={"shop": client.shop, "available": 0, "restore_rate": 100})
    res = await http.post(
        sandbox.url + GRAPHQL,
        json={"query": "{ products(first: 50) { nodes { id title } } }"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert res.status_code == 200
    body = res.json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = body["extensions"]["cost"]
    assert cost["actualQueryCost"] is None and cost["requestedQueryCost"] == 52
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


async def test_invalid_queries_and_tokens_are_refused(sandbox: LoopbackServer, http: httpx.AsyncClient) -> None:
    client = client_for(sandbox, http)
    token = await client.tokens.get()
    unknown = await http.post(
        sandbox.url + GRAPHQL,
        json={"query": "{ products(first: 1) { nodes { nope } } }"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert unknown.status_code == 200 and "nope" in unknown.json()["errors"][0]["message"]
    for headers in ({}, {"X-Shopify-Access-Token": "shpat_forged"}, {"Authorization": f"Bearer {token}"}):
        res = await http.post(sandbox.url + GRAPHQL, json={"query": "{ shop { name } }"}, headers=headers)
        assert res.status_code == 401 and "Invalid API key or access token" in res.json()["errors"]


async def test_an_expired_token_is_refreshed_and_the_refresh_token_rotates(
    sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    client = client_for(sandbox, http)
    assert await client.shop_name()
    tokens = client.tokens
    assert isinstance(tokens, ExchangedTokens)
    first = await tokens.get()
    assert httpx.post(f"{sandbox.url}/_sandbox/tokens/expire").json()["expired"] >= 1
    assert len((await client.list_products(limit=5)).products) == 5
    assert await tokens.get() != first and len(tokens.spent) == 1
    with pytest.raises(shopify_auth.RefreshRejected):
        await shopify_auth.refresh_offline_token(
            http,
            shop=client.shop,
            api_key=API_KEY,
            api_secret=API_SECRET,
            refresh_token=tokens.spent[0],
            admin_base=sandbox.url,
        )


async def test_outages_are_retried_and_an_uninstalled_shop_refuses(
    sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    client = client_for(sandbox, http)
    await client.shop_name()
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"status": 503, "count": 2, "retry_after": 0})
    assert len((await client.list_products(limit=5)).products) == 5
    httpx.post(f"{sandbox.url}/_sandbox/shops/{client.shop}/uninstall")
    with pytest.raises(PlatformAuthError):
        await client.list_products(limit=5)


async def test_a_spent_refresh_token_lives_until_its_replacement_is_used(
    sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    client = client_for(sandbox, http)
    await client.shop_name()
    tokens = client.tokens
    assert isinstance(tokens, ExchangedTokens) and tokens.token is not None and tokens.token.refresh_token
    spent = tokens.token.refresh_token
    kwargs = {"shop": client.shop, "api_key": API_KEY, "api_secret": API_SECRET, "admin_base": sandbox.url}
    lost = await shopify_auth.refresh_offline_token(http, refresh_token=spent, **kwargs)  # answer "lost"
    retried = await shopify_auth.refresh_offline_token(http, refresh_token=spent, **kwargs)
    assert retried.access_token != lost.access_token
    tokens.token = retried
    assert await client.shop_name()  # the replacement is used: the spent token dies
    with pytest.raises(shopify_auth.RefreshRejected):
        await shopify_auth.refresh_offline_token(http, refresh_token=spent, **kwargs)
