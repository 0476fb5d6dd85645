"""The web API end to end on the Shopify sandbox: session tokens and token exchange, the app page
and its CSP, paging, a job from creation to revert, throttling, token refresh, webhooks (billing,
compliance, uninstall) forged and replayed, and billing upgrades; over real HTTP and PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.shopify import create_shopify_sandbox
from tests.factories import assert_ledger_balanced, contract
from tests.integration.conftest import Drain

API_KEY = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
API_SECRET = "shpss_web_api_tests_secret_0123456789abcdef0123456789abcdef0123"


@pytest.fixture
def web_port() -> int:
    return _free_port("127.0.0.1")


@pytest.fixture
def shopify_sandbox(web_port: int) -> Iterator[LoopbackServer]:
    app = create_shopify_sandbox(
        api_key=API_KEY, api_secret=API_SECRET, app_url=f"http://127.0.0.1:{web_port}", restore_rate=1000
    )
    with LoopbackServer(app) as server:
        yield server


@pytest.fixture
def settings(settings: Settings, shopify_sandbox: LoopbackServer, web_port: int) -> Settings:
    return replace(
        settings,
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        shopify_admin_base=shopify_sandbox.url,
        app_base_url=f"http://127.0.0.1:{web_port}",
        shopify_test_charges=True,
    )


@pytest.fixture
def web(settings: Settings, web_port: int) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(settings), port=web_port) as server:
        yield server


def new_shop() -> str:
    return f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"


def session(shop: str, **kwargs: Any) -> dict[str, str]:
    """A fresh App Bridge session token, as the embedded page sends it on every fetch."""
    token = shopify_auth.sign_session_token(shop, api_key=API_KEY, api_secret=API_SECRET, **kwargs)
    return {"Authorization": f"Bearer {token}"}


def sandbox_product(sandbox: LoopbackServer, shop: str, gid: str) -> dict[str, Any]:
    res = httpx.get(f"{sandbox.url}/_sandbox/shops/{shop}/products/{gid.rsplit('/', 1)[1]}")
    res.raise_for_status()
    product: dict[str, Any] = res.json()["product"]
    return product


async def store_row(pool: asyncpg.Pool, shop: str) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM stores WHERE platform = 'shopify' AND external_id = $1", shop)
    assert row is not None
    return row


def webhook(
    url: str,
    topic: str,
    shop: str,
    payload: dict[str, Any],
    *,
    webhook_id: str | None = None,
    secret: str = API_SECRET,
    event_id: str | None = None,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Hmac-Sha256": shopify_auth.sign_webhook(body, secret),
    }
    if event_id:
        headers["X-Shopify-Event-Id"] = event_id
    return httpx.post(f"{url}/webhooks/shopify", content=body, headers=headers)


async def test_first_open_exchanges_the_session_token_and_installs_once(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    me = await api.get("/api/me", headers=session(shop))
    assert me.status_code == 200, me.text
    assert me.json()["store"]["platform"] == "shopify" and me.json()["credits"]["total"] == 100
    again = await api.get("/api/me", headers=session(shop))
    assert again.json()["store"]["id"] == me.json()["store"]["id"]
    row = await store_row(pool, shop)
    assert row["access_token_enc"] is not None and b"shpat_" not in row["access_token_enc"]
    assert row["refresh_token_enc"] is not None and row["token_expires_at"] is not None
    exchanges = httpx.get(f"{shopify_sandbox.url}/_sandbox/stats").json()["requests"]["access_token"]
    assert exchanges == 1
    await assert_ledger_balanced(pool, row["id"])


def _forged(shop: str) -> str:
    return shopify_auth.sign_session_token(shop, api_key=API_KEY, api_secret="shpss_" + "f" * 58)


@pytest.mark.parametrize(
    ("make_token", "fragment"),
    [
        (lambda: _forged("a-shop.myshopify.com"), "invalid"),
        (
            lambda: shopify_auth.sign_session_token(
                "a-shop.myshopify.com", api_key=API_KEY, api_secret=API_SECRET, now=time.time() - 120
            ),
            "expired",
        ),
        (
            lambda: shopify_auth.sign_session_token(
                "a-shop.myshopify.com", api_key=API_KEY, api_secret=API_SECRET, audience="another-app"
            ),
            "another app",
        ),
        (lambda: "a.b.c", "invalid"),
        (lambda: "eyJhbGciOiJIUzI1NiJ9.e30.garbage", "invalid"),
        (
            lambda: jwt.encode(
                {
                    "iss": "https://evil.example/admin",
                    "dest": "https://evil.example",
                    "aud": API_KEY,
                    "exp": int(time.time()) + 60,
                    "nbf": int(time.time()),
                },
                API_SECRET,
                algorithm="HS256",
            ),
            "no valid shop",
        ),
    ],
)
async def test_bad_session_tokens_are_401(api: httpx.AsyncClient, make_token: Callable[[], str], fragment: str) -> None:
    # Made when the test runs, not at collection: a token made then may have expired by now.
    res = await api.get("/api/me", headers={"Authorization": f"Bearer {make_token()}"})
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized" and fragment in res.json()["error"]["message"]


SCRIPTS = "script-src 'self' https://cdn.shopify.com;"


async def test_app_page_loads_app_bridge_first_with_a_per_shop_csp(api: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    shop = new_shop()
    token = session(shop)["Authorization"].split(" ", 1)[1]
    page = await api.get("/app/shopify", params={"shop": shop, "host": "YWRtaW4", "id_token": token})
    assert page.status_code == 200, page.text
    csp = f"frame-ancestors https://{shop} https://admin.shopify.com; {SCRIPTS}"
    assert page.headers["content-security-policy"] == csp
    # Shopify's setup (https://shopify.dev/docs/api/app-bridge-library): the API key meta, then
    # App Bridge from Shopify's CDN as the page's first script, a plain one.
    head = page.text.split("</head>")[0]
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in head
    first_script = head[head.index("<script") :].split(">")[0]
    assert first_script == '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"'
    assert head.index('name="shopify-api-key"') < head.index("<script")
    # No app session: the dashboard asks App Bridge for a fresh session token per call.
    assert "oas." not in page.text and '"session": null' in page.text
    bad = await api.get("/app/shopify", params={"shop": shop, "id_token": _forged(shop)})
    assert bad.status_code == 401
    assert bad.headers["content-security-policy"] == csp
    hostile = await api.get("/app/shopify", params={"shop": "evil.example.com https://evil.example.com"})
    assert hostile.status_code == 401
    assert hostile.headers["content-security-policy"] == f"frame-ancestors https://admin.shopify.com; {SCRIPTS}"

    # A signed open URL (classic install HMAC) for an installed shop works without a session token.
    query = {"shop": shop, "host": "YWRtaW4", "timestamp": str(int(time.time()))}
    query["hmac"] = shopify_auth.sign_install_query(query, API_SECRET)
    assert (await api.get("/app/shopify", params=query)).status_code == 200
    assert (await api.get("/app/shopify", params={**query, "hmac": "0" * 64})).status_code == 401
    stale = {"shop": shop, "timestamp": str(int(time.time()) - 600)}
    stale["hmac"] = shopify_auth.sign_install_query(stale, API_SECRET)
    assert (await api.get("/app/shopify", params=stale)).status_code == 401


async def test_catalog_pages_through_every_product_and_collection(api: httpx.AsyncClient) -> None:
    shop = new_shop()
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        res = await api.get("/api/products", params=params, headers=session(shop))
        assert res.status_code == 200, res.text
        seen.extend(p["id"] for p in res.json()["products"])
        pages += 1
        cursor = res.json()["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 130
    found = (await api.get("/api/products", params={"q": "grinder"}, headers=session(shop))).json()["products"]
    assert found and all("grinder" in p["title"].lower() for p in found)
    collections = (await api.get("/api/collections", headers=session(shop))).json()["collections"]
    assert {c["name"] for c in collections} >= {"Coffee Corner", "Self Care"}


async def test_a_job_from_creation_to_publish_and_revert(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    listed = (await api.get("/api/products", params={"limit": 4}, headers=session(shop))).json()["products"]
    # The catalog's first product is written in French: asked for English, the sandbox LLM (which
    # keeps a product's own language) is rightly refused as `wrong_language`.
    products = listed[1:]
    created = await api.post(
        "/api/jobs",
        headers=session(shop),
        json={
            "source_scope": "products",
            "source_ids": [p["id"] for p in products],
            "attributes": ["title", "seo_title", "seo_description"],
        },
    )
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    assert (await drain(job_id))["status"] == "DONE"
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=session(shop))).json()["items"]
    assert len(items) == 9 and all(i["after"] and i["after"] != i["before"] for i in items)
    target = products[0]["id"]
    mine = {i["attribute"]: i for i in items if i["product_id"] == target}
    before = sandbox_product(shopify_sandbox, shop, target)

    published = await api.post(
        "/api/publish", headers=session(shop), json={"item_ids": [i["id"] for i in mine.values()]}
    )
    assert published.status_code == 200
    assert {r["status"] for r in published.json()["results"]} == {"published"}
    after = sandbox_product(shopify_sandbox, shop, target)
    assert after["title"] == mine["title"]["after"]
    assert after["seo"] == {"title": mine["seo_title"]["after"], "description": mine["seo_description"]["after"]}

    logs = (await api.get("/api/publish-logs", headers=session(shop))).json()["logs"]
    assert len(logs) == 3
    for log in logs:
        reverted = await api.post(f"/api/publish-logs/{log['id']}/revert", headers=session(shop))
        assert reverted.status_code == 200, reverted.text
    restored = sandbox_product(shopify_sandbox, shop, target)
    assert restored["title"] == before["title"]
    assert (restored["seo"]["title"] or "") == (before["seo"]["title"] or "")
    assert (restored["seo"]["description"] or "") == (before["seo"]["description"] or "")
    await assert_ledger_balanced(pool, (await store_row(pool, shop))["id"])


async def test_publishing_through_a_throttling_episode_loses_nothing(
    drain: Drain, api: httpx.AsyncClient, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    products = (await api.get("/api/products", params={"limit": 6}, headers=session(shop))).json()["products"]
    created = await api.post(
        "/api/jobs",
        headers=session(shop),
        json={"source_scope": "products", "source_ids": [p["id"] for p in products], "attributes": ["description"]},
    )
    job_id = created.json()["job_id"]
    await drain(job_id)
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=session(shop))).json()["items"]
    httpx.post(f"{shopify_sandbox.url}/_sandbox/throttle", json={"shop": shop, "available": 0, "restore_rate": 200})
    published = await api.post("/api/publish", headers=session(shop), json={"item_ids": [i["id"] for i in items]})
    assert published.status_code == 200
    assert [r["status"] for r in published.json()["results"]] == ["published"] * 6
    for item in items:
        assert sandbox_product(shopify_sandbox, shop, item["product_id"])["descriptionHtml"] == item["after"]
    assert httpx.get(f"{shopify_sandbox.url}/_sandbox/stats").json()["requests"]["throttled"] >= 1


async def test_an_expired_offline_token_is_refreshed_and_rotated(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    assert (await api.get("/api/products", params={"limit": 2}, headers=session(shop))).status_code == 200
    before = await store_row(pool, shop)
    assert httpx.post(f"{shopify_sandbox.url}/_sandbox/tokens/expire").json()["expired"] >= 1
    res = await api.get("/api/products", params={"limit": 2}, headers=session(shop))
    assert res.status_code == 200, res.text
    after = await store_row(pool, shop)
    assert after["access_token_enc"] != before["access_token_enc"]
    assert after["refresh_token_enc"] != before["refresh_token_enc"] and not after["needs_reauth"]


async def test_webhooks_forged_replayed_billing_and_compliance(
    api: httpx.AsyncClient, pool: asyncpg.Pool, web: LoopbackServer
) -> None:
    shop = new_shop()
    await api.get("/api/me", headers=session(shop))
    created = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "pro"})
    assert created.status_code == 201, created.text
    starter = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "starter"})
    subscription = {
        "app_subscription": {
            "admin_graphql_api_id": created.json()["subscription_id"],
            "name": "Pro",
            "status": "ACTIVE",
            "admin_graphql_api_shop_id": "gid://shopify/Shop/1",
            "currency": "USD",
            "price": "29.00",
            "interval": "every_30_days",
        }
    }
    for topic in ("app_subscriptions/update", "customers/data_request", "customers/redact", "shop/redact"):
        forged = webhook(web.url, topic, shop, subscription, secret="shpss_" + "0" * 58)
        assert forged.status_code == 401, topic
    unsigned = httpx.post(
        f"{web.url}/webhooks/shopify",
        content=b"{}",
        headers={"X-Shopify-Topic": "shop/redact", "X-Shopify-Shop-Domain": shop},
    )
    assert unsigned.status_code == 401
    assert (await store_row(pool, shop))["plan_id"] == "free"

    first = webhook(web.url, "app_subscriptions/update", shop, subscription, webhook_id="wh-1")
    assert first.status_code == 200 and first.json()["status"] == "processed"
    me = (await api.get("/api/me", headers=session(shop))).json()
    assert me["plan"]["id"] == "pro" and me["credits"]["total"] == 5000
    replay = webhook(web.url, "app_subscriptions/update", shop, subscription, webhook_id="wh-1")
    assert replay.json()["status"] == "duplicate"
    older = {
        "app_subscription": {
            **subscription["app_subscription"],
            "admin_graphql_api_id": starter.json()["subscription_id"],
            "name": "Starter",
            "status": "CANCELLED",
        }
    }
    assert webhook(web.url, "app_subscriptions/update", shop, older).status_code == 200
    assert (await store_row(pool, shop))["plan_id"] == "pro"  # an old plan's cancellation changes nothing
    cancelled = {"app_subscription": {**subscription["app_subscription"], "status": "CANCELLED"}}
    assert webhook(web.url, "app_subscriptions/update", shop, cancelled).status_code == 200
    assert (await store_row(pool, shop))["plan_id"] == "free"

    request = {"shop_id": 1, "shop_domain": shop, "customer": {"id": 191167, "email": "a@b.c"}, "orders_requested": [1]}
    assert webhook(web.url, "customers/data_request", shop, request).status_code == 200
    assert webhook(web.url, "customers/redact", shop, {**request, "orders_to_redact": [1]}).status_code == 200
    store_id = (await store_row(pool, shop))["id"]
    assert webhook(web.url, "shop/redact", shop, {"shop_id": 1, "shop_domain": shop}).status_code == 200
    async with pool.acquire() as conn:
        left = await conn.fetchval(
            "SELECT (SELECT count(*) FROM stores WHERE id = $1)"
            " + (SELECT count(*) FROM credit_ledger WHERE store_id = $1)",
            store_id,
        )
    assert left == 0


async def test_uninstall_stops_calls_and_a_reinstall_starts_clean(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    products = (await api.get("/api/products", params={"limit": 4}, headers=session(shop))).json()["products"]
    job = await api.post(
        "/api/jobs",
        headers=session(shop),
        json={"source_scope": "products", "source_ids": [p["id"] for p in products], "attributes": ["title"]},
    )
    assert job.status_code == 201
    # The owner removes the app in the sandbox admin: Shopify revokes the tokens and sends app/uninstalled.
    res = httpx.post(f"{shopify_sandbox.url}/_sandbox/shops/{shop}/uninstall")
    assert res.json()["webhook_status"] == 200
    row = await store_row(pool, shop)
    assert row["uninstalled_at"] is not None and row["access_token_enc"] is None and row["refresh_token_enc"] is None
    assert row["credits_used"] == 0
    async with pool.acquire() as conn:
        statuses = await conn.fetch("SELECT DISTINCT status FROM job_items WHERE store_id = $1", row["id"])
    assert [r["status"] for r in statuses] == ["CANCELED"]
    await assert_ledger_balanced(pool, row["id"])

    # Opening the app again reinstalls: a new token exchange, the same store, its history kept.
    again = await api.get("/api/jobs", headers=session(shop))
    assert again.status_code == 200, again.text
    assert [j["id"] for j in again.json()["jobs"]] == [job.json()["job_id"]]
    row = await store_row(pool, shop)
    assert row["uninstalled_at"] is None and row["access_token_enc"] is not None
    assert (await api.get("/api/products", params={"limit": 1}, headers=session(shop))).status_code == 200
    me = (await api.get("/api/me", headers=session(shop))).json()
    assert me["credits"]["total"] == 100 and me["credits"]["used"] == 0


async def test_billing_upgrade_creates_a_subscription_the_owner_approves(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    res = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "pro"})
    assert res.status_code == 201, res.text
    confirmation = res.json()["confirmation_url"]
    assert confirmation.startswith(shopify_sandbox.url) and res.json()["subscription_id"].startswith(
        "gid://shopify/AppSubscription/"
    )
    assert (await store_row(pool, shop))["plan_id"] == "free"  # nothing changes before approval
    approved = httpx.get(confirmation, follow_redirects=False)
    assert approved.status_code == 302
    # Back to the documented admin address of the app (served by the sandbox, standing in for the admin).
    handle = shop.removesuffix(".myshopify.com")
    subscriptions = httpx.get(f"{shopify_sandbox.url}/_sandbox/stats").json()["shops"][shop]["subscriptions"]
    assert subscriptions[0]["returnUrl"] == f"https://admin.shopify.com/store/{handle}/apps/{API_KEY}"
    charge = res.json()["subscription_id"].rsplit("/", 1)[1]
    assert approved.headers["location"] == f"{shopify_sandbox.url}/store/{handle}/apps/{API_KEY}?charge_id={charge}"
    admin = httpx.get(approved.headers["location"], follow_redirects=True)  # back in the admin, app framed
    assert admin.status_code == 200 and f"/app/shopify?shop={shop}" in admin.text
    assert f"charge_id={charge}" in admin.text  # the admin hands the charge on to the app it frames
    me = (await api.get("/api/me", headers=session(shop))).json()
    assert me["plan"]["id"] == "pro" and me["credits"]["total"] == 5000
    # The app opens saying what the approval changed.
    opened = await api.get("/app/shopify", params={"shop": shop, "id_token": id_token(shop), "charge_id": charge})
    assert page_config(opened.text)["billing_return"] == {"plan": "pro", "active": True, "credits_added": 4900}
    for body in ({"plan": "free"}, {"plan": "gold"}, {}):
        bad = await api.post("/api/billing/upgrade", headers=session(shop), json=body)
        assert bad.status_code == 422


async def test_a_signed_shopify_body_replayed_under_another_topic_or_shop_changes_nothing(
    api: httpx.AsyncClient, pool: asyncpg.Pool, web: LoopbackServer
) -> None:
    shop, other = new_shop(), new_shop()
    for s in (shop, other):
        assert (await api.get("/api/me", headers=session(s))).status_code == 200
    data_request = {
        "shop_id": 1,
        "shop_domain": shop,
        "orders_requested": [299938],
        "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
        "data_request": {"id": 9999},
    }
    shop_redact = {"shop_id": 1, "shop_domain": shop}
    uninstalled = {"id": 1, "name": "Shop", "myshopify_domain": shop, "domain": shop}
    subscription = {
        "app_subscription": {
            "admin_graphql_api_id": "gid://shopify/AppSubscription/1",
            "name": "Pro",
            "status": "ACTIVE",
            "admin_graphql_api_shop_id": "gid://shopify/Shop/1",
        }
    }
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("shop/redact", shop, data_request),  # the finding: a data request replayed as a redaction
        ("shop/redact", other, shop_redact),
        ("shop/redact", shop, {"shop_domain": shop}),
        ("shop/redact", shop, {**shop_redact, "shop_id": "1"}),
        ("customers/redact", shop, data_request),
        ("app/uninstalled", shop, data_request),
        ("app/uninstalled", other, uninstalled),
        ("app/uninstalled", shop, subscription),
        ("app_subscriptions/update", shop, uninstalled),
        ("app_subscriptions/update", shop, {"app_subscription": {"name": "Pro", "status": 5}}),
    ]
    for topic, header_shop, body in refused:
        res = webhook(web.url, topic, header_shop, body)
        assert res.status_code == 400, (topic, header_shop, body, res.text)
        assert res.json()["error"]["code"] == "malformed_request"
    for s in (shop, other):
        row = await store_row(pool, s)
        assert row["uninstalled_at"] is None and row["plan_id"] == "free"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_events") == 0

    assert webhook(web.url, "customers/data_request", shop, data_request).status_code == 200
    assert webhook(web.url, "app/uninstalled", shop, uninstalled).status_code == 200
    assert (await store_row(pool, shop))["uninstalled_at"] is not None
    assert webhook(web.url, "shop/redact", shop, shop_redact).status_code == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM stores WHERE external_id = $1", shop) == 0


async def test_a_shop_domain_with_a_trailing_newline_is_refused_not_dropped(api: httpx.AsyncClient) -> None:
    shop = new_shop()
    res = await api.get("/app/shopify", params={"shop": shop + "\n"})
    assert res.status_code == 401
    assert "\n" not in res.headers["content-security-policy"] and shop not in res.headers["content-security-policy"]


async def test_a_paging_cursor_shopify_refuses_is_the_callers_400(api: httpx.AsyncClient) -> None:
    res = await api.get("/api/products", headers=session(new_shop()), params={"cursor": "bm90LWEtY3Vyc29y"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "malformed_request", res.text


async def test_a_subscription_webhook_moves_only_the_shop_the_subscription_was_created_for(
    api: httpx.AsyncClient, pool: asyncpg.Pool, web: LoopbackServer
) -> None:
    shop, other = new_shop(), new_shop()
    for s in (shop, other):
        assert (await api.get("/api/me", headers=session(s))).status_code == 200
    created = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "scale"})
    body = {
        "app_subscription": {
            "admin_graphql_api_id": created.json()["subscription_id"],
            "name": "Scale",
            "status": "ACTIVE",
            "admin_graphql_api_shop_id": "gid://shopify/Shop/1",
        }
    }
    # Only the body is signed: the same body under another shop's header moves nobody.
    assert webhook(web.url, "app_subscriptions/update", other, body).status_code == 400
    assert (await store_row(pool, other))["plan_id"] == "free"
    # A subscription the app never created (or a plan name it does not know) changes nothing.
    unknown = {
        "app_subscription": {**body["app_subscription"], "admin_graphql_api_id": "gid://shopify/AppSubscription/9"}
    }
    res = webhook(web.url, "app_subscriptions/update", shop, unknown)
    assert res.status_code == 200 and res.json()["status"] == "ignored"
    assert (await store_row(pool, shop))["plan_id"] == "free"
    # The plan is the one the subscription was created for, whatever name the body carries.
    renamed = {"app_subscription": {**body["app_subscription"], "name": "Something else"}}
    assert webhook(web.url, "app_subscriptions/update", shop, renamed).status_code == 200
    assert (await store_row(pool, shop))["plan_id"] == "scale"


async def test_the_billing_return_url_names_the_app_by_its_handle_when_one_is_set(
    settings: Settings, shopify_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(replace(settings, shopify_app_handle="text-optimizer"))) as server:
        shop = new_shop()
        res = httpx.post(f"{server.url}/api/billing/upgrade", headers=session(shop), json={"plan": "pro"}, timeout=30)
        assert res.status_code == 201, res.text
    subscriptions = httpx.get(f"{shopify_sandbox.url}/_sandbox/stats").json()["shops"][shop]["subscriptions"]
    handle = shop.removesuffix(".myshopify.com")
    assert subscriptions[0]["returnUrl"] == f"https://admin.shopify.com/store/{handle}/apps/text-optimizer"


async def test_deliveries_of_one_event_count_once_whatever_their_webhook_ids(
    api: httpx.AsyncClient, web: LoopbackServer, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    created = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "pro"})
    payload = {
        "app_subscription": {
            "admin_graphql_api_id": created.json()["subscription_id"],
            "name": "Pro",
            "status": "ACTIVE",
            "admin_graphql_api_shop_id": "gid://shopify/Shop/1",
        }
    }
    # Two subscriptions to one topic deliver one event twice, with two webhook ids and one event id
    # (https://shopify.dev/apps/build/webhooks/ignore-duplicates).
    first = webhook(web.url, "app_subscriptions/update", shop, payload, webhook_id="wh-a", event_id="ev-1")
    second = webhook(web.url, "app_subscriptions/update", shop, payload, webhook_id="wh-b", event_id="ev-1")
    assert (first.json()["status"], second.json()["status"]) == ("processed", "duplicate")
    assert first.json()["event_id"] == "ev-1"
    # The sandbox repeats the event id when it redelivers an event.
    sent = [
        httpx.post(
            f"{shopify_sandbox.url}/_sandbox/webhooks",
            json={
                "url": f"{web.url}/webhooks/shopify",
                "topic": "app_subscriptions/update",
                "shop": shop,
                "payload": payload,
                "event_id": "ev-2",
            },
        ).json()
        for _ in range(2)
    ]
    assert [json.loads(s["body"])["status"] for s in sent] == ["processed", "duplicate"]


# Each documented Shopify webhook, in the order a shop's life with the app sends them: the plan
# the shop is on after it (None: the app is uninstalled, or the shop's data erased).
SHOPIFY_CONTRACT_STEPS = [
    ("app_subscriptions_update", "pro"),
    ("customers_data_request", "pro"),
    ("customers_redact", "pro"),
    ("app_uninstalled", None),
    ("shop_redact", None),
]


async def test_each_documented_shopify_webhook_leaves_the_plan_the_owner_paid_for(
    api: httpx.AsyncClient, pool: asyncpg.Pool, web: LoopbackServer
) -> None:
    shop = new_shop()
    created = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "pro"})
    assert created.status_code == 201, created.text
    for name, plan in SHOPIFY_CONTRACT_STEPS:
        documented = contract("shopify", name, shop=shop)
        example = documented["example"]
        if name == "app_subscriptions_update":
            # The subscription the app created, approved by the owner.
            example["app_subscription"].update(admin_graphql_api_id=created.json()["subscription_id"], status="ACTIVE")
        res = webhook(web.url, documented["headers"]["X-Shopify-Topic"], shop, example)
        assert res.status_code == 200 and res.json()["status"] == "processed", (name, res.text)
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT plan_id, uninstalled_at FROM stores WHERE platform = 'shopify' AND external_id = $1", shop
            )
        assert (row["plan_id"] if row is not None and row["uninstalled_at"] is None else None) == plan, name


async def test_a_shop_on_a_non_expiring_token_is_migrated_to_an_expiring_one_on_first_use(
    settings: Settings, api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    from optimizer_app.crypto import TokenCipher
    from optimizer_app.web.app import create_app

    shop = new_shop()
    with LoopbackServer(create_app(replace(settings, shopify_expiring_tokens=False))) as legacy:
        assert httpx.get(f"{legacy.url}/api/me", headers=session(shop), timeout=30).status_code == 200
    before = await store_row(pool, shop)
    assert before["token_expires_at"] is None and before["refresh_token_enc"] is None
    legacy_token = TokenCipher(*settings.token_encryption_keys).decrypt(before["access_token_enc"])

    # This app asks for expiring tokens: its first call for the shop migrates the token, no owner needed.
    listed = await api.get("/api/products", params={"limit": 1}, headers=session(shop))
    assert listed.status_code == 200, listed.text
    after = await store_row(pool, shop)
    assert after["token_expires_at"] is not None and after["refresh_token_enc"] is not None
    assert not after["needs_reauth"]
    graphql = f"{shopify_sandbox.url}/admin/api/2026-10/graphql.json"
    retired = httpx.post(graphql, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": legacy_token})
    assert retired.status_code == 401
    assert (await api.get("/api/products", params={"limit": 1}, headers=session(shop))).status_code == 200
    assert httpx.get(f"{shopify_sandbox.url}/_sandbox/stats").json()["requests"]["access_token"] == 2


def id_token(shop: str) -> str:
    return shopify_auth.sign_session_token(shop, api_key=API_KEY, api_secret=API_SECRET)


def page_config(html: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        html.split('<script id="config" type="application/json">')[1].split("</script>")[0]
    )
    return config


async def test_the_return_from_approval_names_only_this_shops_own_subscription(
    api: httpx.AsyncClient, shopify_sandbox: LoopbackServer
) -> None:
    shop, other = new_shop(), new_shop()
    theirs = await api.post("/api/billing/upgrade", headers=session(other), json={"plan": "scale"})
    pending = await api.post("/api/billing/upgrade", headers=session(shop), json={"plan": "starter"})

    async def opened_with(charge: str) -> Any:
        page = await api.get("/app/shopify", params={"shop": shop, "id_token": id_token(shop), "charge_id": charge})
        assert page.status_code == 200
        return page_config(page.text)["billing_return"]

    number = pending.json()["subscription_id"].rsplit("/", 1)[1]
    # Not approved yet (or its webhook not in): the plan it is for, not active, nothing added yet.
    assert await opened_with(number) == {"plan": "starter", "active": False, "credits_added": None}
    assert await opened_with(theirs.json()["subscription_id"].rsplit("/", 1)[1]) is None
    for junk in ("", "abc", "-1", "9" * 30, "12 OR 1=1", "999999999"):
        assert await opened_with(junk) is None


async def test_review_on_shopify_no_change_reject_regenerate_then_publish_all(
    drain: Drain,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    shopify_sandbox: LoopbackServer,
    llm_sandbox: LoopbackServer,
) -> None:
    shop = new_shop()
    products = (await api.get("/api/products", params={"limit": 4}, headers=session(shop))).json()["products"][1:]
    # The model's first answer gives one field back as it is: it needs no change.
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"faults": ["unchanged"]}).raise_for_status()
    created = await api.post(
        "/api/jobs",
        headers=session(shop),
        json={
            "source_scope": "products",
            "source_ids": [p["id"] for p in products],
            "attributes": ["title", "seo_title"],
        },
    )
    job_id = created.json()["job_id"]
    assert (await drain(job_id))["status"] == "DONE"
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=session(shop))).json()["items"]
    [kept] = [i for i in items if i["review_state"] == "NO_CHANGE"]
    rejected, regenerated = [i for i in items if i["review_state"] == "NEW"][:2]

    res = await api.post(f"/api/items/{rejected['id']}/review", headers=session(shop), json={"decision": "reject"})
    assert res.status_code == 200 and res.json()["review_state"] == "REJECTED"
    res = await api.post(f"/api/items/{regenerated['id']}/regenerate", headers=session(shop), json={"note": "shorter"})
    assert res.status_code == 202, res.text
    await drain(job_id)
    prompt = httpx.get(f"{llm_sandbox.url}/_sandbox/requests").json()["requests"][-1]["messages"][-1]["content"]
    assert json.dumps({regenerated["attribute"]: "shorter"}) in prompt

    items = (await api.get(f"/api/jobs/{job_id}/items", headers=session(shop))).json()["items"]
    published = await api.post("/api/publish", headers=session(shop), json={"item_ids": [i["id"] for i in items]})
    assert published.json()["counts"] == {"published": 4, "rejected": 1, "no_change": 1}
    renewed = next(i for i in items if i["id"] == regenerated["id"])
    assert renewed["after"] != regenerated["after"] and renewed["regenerations"] == 1

    def stored(item: dict[str, Any]) -> str:
        product = sandbox_product(shopify_sandbox, shop, item["product_id"])
        value: str = product["title"] if item["attribute"] == "title" else product["seo"]["title"] or ""
        return value

    assert stored(renewed) == renewed["after"]
    assert stored(rejected) == rejected["before"]
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, delta FROM credit_ledger WHERE job_id = $1", job_id)
    reasons: dict[str, int] = {}
    for row in rows:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["delta"]
    assert reasons == {"job_charge": -6, "no_change": 1, "regenerate": -1}
    assert kept["after"] == kept["before"]
    await assert_ledger_balanced(pool, (await store_row(pool, shop))["id"])


async def test_reverting_a_shopify_job_leaves_a_value_changed_in_the_admin_unless_forced(
    drain: Drain, api: httpx.AsyncClient, shopify_sandbox: LoopbackServer
) -> None:
    shop = new_shop()
    products = (await api.get("/api/products", params={"limit": 3}, headers=session(shop))).json()["products"][1:]
    before = {p["id"]: sandbox_product(shopify_sandbox, shop, p["id"]) for p in products}
    created = await api.post(
        "/api/jobs",
        headers=session(shop),
        json={
            "source_scope": "products",
            "source_ids": [p["id"] for p in products],
            "attributes": ["title", "seo_description"],
        },
    )
    job_id = created.json()["job_id"]
    await drain(job_id)
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=session(shop))).json()["items"]
    await api.post("/api/publish", headers=session(shop), json={"item_ids": [i["id"] for i in items]})
    edited = products[0]["id"]
    httpx.patch(
        f"{shopify_sandbox.url}/_sandbox/shops/{shop}/products/{edited.rsplit('/', 1)[1]}",
        json={"title": "Renamed in the Shopify admin"},
    ).raise_for_status()

    report = (await api.post(f"/api/jobs/{job_id}/revert", headers=session(shop), json={})).json()
    assert len(report["reverted"]) == 3 and report["failed"] == []
    [changed] = report["changed_in_store"]
    assert (changed["product_id"], changed["attribute"], changed["current_value"]) == (
        edited, "title", "Renamed in the Shopify admin",
    )  # fmt: skip
    assert sandbox_product(shopify_sandbox, shop, edited)["title"] == "Renamed in the Shopify admin"
    other = sandbox_product(shopify_sandbox, shop, products[1]["id"])
    original = before[products[1]["id"]]
    assert (other["title"], other["seo"]["description"] or "") == (
        original["title"],
        original["seo"]["description"] or "",
    )

    forced = await api.post(f"/api/jobs/{job_id}/revert", headers=session(shop), json={"force": True})
    assert [log["id"] for log in forced.json()["reverted"]] == [changed["id"]]
    assert sandbox_product(shopify_sandbox, shop, edited)["title"] == before[edited]["title"]
    other_shop = new_shop()
    await api.get("/api/me", headers=session(other_shop))
    assert (await api.post(f"/api/jobs/{job_id}/revert", headers=session(other_shop))).status_code == 404
    refused = await api.post("/api/publish-logs/revert", headers=session(other_shop), json={"log_ids": [changed["id"]]})
    assert refused.status_code == 404
