"""Salla and WooCommerce through the web API: install, webhooks, billing, a job end to end
(create → worker → publish → the sandbox store changed → revert), uninstall and reinstall."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from optimizer_app import stores
from optimizer_app.auth import salla as salla_auth
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.settings import Settings
from optimizer_app.stores import Store
from optimizer_app.web.context import session_serializer, signed_session
from optimizer_app.worker import Worker, config_from_settings
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.salla import create_salla_sandbox
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.factories import assert_ledger_balanced, contract, wait_for_job

SALLA_ID, SALLA_SECRET, SALLA_HOOKS = "salla-app", "salla-secret", "salla-webhook-secret"
WOO_KEY, WOO_SECRET = "ck_" + "1" * 40, "cs_" + "2" * 40
MERCHANT = 778899


@pytest.fixture
def salla() -> Iterator[LoopbackServer]:
    app = create_salla_sandbox(client_id=SALLA_ID, client_secret=SALLA_SECRET, webhook_secret=SALLA_HOOKS)
    with LoopbackServer(app) as server:
        yield server


@pytest.fixture
def woo() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)) as server:
        yield server


@pytest.fixture
def web(settings: Settings, salla: LoopbackServer) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    configured = replace(
        settings,
        salla_client_id=SALLA_ID,
        salla_client_secret=SALLA_SECRET,
        salla_webhook_secret=SALLA_HOOKS,
        salla_api_base=f"{salla.url}/admin/v2",
        salla_auth_base=salla.url,
        salla_introspect_base=salla.url,
        # The partner named the plan "Yearly" in the Partners portal (as in Salla's example payload).
        salla_plan_map=(("Yearly", "pro"),),
    )
    with LoopbackServer(create_app(configured)) as server:
        yield server


@pytest.fixture
async def api(web: LoopbackServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        yield client


def salla_event(event: str, data: dict[str, Any], merchant: int = MERCHANT) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"event": event, "merchant": merchant, "created_at": "2026-11-24 10:00:00", "data": data}
    ).encode()
    return body, {
        "X-Salla-Signature": salla_auth.sign_body(body, SALLA_HOOKS),
        "X-Salla-Security-Strategy": "Signature",
    }


def session_for(settings: Settings, store: Store) -> dict[str, str]:
    """The session the app shell hands the page after verifying the platform's token."""
    return {"Authorization": f"Bearer {signed_session(session_serializer(settings.secret_keys), store)}"}


async def run_job(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    llm: LoopbackServer,
    headers: dict[str, str],
    ids: list[str],
    attributes: list[str],
) -> list[dict[str, Any]]:
    created = await api.post(
        "/api/jobs", headers=headers, json={"source_scope": "products", "source_ids": ids, "attributes": attributes}
    )
    assert created.status_code == 201, created.text
    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm.url}/v1", model="gpt-4o-mini")
    stop = asyncio.Event()
    task = asyncio.create_task(
        Worker(
            pool, provider, replace(config_from_settings(Settings()), poll_seconds=0.05, maintenance_interval_seconds=0)
        ).run(stop)
    )
    try:
        assert (await wait_for_job(pool, created.json()["job_id"]))["status"] == "DONE"
    finally:
        stop.set()
        await task
        await provider.aclose()
    items: list[dict[str, Any]] = (
        await api.get(f"/api/jobs/{created.json()['job_id']}/items", headers=headers)
    ).json()["items"]
    return items


