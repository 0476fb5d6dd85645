"""The web API end to end on the Wix sandbox: identity, catalog, jobs, credits, publish, revert,
webhooks and store isolation, over real HTTP and real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from optimizer_app import publishing, stores
from optimizer_app.auth import wix as wix_auth
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.languages import OFFERED_LANGUAGES
from optimizer_app.domain.products import Product
from optimizer_app.domain.store_settings import DEFAULT_SETTINGS
from optimizer_app.platforms.wix import WixClient
from optimizer_app.settings import Settings
from optimizer_app.web.context import SESSION_PREFIX
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.wix import SITE_NAME
from tests.factories import assert_ledger_balanced
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET, Drain, WixSite, new_site


def sandbox_product(sandbox: LoopbackServer, instance_id: str, product_id: str) -> dict[str, Any]:
    res = httpx.get(f"{sandbox.url}/_sandbox/instances/{instance_id}/products/{product_id}")
    res.raise_for_status()
    data: dict[str, Any] = res.json()
    product: dict[str, Any] = data.get("product", data)
    return product


async def first_products(api: httpx.AsyncClient, site: WixSite, n: int) -> list[dict[str, Any]]:
    res = await api.get("/api/products", params={"limit": n}, headers=site.headers)
    assert res.status_code == 200, res.text
    products: list[dict[str, Any]] = res.json()["products"]
    assert len(products) == n
    return products


async def improved_items(
    api: httpx.AsyncClient, drain: Drain, site: WixSite, product_ids: list[str], attributes: list[str]
) -> list[dict[str, Any]]:
    """Create a job for the products, run it to the end, and return its items."""
    created = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "products", "source_ids": product_ids, "attributes": attributes},
    )
    assert created.status_code == 201, created.text
    await drain(created.json()["job_id"])
    items: list[dict[str, Any]] = (
        await api.get(f"/api/jobs/{created.json()['job_id']}/items", headers=site.headers)
    ).json()["items"]
    return items


def expired_instance() -> str:
    past = datetime.now(UTC) - timedelta(hours=5)
    payload = wix_auth.new_instance_payload("expired-site", WIX_APP_ID, now=past)
    return wix_auth.sign_instance(payload, WIX_APP_SECRET)


def tampered_instance() -> str:
    signature = new_site().instance.partition(".")[0]
    other = new_site().instance.partition(".")[2]
    return f"{signature}.{other}"


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "Missing credentials"),
        ({"X-Wix-Instance": ""}, ""),
        ({"X-Wix-Instance": "garbage"}, ""),
        ({"X-Wix-Instance": "a.b.c"}, ""),
        ({"X-Wix-Instance": tampered_instance()}, ""),
        ({"X-Wix-Instance": expired_instance()}, ""),
        (
            {
                "X-Wix-Instance": wix_auth.sign_instance(
                    wix_auth.new_instance_payload("s", "another-app"), WIX_APP_SECRET
                )
            },
            "",
        ),
        ({"X-Wix-Instance": wix_auth.sign_instance(wix_auth.new_instance_payload("s", WIX_APP_ID), "wrong")}, ""),
        ({"Authorization": "Bearer oas.forged"}, "Invalid session"),
        ({"Authorization": "Bearer some-jwt"}, "Unrecognised"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Missing credentials"),
    ],
)
async def test_bad_credentials_are_401_json(api: httpx.AsyncClient, headers: dict[str, str], fragment: str) -> None:
    res = await api.get("/api/me", headers=headers)
    assert res.status_code == 401
    error = res.json()["error"]
    assert error["code"] == "unauthorized"
    assert fragment in error["message"]


async def test_expired_session_is_401(api: httpx.AsyncClient, settings: Settings) -> None:
    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((datetime.now(UTC) - timedelta(hours=2)).timestamp())

    old = URLSafeTimedSerializer(settings.secret_key, salt="optimizer-app-session", signer=TwoHoursAgo)
    token = SESSION_PREFIX + old.dumps({"store_id": 1})
    res = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401
    assert "expired" in res.json()["error"]["message"]


async def test_first_open_onboards_the_store_once(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    first, second = await asyncio.gather(
        api.get("/api/me", headers=site.headers), api.get("/api/me", headers=site.headers)
    )
    assert first.status_code == second.status_code == 200
    me = first.json()
    assert me["plan"]["id"] == "free"
    assert me["credits"] == {**me["credits"], "total": 100, "used": 0, "remaining": 100}
    assert me["store"]["name"] == SITE_NAME  # from GET /apps/v1/instance with the new token
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, access_token_enc FROM stores WHERE external_id = $1", site.instance_id)
        grants = await conn.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'plan_grant'")
    assert len(rows) == 1 and grants == 1
    assert rows[0]["access_token_enc"] is not None and b"OauthNG" not in rows[0]["access_token_enc"]
    await assert_ledger_balanced(pool, rows[0]["id"])


async def test_a_site_whose_name_wix_cannot_give_is_still_onboarded(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    httpx.post(f"{wix_sandbox.url}/_sandbox/faults", json={"path_prefix": "/apps/v1/instance", "status": 503})
    site = new_site()
    me = await api.get("/api/me", headers=site.headers)
    assert me.status_code == 200
    assert me.json()["store"]["name"] == "" and me.json()["credits"]["total"] == 100


async def test_a_site_written_in_arabic_starts_with_arabic_as_its_language(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    edited = httpx.patch(
        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"name": "متجر الورد", "locale": "ar"}
    )
    assert edited.status_code == 200
    assert (await api.get("/api/me", headers=site.headers)).json()["store"]["name"] == "متجر الورد"
    assert (await api.get("/api/settings", headers=site.headers)).json()["default_language"] == "ar"
    chosen = await api.put("/api/settings", headers=site.headers, json={"default_language": "fr"})
    assert chosen.json()["default_language"] == "fr"


async def test_shell_page_hands_out_a_session(api: httpx.AsyncClient) -> None:
    site = new_site()
    page = await api.get("/app/wix", params={"instance": site.instance, "locale": "en"})
    assert page.status_code == 200
    assert "frame-ancestors" in page.headers["content-security-policy"]
    assert "https://manage.wix.com" in page.headers["content-security-policy"]
    config = json.loads(page.text.split('<script id="config" type="application/json">')[1].split("</script>")[0])
    me = await api.get("/api/me", headers={"Authorization": f"Bearer {config['session']}"})
    assert me.status_code == 200 and me.json()["store"]["platform"] == "wix"
    bad = await api.get("/app/wix", params={"instance": "nope"})
    assert bad.status_code == 401 and "could not open" in bad.text


async def test_shell_page_tells_the_dashboard_the_fields_languages_and_settings(api: httpx.AsyncClient) -> None:
    page = await api.get("/app/wix", params={"instance": new_site().instance})
    config = json.loads(page.text.split('<script id="config" type="application/json">')[1].split("</script>")[0])
    assert config["fields"] == [{"id": a.value, "max_length": a.max_length, "html": a.is_html} for a in Attribute]
    assert config["fields"][2] == {"id": "seo_title", "max_length": 60, "html": False}
    assert config["languages"] == list(OFFERED_LANGUAGES)
    assert config["settings"] == DEFAULT_SETTINGS


async def test_catalog_pages_through_every_product(api: httpx.AsyncClient) -> None:
    site = new_site()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        res = await api.get("/api/products", params=params, headers=site.headers)
        assert res.status_code == 200, res.text
        body = res.json()
        seen.extend(p["id"] for p in body["products"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 150
    collections = (await api.get("/api/collections", headers=site.headers)).json()["collections"]
    assert len(collections) >= 4 and all(c["name"] for c in collections)


async def test_not_enough_credits_is_402_and_writes_nothing(api: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    site = new_site()
    products = await first_products(api, site, 30)
    res = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={
            "source_scope": "products",
            "source_ids": [p["id"] for p in products],
            "attributes": ["title", "description", "seo_title", "seo_description"],
        },
    )
    assert res.status_code == 402
    assert res.json()["error"] | {} == {**res.json()["error"], "required": 120, "remaining": 100}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
        assert await conn.fetchval("SELECT credits_used FROM stores") == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"source_scope": "everything", "source_ids": ["x"], "attributes": ["title"]}, 422),
        ({"source_scope": "products", "source_ids": [], "attributes": ["title"]}, 422),
        ({"source_scope": "products", "source_ids": ["x"], "attributes": ["price"]}, 422),
        ({"source_scope": "products", "source_ids": ["no-such-product"], "attributes": ["title"]}, 422),
        ({"source_scope": "products", "source_ids": ["x"], "attributes": ["title"], "user_prompt": "x" * 2001}, 422),
    ],
)
async def test_invalid_job_requests_are_rejected(api: httpx.AsyncClient, body: dict[str, Any], status: int) -> None:
    res = await api.post("/api/jobs", headers=new_site().headers, json=body)
    assert res.status_code == status, res.text
    assert res.json()["error"]["code"] == "invalid_request"


async def test_malformed_and_oversized_bodies(api: httpx.AsyncClient) -> None:
    site = new_site()
    bad_json = await api.post(
        "/api/jobs", headers={**site.headers, "content-type": "application/json"}, content=b"{nope"
    )
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == "malformed_request"
    not_object = await api.post("/api/jobs", headers=site.headers, json=[1, 2])
    assert not_object.status_code == 400
    huge = await api.post("/api/jobs", headers=site.headers, content=b"x" * 70_000)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> Any:
        for _ in range(100):
            yield b"y" * 1000

    streamed = await api.post("/api/jobs", headers=site.headers, content=chunks())
    assert streamed.status_code == 413


def on_catalog(sandbox: LoopbackServer, site: WixSite, catalog: str) -> None:
    """Put the sandbox site on a catalog version before the app first opens it."""
    url = f"{sandbox.url}/_sandbox/instances/{site.instance_id}/site"
    httpx.patch(url, json={"catalogVersion": catalog}).raise_for_status()


BOTH_CATALOGS = pytest.mark.parametrize("catalog", ["V3_CATALOG", "V1_CATALOG"])


@BOTH_CATALOGS
async def test_the_whole_loop_create_improve_publish_revert(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer, catalog: str
) -> None:
    site = new_site()
    on_catalog(wix_sandbox, site, catalog)
    products = await first_products(api, site, 3)
    async with pool.acquire() as conn:
        remembered = await conn.fetchval("SELECT catalog_version FROM stores WHERE external_id = $1", site.instance_id)
    assert remembered == catalog
    ids = [p["id"] for p in products]
    created = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "products", "source_ids": ids, "attributes": ["title", "seo_title"], "target_lang": "en"},
    )
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    assert created.json()["credits_charged"] == 6
    job = await drain(job_id)
    assert job["status"] == "DONE"

    shown = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert shown["counts"] == {
        "total": 6,
        "done": 6,
        "failed": 0,
        "canceled": 0,
        "pending": 0,
        "no_change": 0,
        "rejected": 0,
        "published": 0,
    }
    assert shown["number"] == 1 and shown["eta_seconds"] is None
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=site.headers)).json()["items"]
    assert len(items) == 6 and all(i["after"] and i["after"] != i["before"] for i in items)
    titles = [i for i in items if i["attribute"] == "title"]
    target = titles[0]
    before_name = sandbox_product(wix_sandbox, site.instance_id, target["product_id"])["name"]
    assert before_name == target["before"]

    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [target["id"]]})
    assert published.status_code == 200
    assert published.json()["results"] == [{"item_id": target["id"], "status": "published"}]
    after = sandbox_product(wix_sandbox, site.instance_id, target["product_id"])
    assert after["name"] == target["after"]

    again = await api.post("/api/publish", headers=site.headers, json={"item_ids": [target["id"]]})
    assert again.json()["results"][0]["status"] == "already_published"
    assert sandbox_product(wix_sandbox, site.instance_id, target["product_id"])["revision"] == after["revision"]

    logs = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"]
    assert [(e["item_id"], e["product_title"], e["old_value"], e["new_value"]) for e in logs] == [
        (target["id"], target["product_title"], before_name, target["after"])
    ]
    reverted = await api.post(f"/api/publish-logs/{logs[0]['id']}/revert", headers=site.headers)
    assert reverted.status_code == 200 and reverted.json()["reverted_at"]
    assert sandbox_product(wix_sandbox, site.instance_id, target["product_id"])["name"] == before_name
    twice = await api.post(f"/api/publish-logs/{logs[0]['id']}/revert", headers=site.headers)
    assert twice.status_code == 409


@BOTH_CATALOGS
async def test_a_job_by_collection_covers_the_collections_products(
    drain: Drain, api: httpx.AsyncClient, wix_sandbox: LoopbackServer, catalog: str
) -> None:
    site = new_site()
    on_catalog(wix_sandbox, site, catalog)
    collections = (await api.get("/api/collections", headers=site.headers)).json()["collections"]
    smallest = min((c for c in collections if c["product_count"]), key=lambda c: c["product_count"])
    created = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "collections", "source_ids": [smallest["id"]], "attributes": ["seo_title"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["credits_charged"] == smallest["product_count"]
    job = await drain(created.json()["job_id"])
    assert job["status"] == "DONE"


async def test_a_site_without_wix_stores_is_told_so_in_plain_words(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    on_catalog(wix_sandbox, site, "STORES_NOT_INSTALLED")
    res = await api.get("/api/products", headers=site.headers)
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "stores_not_installed"
    assert res.json()["error"]["message"].startswith("Wix Stores is not installed on this site")


async def test_a_field_the_answer_left_out_fails_with_its_reason_code(
    drain: Drain, api: httpx.AsyncClient, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    faults = ["missing_field"] * Settings().worker_max_attempts
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"faults": faults}).raise_for_status()
    [item] = await improved_items(api, drain, site, [product["id"]], ["seo_title"])
    assert (item["status"], item["reason"], item["error"]) == ("FAILED", "left_out", "the answer left this field out")


async def test_publishing_an_item_twice_at_once_writes_once(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    items = await improved_items(api, drain, site, [product["id"]], ["seo_title", "seo_description"])
    ids = [i["id"] for i in items]
    first, second = await asyncio.gather(
        api.post("/api/publish", headers=site.headers, json={"item_ids": ids}),
        api.post("/api/publish", headers=site.headers, json={"item_ids": ids}),
    )
    statuses = sorted(r["status"] for res in (first, second) for r in res.json()["results"])
    assert statuses.count("published") == 2
    assert set(statuses) - {"published"} <= {"already_published", "in_progress"}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM publish_logs") == 2


async def test_editing_a_value_before_publishing(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    [item] = await improved_items(api, drain, site, [product["id"]], ["seo_title"])
    too_long = await api.patch(f"/api/items/{item['id']}", headers=site.headers, json={"after": "word " * 20})
    assert too_long.status_code == 422 and "too_long" in too_long.json()["error"]["message"]
    edited = await api.patch(f"/api/items/{item['id']}", headers=site.headers, json={"after": "Hand-written SEO title"})
    assert edited.status_code == 200
    await api.post("/api/publish", headers=site.headers, json={"item_ids": [item["id"]]})
    seo = sandbox_product(wix_sandbox, site.instance_id, product["id"])["seoData"]["tags"]
    assert {"type": "title", "children": "Hand-written SEO title"}.items() <= next(
        t for t in seo if t["type"] == "title"
    ).items()


async def test_cancel_refunds_through_the_api(api: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    site = new_site()
    products = await first_products(api, site, 5)
    created = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={
            "source_scope": "products",
            "source_ids": [p["id"] for p in products],
            "attributes": ["title", "description"],
        },
    )
    job_id = created.json()["job_id"]
    canceled = await api.post(f"/api/jobs/{job_id}/cancel", headers=site.headers)
    assert canceled.status_code == 200
    assert canceled.json()["credits_refunded"] == 10
    assert canceled.json()["job"]["status"] == "CANCELED"
    me = (await api.get("/api/me", headers=site.headers)).json()
    assert me["credits"]["remaining"] == 100
    again = await api.post(f"/api/jobs/{job_id}/cancel", headers=site.headers)
    assert again.status_code == 409
    listed = (await api.get("/api/jobs", params={"status": "CANCELED"}, headers=site.headers)).json()["jobs"]
    assert [j["id"] for j in listed] == [job_id]
    async with pool.acquire() as conn:
        store_id = await conn.fetchval("SELECT id FROM stores WHERE external_id = $1", site.instance_id)
    await assert_ledger_balanced(pool, store_id)


async def test_a_store_cannot_reach_another_stores_data(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    a, b = new_site(), new_site()
    products = await first_products(api, a, 2)
    items = await improved_items(api, drain, a, [p["id"] for p in products], ["title"])
    job_id = (await api.get("/api/jobs", headers=a.headers)).json()["jobs"][0]["id"]
    await api.post("/api/publish", headers=a.headers, json={"item_ids": [items[0]["id"]]})
    log_id = (await api.get("/api/publish-logs", headers=a.headers)).json()["logs"][0]["id"]
    await api.get("/api/me", headers=b.headers)

    for method, path, body in [
        ("GET", f"/api/jobs/{job_id}", None),
        ("GET", f"/api/jobs/{job_id}/items", None),
        ("POST", f"/api/jobs/{job_id}/cancel", None),
        ("POST", "/api/publish", {"item_ids": [i["id"] for i in items]}),
        ("PATCH", f"/api/items/{items[1]['id']}", {"after": "Stolen title"}),
        ("POST", f"/api/publish-logs/{log_id}/revert", None),
    ]:
        res = await api.request(method, path, headers=b.headers, json=body)
        assert res.status_code == 404, (method, path, res.text)
    assert (await api.get("/api/jobs", headers=b.headers)).json()["jobs"] == []
    assert (await api.get("/api/publish-logs", headers=b.headers)).json()["logs"] == []


async def test_settings_round_trip_and_validation(api: httpx.AsyncClient) -> None:
    site = new_site()
    saved = await api.put(
        "/api/settings",
        headers=site.headers,
        json={"default_language": "fr", "default_attributes": ["title"]},
    )
    assert saved.status_code == 200
    assert (await api.get("/api/settings", headers=site.headers)).json() == {
        "default_language": "fr",
        "default_attributes": ["title"],
    }
    for bad in (
        {"default_attributes": ["price"]},
        {"colour": "red"},
        {"brand_voice": "Warm and concise"},  # brand voices are saved on their own now
    ):
        res = await api.put("/api/settings", headers=site.headers, json=bad)
        assert res.status_code == 422, bad


async def test_health_and_json_404(api: httpx.AsyncClient) -> None:
    health = await api.get("/health")
    assert health.json() == {"status": "ok", "database": "ok"}
    missing = await api.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_wix_webhooks_forged_replayed_and_billing(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_keys: tuple[str, str], wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    products = await first_products(api, site, 5)
    job = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "products", "source_ids": [p["id"] for p in products], "attributes": ["title"]},
    )
    assert job.status_code == 201
    private, _ = wix_keys
    forged_key, _ = wix_auth.generate_keypair()

    def post(token: str) -> httpx.Response:
        return httpx.post(f"{api.base_url}/webhooks/wix", content=token)

    forged = post(
        wix_auth.sign_webhook("AppRemoved", site.instance_id, {"appId": WIX_APP_ID}, private_key_pem=forged_key)
    )
    assert forged.status_code == 401
    assert post("not-a-jwt").status_code == 401

    purchase = wix_auth.sign_webhook(
        "PaidPlanPurchased",
        site.instance_id,
        {"vendorProductId": "pro", "cycle": "MONTHLY", "operationTimeStamp": "2026-11-24T10:00:00Z"},
        private_key_pem=private,
        event_id="evt-purchase-1",
    )
    assert post(purchase).json()["status"] == "processed"
    me = (await api.get("/api/me", headers=site.headers)).json()
    assert me["plan"]["id"] == "pro" and me["credits"]["total"] == 5000 and me["credits"]["used"] == 5
    assert post(purchase).json()["status"] == "duplicate"
    assert (await api.get("/api/me", headers=site.headers)).json()["credits"] == me["credits"]

    # A yearly plan: it ends when Wix's billing cycle does, not at the monthly credit reset.
    billing = {"packageName": "pro", "billingCycle": "YEARLY", "expirationDate": "2027-09-30T12:00:00.000Z"}
    httpx.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"billing": billing})
    cancel_renewal = wix_auth.sign_webhook(
        "PaidPlanAutoRenewalCancelled",
        site.instance_id,
        {
            "operationTimeStamp": "2026-11-26T12:00:00.000Z",
            "vendorProductId": "pro",
            "cycle": "YEARLY",
            "cancelReason": "USER_CANCEL",
        },
        private_key_pem=private,
    )
    assert post(cancel_renewal).status_code == 200
    me = (await api.get("/api/me", headers=site.headers)).json()
    assert me["plan"]["id"] == "pro" and me["plan"]["ends_on"] == "2027-09-30"
    assert post(cancel_renewal).json()["status"] == "duplicate"

    removed = wix_auth.sign_webhook("AppRemoved", site.instance_id, {"appId": WIX_APP_ID}, private_key_pem=private)
    assert post(removed).json()["status"] == "processed"
    async with pool.acquire() as conn:
        store = await conn.fetchrow("SELECT * FROM stores WHERE external_id = $1", site.instance_id)
        statuses = await conn.fetch("SELECT DISTINCT status FROM job_items")
    assert store["uninstalled_at"] is not None and store["access_token_enc"] is None
    assert [r["status"] for r in statuses] == ["CANCELED"]
    assert store["credits_used"] == 0
    await assert_ledger_balanced(pool, store["id"])
    assert post(removed).json()["status"] == "duplicate"


async def test_an_expired_store_token_is_minted_again(api: httpx.AsyncClient, wix_sandbox: LoopbackServer) -> None:
    site = new_site()
    await first_products(api, site, 1)
    httpx.post(f"{wix_sandbox.url}/_sandbox/tokens/expire").raise_for_status()
    await first_products(api, site, 2)
    mints = httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"]["/oauth2/token"]
    assert mints == 2


async def test_a_platform_outage_is_a_502_with_a_readable_error(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    await first_products(api, site, 1)
    httpx.post(
        f"{wix_sandbox.url}/_sandbox/faults",
        json={"path_prefix": "/stores/v3/products/query", "status": 503, "count": 10, "retry_after": 0.01},
    ).raise_for_status()
    res = await api.get("/api/products", headers=site.headers)
    assert res.status_code == 502
    assert res.json()["error"]["code"] == "platform_error" and "503" in res.json()["error"]["message"]


async def test_publish_reads_again_and_retries_once_on_a_stale_revision(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer, settings: Settings
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    [item] = await improved_items(api, drain, site, [product["id"]], ["title"])

    class OwnerEditsMeanwhile(WixClient):
        """The owner renames the product in the Wix dashboard right after the app first reads it."""

        edited = False

        async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
            products = await super().get_products(product_ids)
            if not self.edited:
                self.edited = True
                for product_id in product_ids:
                    httpx.patch(
                        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{product_id}",
                        json={"name": "Renamed by the owner"},
                    ).raise_for_status()
            return products

    async with pool.acquire() as conn:
        store = await stores.find(conn, "wix", site.instance_id)
    assert store is not None
    async with httpx.AsyncClient() as http:
        clients = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http)
        plain = clients.for_store(store)
        assert isinstance(plain, WixClient)
        client = OwnerEditsMeanwhile(api_base=plain.api_base, tokens=plain.tokens, http=http)
        [outcome] = await publishing.publish_items(pool, client, store_id=store.id, item_ids=[item["id"]])
    assert outcome.status == "published" and client.edited
    assert sandbox_product(wix_sandbox, site.instance_id, product["id"])["name"] == item["after"]
    [log] = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"]
    assert log["old_value"] == "Renamed by the owner"


async def test_publishing_many_products_uses_one_bulk_update(
    drain: Drain, api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    products = await first_products(api, site, 4)
    items = await improved_items(api, drain, site, [p["id"] for p in products], ["title", "seo_title"])
    httpx.post(f"{wix_sandbox.url}/_sandbox/reset").raise_for_status()
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    assert published.json()["counts"] == {"published": 8}
    calls = httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"]
    assert calls.get("/stores/v3/bulk/products/update") == 1
    assert not any(path.startswith("/stores/v3/products/") and path != "/stores/v3/products/query" for path in calls)
    for item in items:
        stored = sandbox_product(wix_sandbox, site.instance_id, item["product_id"])
        if item["attribute"] == "title":
            assert stored["name"] == item["after"]
        else:
            assert any(t.get("children") == item["after"] for t in stored["seoData"]["tags"])
    logs = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"]
    assert sorted(log["item_id"] for log in logs) == sorted(i["id"] for i in items)


async def test_one_store_hammering_the_api_is_limited_alone(settings: Settings) -> None:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(replace(settings, api_rate_limit_per_minute=30))) as web:
        async with httpx.AsyncClient(base_url=web.url) as client:
            noisy, quiet = new_site(), new_site()
            statuses = [(await client.get("/api/me", headers=noisy.headers)).status_code for _ in range(8)]
            limited = await client.get("/api/me", headers=noisy.headers)
            assert statuses[:5] == [200] * 5 and 429 in statuses and limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.json()["error"]["code"] == "rate_limited"
            assert (await client.get("/api/me", headers=quiet.headers)).status_code == 200


async def test_plain_text_fields_stay_text_from_the_store_to_the_published_value(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    product = (await first_products(api, site, 1))[0]
    name = "SALE!!! Shirt &lt;img src=x onerror=alert(1)&gt;"
    httpx.patch(
        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{product['id']}", json={"name": name}
    ).raise_for_status()
    async with pool.acquire() as conn:  # the owner renamed it after the catalog was last read
        await conn.execute("UPDATE catalog_products SET fetched_at = now() - interval '1 hour'")
    items = await improved_items(api, drain, site, [product["id"]], ["title", "seo_title", "seo_description"])
    by_field = {i["attribute"]: i for i in items}
    assert by_field["title"]["after"].startswith("Shirt &lt;img src=x onerror=alert(1)&gt")
    edited = await api.patch(
        f"/api/items/{by_field['seo_description']['id']}",
        headers=site.headers,
        json={"after": "Soft &lt;script&gt;alert(1)&lt;/script&gt; shirt"},
    )
    assert edited.json()["after"] == "Soft &lt;script&gt;alert(1)&lt;/script&gt; shirt"
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    assert {r["status"] for r in published.json()["results"]} == {"published"}, published.text
    stored = json.dumps(sandbox_product(wix_sandbox, site.instance_id, product["id"]))
    assert "Shirt &lt;img" in stored and "&lt;script&gt;" in stored
    assert "<img" not in stored and "<script" not in stored


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("PaidPlanPurchased", {"vendorProductId": ["pro"], "cycle": "MONTHLY"}),
        ("PaidPlanChanged", {"vendorProductId": "pro", "cycle": 12}),
        ("AppInstalled", {"appId": "another-app"}),
        ("AppInstalled", {"appId": {"id": WIX_APP_ID}}),
    ],
)
async def test_a_signed_wix_event_whose_payload_is_not_its_types_is_400_and_changes_nothing(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_keys: tuple[str, str], event_type: str, payload: dict[str, Any]
) -> None:
    site = new_site()
    token = wix_auth.sign_webhook(event_type, site.instance_id, payload, private_key_pem=wix_keys[0])
    res = await api.post("/webhooks/wix", content=token)
    assert res.status_code == 400 and res.json()["error"]["code"] == "malformed_request", res.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM stores") == 0
        assert await conn.fetchval("SELECT count(*) FROM webhook_events") == 0