async def test_salla_install_job_publish_revert_billing_uninstall(
    api: httpx.AsyncClient, pool: asyncpg.Pool, salla: LoopbackServer, llm_sandbox: LoopbackServer, settings: Settings
) -> None:
    forged_body, _ = salla_event("app.uninstalled", {})
    assert (
        await api.post("/webhooks/salla", content=forged_body, headers={"X-Salla-Signature": "0" * 64})
    ).status_code == 401

    # Easy Mode: Salla delivers the tokens in a signed app.store.authorize webhook.
    delivered = httpx.post(f"{salla.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
    first = await api.post(
        "/webhooks/salla", content=delivered["body"], headers={"X-Salla-Signature": delivered["signature"]}
    )
    assert first.json()["status"] == "processed"
    replay = await api.post(
        "/webhooks/salla", content=delivered["body"], headers={"X-Salla-Signature": delivered["signature"]}
    )
    assert replay.json()["status"] == "duplicate"
    async with pool.acquire() as conn:
        installed = await stores.find(conn, "salla", str(MERCHANT))
    assert installed is not None
    store_id = installed.id
    headers = session_for(settings, installed)
    # Easy Mode brings no store name: the app asked Salla's user info for it.
    assert (await api.get("/api/me", headers=headers)).json()["store"]["name"] == "متجر التجربة"
    # A Salla store writes in Arabic until its owner chooses otherwise.
    assert (await api.get("/api/settings", headers=headers)).json()["default_language"] == "ar"

    products = (await api.get("/api/products", params={"limit": 2}, headers=headers)).json()["products"]
    assert len(products) == 2
    items = await run_job(api, pool, llm_sandbox, headers, [p["id"] for p in products], ["title", "seo_description"])
    target = next(i for i in items if i["attribute"] == "title")
    published = await api.post("/api/publish", headers=headers, json={"item_ids": [target["id"]]})
    assert published.json()["results"][0]["status"] == "published"
    raw = httpx.get(f"{salla.url}/_sandbox/merchants/{MERCHANT}/products/{target['product_id']}").json()["product"]
    assert raw["name"] == target["after"]
    log_id = (await api.get("/api/publish-logs", headers=headers)).json()["logs"][0]["id"]
    assert (await api.post(f"/api/publish-logs/{log_id}/revert", headers=headers)).status_code == 200
    raw = httpx.get(f"{salla.url}/_sandbox/merchants/{MERCHANT}/products/{target['product_id']}").json()["product"]
    assert raw["name"] == target["before"]

    body, sig = salla_event(
        "app.subscription.started", {"item_type": "plan", "item_slug": None, "plan_name": "Pro", "plan_period": "1"}
    )
    assert (await api.post("/webhooks/salla", content=body, headers=sig)).status_code == 200
    assert (await api.get("/api/me", headers=headers)).json()["plan"]["id"] == "pro"
    body, sig = salla_event(
        "app.subscription.canceled",
        {"item_type": "plan", "item_slug": None, "plan_name": "Pro", "end_date": "2026-12-31"},
    )
    await api.post("/webhooks/salla", content=body, headers=sig)
    assert (await api.get("/api/me", headers=headers)).json()["plan"]["ends_on"] == "2026-12-31"

    pending = await api.post(
        "/api/jobs",
        headers=headers,
        json={"source_scope": "products", "source_ids": [products[0]["id"]], "attributes": ["description"]},
    )
    assert (await api.get(f"/api/jobs/{pending.json()['job_id']}", headers=headers)).json()["target_lang"] == "ar"
    chosen = await api.put("/api/settings", headers=headers, json={"default_language": "en"})
    assert chosen.json()["default_language"] == "en"
    body, sig = salla_event("app.uninstalled", {})
    assert (await api.post("/webhooks/salla", content=body, headers=sig)).json()["status"] == "processed"
    assert (await api.get("/api/me", headers=headers)).status_code == 401
    async with pool.acquire() as conn:
        store = await conn.fetchrow("SELECT * FROM stores WHERE id = $1", store_id)
        status = await conn.fetchval("SELECT status FROM jobs WHERE id = $1", pending.json()["job_id"])
    assert store["access_token_enc"] is None and store["refresh_token_enc"] is None and status == "CANCELED"
    await assert_ledger_balanced(pool, store_id)

    again = httpx.post(f"{salla.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
    await api.post("/webhooks/salla", content=again["body"], headers={"X-Salla-Signature": again["signature"]})
    assert (await api.get("/api/me", headers=headers)).status_code == 401  # the session before stays ended
    async with pool.acquire() as conn:
        reinstalled = await stores.get(conn, store_id)
    assert reinstalled is not None
    headers = session_for(settings, reinstalled)
    me = (await api.get("/api/me", headers=headers)).json()
    assert me["store"]["id"] == store_id
    assert len((await api.get("/api/jobs", headers=headers)).json()["jobs"]) == 2  # history kept


async def test_salla_oauth_callback_installs_with_the_merchant_from_user_info(
    api: httpx.AsyncClient, pool: asyncpg.Pool, salla: LoopbackServer, settings: Settings
) -> None:
    start = await api.get("/oauth/salla/install", follow_redirects=False)
    assert start.status_code == 302 and "scope=offline_access" in start.headers["location"]
    state = start.headers["location"].split("state=")[1]
    assert "-" not in state
    code = httpx.get(f"{salla.url}/_sandbox/code", params={"merchant": "4455"}).json()["code"]
    assert (await api.get("/oauth/salla/callback", params={"code": code, "state": "forged"})).status_code == 401
    done = await api.get("/oauth/salla/callback", params={"code": code, "state": state})
    assert done.status_code == 200, done.text
    async with pool.acquire() as conn:
        store = await conn.fetchrow("SELECT * FROM stores WHERE platform = 'salla' AND external_id = '4455'")
    assert store is not None and store["refresh_token_enc"] is not None
    # Custom Mode installs subscribe the store's product events too.
    subscribed = httpx.get(f"{salla.url}/_sandbox/webhook-subscriptions", params={"store": "4455"}).json()
    assert sorted((s["event"], s["url"]) for s in subscribed["subscriptions"]) == [
        ("product.created", f"{settings.app_base_url}/webhooks/salla"),
        ("product.updated", f"{settings.app_base_url}/webhooks/salla"),
    ]


async def test_a_salla_oauth_state_works_once_and_expires(
    api: httpx.AsyncClient, pool: asyncpg.Pool, salla: LoopbackServer, settings: Settings
) -> None:
    def code() -> str:
        return str(httpx.get(f"{salla.url}/_sandbox/code", params={"merchant": "4456"}).json()["code"])

    start = await api.get("/oauth/salla/install", follow_redirects=False)
    state = start.headers["location"].split("state=")[1]
    assert (await api.get("/oauth/salla/callback", params={"code": code(), "state": state})).status_code == 200
    replay = await api.get("/oauth/salla/callback", params={"code": code(), "state": state})
    assert replay.status_code == 403 and "already used" in replay.json()["error"]["message"]

    class ElevenMinutesAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 660

    old = URLSafeTimedSerializer(settings.secret_key, salt="salla-oauth-state", signer=ElevenMinutesAgo)
    expired = old.dumps({"nonce": "n-expired"}).replace("-", "~")
    res = await api.get("/oauth/salla/callback", params={"code": code(), "state": expired})
    assert res.status_code == 400 and "expired" in res.json()["error"]["message"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_states") == 1


@pytest.mark.parametrize(
    ("event", "merchant", "data"),
    [
        ("app.store.authorize", MERCHANT, {"access_token": "t", "expires": "soon", "refresh_token": "r"}),
        ("app.store.authorize", MERCHANT, {"expires": 1999999999}),
        ("app.store.authorize", MERCHANT, {"access_token": ["t"], "expires": 1999999999}),
        ("app.store.authorize", MERCHANT, {"access_token": "t", "expires": 1999999999, "refresh_token": 5}),
        ("app.installed", {"id": MERCHANT}, {}),
        ("app.installed", "778899", {}),
        ("app.installed", MERCHANT, ["not", "an", "object"]),
        ("app.subscription.started", MERCHANT, {"item_slug": {"slug": "pro"}}),
        ("app.subscription.canceled", MERCHANT, {"end_date": 20261231}),
        (5, MERCHANT, {}),
    ],
)
async def test_signed_salla_webhooks_with_wrong_field_types_are_400_and_change_nothing(
    web: LoopbackServer, pool: asyncpg.Pool, event: Any, merchant: Any, data: Any
) -> None:
    body = json.dumps({"event": event, "merchant": merchant, "created_at": "2026-11-24 10:00:00", "data": data})
    signed = {"X-Salla-Signature": salla_auth.sign_body(body.encode(), SALLA_HOOKS)}
    res = httpx.post(f"{web.url}/webhooks/salla", content=body, headers=signed)
    assert res.status_code == 400 and res.json()["error"]["code"] == "malformed_request", res.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM stores") == 0
        assert await conn.fetchval("SELECT count(*) FROM webhook_events") == 0


async def test_woocommerce_connect_job_publish_revert(
    api: httpx.AsyncClient, pool: asyncpg.Pool, woo: LoopbackServer, llm_sandbox: LoopbackServer
) -> None:
    bad = await api.post(
        "/api/woocommerce/connect", json={"site_url": woo.url, "consumer_key": WOO_KEY, "consumer_secret": "cs_wrong"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["reason"] == "keys_refused"
    assert (
        await api.post("/api/woocommerce/connect", json={"site_url": "ftp://x", "consumer_key": "a"})
    ).status_code == 400
    connected = await api.post(
        "/api/woocommerce/connect",
        json={"site_url": woo.url + "/", "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
    )
    assert connected.status_code == 201, connected.text
    headers = {"Authorization": f"Bearer {connected.json()['session']}"}
    async with pool.acquire() as conn:
        sealed = await conn.fetchval("SELECT access_token_enc FROM stores WHERE platform = 'woocommerce'")
    assert WOO_SECRET.encode() not in sealed

    products = (await api.get("/api/products", params={"limit": 3}, headers=headers)).json()["products"]
    items = await run_job(api, pool, llm_sandbox, headers, [p["id"] for p in products], ["title", "seo_title"])
    seo = next(i for i in items if i["attribute"] == "seo_title")
    await api.post("/api/publish", headers=headers, json={"item_ids": [seo["id"]]})
    raw = httpx.get(f"{woo.url}/_sandbox/products/{seo['product_id']}").json()
    keys = {m["key"]: m["value"] for m in raw["meta_data"]}
    assert seo["after"] in keys.values()
    log_id = (await api.get("/api/publish-logs", headers=headers)).json()["logs"][0]["id"]
    assert (await api.post(f"/api/publish-logs/{log_id}/revert", headers=headers)).status_code == 200
    raw = httpx.get(f"{woo.url}/_sandbox/products/{seo['product_id']}").json()
    assert seo["after"] not in {m["value"] for m in raw["meta_data"]}


async def test_woocommerce_disconnect_refunds_stops_calls_and_a_reconnect_starts_clean(
    api: httpx.AsyncClient, pool: asyncpg.Pool, woo: LoopbackServer
) -> None:
    keys = {"site_url": woo.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}
    connected = await api.post("/api/woocommerce/connect", json=keys)
    headers = {"Authorization": f"Bearer {connected.json()['session']}"}
    products = (await api.get("/api/products", params={"limit": 2}, headers=headers)).json()["products"]
    job = await api.post(
        "/api/jobs",
        headers=headers,
        json={"source_scope": "products", "source_ids": [p["id"] for p in products], "attributes": ["title"]},
    )
    assert job.status_code == 201
    gone = await api.delete("/api/woocommerce/connect", headers=headers)
    assert gone.status_code == 200 and gone.json()["credits_refunded"] == 2
    calls_before = httpx.get(f"{woo.url}/_sandbox/stats").json()["requests"]
    refused = await api.get("/api/products", headers=headers)
    assert refused.status_code == 401  # the session of a disconnected site is refused
    assert httpx.get(f"{woo.url}/_sandbox/stats").json()["requests"] == calls_before
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT access_token_enc, uninstalled_at FROM stores WHERE platform = 'woocommerce'")
        status = await conn.fetchval("SELECT status FROM jobs WHERE id = $1", job.json()["job_id"])
    assert row["access_token_enc"] is None and row["uninstalled_at"] is not None and status == "CANCELED"

    again = await api.post("/api/woocommerce/connect", json=keys)
    headers = {"Authorization": f"Bearer {again.json()['session']}"}
    me = (await api.get("/api/me", headers=headers)).json()
    assert me["credits"]["remaining"] == 100  # the refund came back; reconnecting mints nothing
    jobs = (await api.get("/api/jobs", headers=headers)).json()["jobs"]
    assert [j["status"] for j in jobs] == ["CANCELED"]  # the history stays
    store_id = me["store"]["id"]
    await assert_ledger_balanced(pool, store_id)


async def test_a_reconnect_or_a_disconnect_ends_the_sessions_handed_out_before(
    api: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    keys = {"site_url": woo.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}

    async def connect() -> dict[str, str]:
        connected = await api.post("/api/woocommerce/connect", json=keys)
        assert connected.status_code == 201, connected.text
        return {"Authorization": f"Bearer {connected.json()['session']}"}

    first = await connect()
    assert (await api.get("/api/me", headers=first)).status_code == 200
    second = await connect()
    ended = await api.get("/api/me", headers=first)
    assert ended.status_code == 401
    assert ended.json()["error"]["message"] == (
        "This session ended when the app was reinstalled or reconnected; reopen the app."
    )
    assert (await api.get("/api/me", headers=second)).status_code == 200

    assert (await api.delete("/api/woocommerce/connect", headers=second)).status_code == 200
    third = await connect()
    assert (await api.get("/api/me", headers=second)).status_code == 401
    assert (await api.get("/api/me", headers=third)).status_code == 200


def page_config(html: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        html.split('<script id="config" type="application/json">')[1].split("</script>")[0]
    )
    return config


async def test_the_salla_dashboard_opens_the_app_with_an_embedded_token(
    api: httpx.AsyncClient, salla: LoopbackServer
) -> None:
    token = httpx.get(f"{salla.url}/_sandbox/embedded-token", params={"merchant": MERCHANT}).json()["token"]
    not_installed = await api.get("/app/salla", params={"token": token})
    assert not_installed.status_code == 401 and "Salla App Store" in not_installed.text
    delivered = httpx.post(f"{salla.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
    await api.post("/webhooks/salla", content=delivered["body"], headers={"X-Salla-Signature": delivered["signature"]})
    page = await api.get("/app/salla", params={"token": token})
    assert page.status_code == 200
    assert "https://s.salla.sa" in page.headers["content-security-policy"]
    config = page_config(page.text)
    assert config["settings"]["default_language"] == "ar"  # the dashboard opens in Arabic, right to left
    assert '<html lang="ar" dir="rtl">' in page.text
    session = config["session"]
    me = await api.get("/api/me", headers={"Authorization": f"Bearer {session}"})
    assert me.json()["store"]["platform"] == "salla"
    forged = await api.get("/app/salla", params={"token": "em_tok_forged"})
    assert forged.status_code == 401


def form_token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


async def test_the_woocommerce_connect_form(api: httpx.AsyncClient, woo: LoopbackServer) -> None:
    form = await api.get("/app/woocommerce")
    assert form.status_code == 200 and 'name="consumer_key"' in form.text
    refused = await api.post(
        "/app/woocommerce",
        data={
            "site_url": woo.url,
            "consumer_key": WOO_KEY,
            "consumer_secret": "cs_nope",
            "csrf_token": form_token(form.text),
        },
    )
    # Back to the form (a reload never posts the keys again), which says why.
    assert refused.status_code == 303 and refused.headers["location"] == "/app/woocommerce"
    again = await api.get("/app/woocommerce")
    assert "refused these keys" in again.text and 'name="consumer_key"' in again.text
    opened = await api.post(
        "/app/woocommerce",
        data={
            "site_url": woo.url,
            "consumer_key": WOO_KEY,
            "consumer_secret": WOO_SECRET,
            "csrf_token": form_token(again.text),  # the page that said why carries a fresh token
        },
    )
    assert opened.status_code == 303
    app_page = await api.get(opened.headers["location"])
    session = page_config(app_page.text)["session"]
    me = await api.get("/api/me", headers={"Authorization": f"Bearer {session}"})
    assert me.json()["store"]["platform"] == "woocommerce"


# Each documented Salla app event, in the order a merchant's life with the app sends them: the
# plan the store is on after it (None: the store is gone or uninstalled) and when that plan ends.
SALLA_CONTRACT_STEPS = [
    ("app_installed", "free", None),
    ("app_store_authorize", "free", None),
    ("app_trial_started", "free", None),
    ("app_subscription_started", "pro", None),
    ("app_subscription_started_addon", "pro", None),
    ("app_trial_expired", "pro", None),
    ("app_trial_canceled", "pro", None),
    ("app_subscription_renewed", "pro", None),
    ("app_subscription_canceled", "pro", "2023-05-23"),
    ("app_subscription_expired", "free", None),
    ("app_uninstalled", None, None),
]


async def test_each_documented_salla_event_leaves_the_plan_the_merchant_paid_for(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    for name, plan, ends_on in SALLA_CONTRACT_STEPS:
        example = contract("salla", name)["example"]
        body = json.dumps(example, ensure_ascii=False).encode()
        headers = {
            "X-Salla-Signature": salla_auth.sign_body(body, SALLA_HOOKS),
            "X-Salla-Security-Strategy": "Signature",
        }
        res = await api.post("/webhooks/salla", content=body, headers=headers)
        assert res.status_code == 200 and res.json()["status"] == "processed", (name, res.text)
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT plan_id, plan_ends_on, uninstalled_at FROM stores"
                " WHERE platform = 'salla' AND external_id = $1",
                str(example["merchant"]),
            )
        assert row is not None, name
        assert (row["plan_id"] if row["uninstalled_at"] is None else None) == plan, name
        assert (str(row["plan_ends_on"]) if row["plan_ends_on"] else None) == ends_on, name


@pytest.mark.parametrize(
    ("event", "fixture", "fields"),
    [
        ("app.subscription.started", "app_subscription_started", {"plan_name": "Yearly"}),
        ("app.subscription.renewed", "app_subscription_renewed", {"plan_name": "Yearly"}),
        ("app.subscription.canceled", "app_subscription_canceled", {"plan_name": "Yearly"}),
        ("app.subscription.expired", "app_subscription_expired", {"plan_name": "Yearly"}),
        ("app.trial.started", "app_trial_started", {"plan_name": "Yearly"}),
        ("app.trial.canceled", "app_trial_canceled", {"plan_name": "Yearly"}),
        (
            "app.subscription.started",
            "app_subscription_started_addon",
            {"plan_name": "Extra credits", "item_type": "addon", "item_slug": "extra-credits"},
        ),
    ],
)
async def test_the_salla_sandbox_sends_billing_events_in_their_documented_shape(
    salla: LoopbackServer, web: LoopbackServer, event: str, fixture: str, fields: dict[str, Any]
) -> None:
    sent = httpx.post(
        f"{salla.url}/_sandbox/events",
        json={"event": event, "merchant": MERCHANT, "url": f"{web.url}/webhooks/salla", **fields},
    ).json()
    assert sent["status"] == 200, sent["body"]
    documented, payload = contract("salla", fixture)["example"], sent["payload"]
    assert payload.keys() == documented.keys() and payload["event"] == documented["event"]
    assert payload["data"].keys() == documented["data"].keys()
    for key, value in documented["data"].items():
        assert type(payload["data"][key]) in (type(value), type(None)) or value is None, key
    for key in ("item_type", "item_slug", "plan_name", "plan_type"):
        assert payload["data"][key] == documented["data"][key], key
