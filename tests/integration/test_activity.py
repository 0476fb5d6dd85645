"""The store's audit trail through the web API on the Wix sandbox and the sandbox LLM: a job the
owner creates, publishes and reverts is on the trail with the owner and the ids it was about; a
publish by automation is listed under automation and reverted through the revert routes; a
product change a platform reports is one webhook entry when automation takes it, unless it is the
app's own publish arriving back; another store's entries never show; bad parameters are 422."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import automation, publishing, stores
from optimizer_app.automation import StepConfig
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.history import Actor, ActorKind
from optimizer_app.platforms.base import StoreClient
from optimizer_app.settings import Settings
from optimizer_app.store_events import events as ev
from optimizer_app.store_events.applier import apply
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import enqueue
from tests.integration.conftest import Drain, WixSite, new_site
from tests.integration.test_api_review import job_of
from tests.integration.test_api_wix import first_products

AUTOMATION = Actor(ActorKind.AUTOMATION)
Entries = list[dict[str, Any]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Many small calls in a row; the per-store API limit has its own tests.
    return replace(settings, api_rate_limit_per_minute=0)


async def trail(api: httpx.AsyncClient, site: WixSite, **params: Any) -> Entries:
    res = await api.get("/api/activity", headers=site.headers, params=params)
    assert res.status_code == 200, res.text
    entries: Entries = res.json()["entries"]
    return entries


def uid(site: WixSite) -> str:
    """The Wix user the site's signed instance names."""
    payload = site.instance.split(".", 1)[1]
    value: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["uid"]
    return value


async def store_of(pool: asyncpg.Pool, site: WixSite) -> stores.Store:
    async with pool.acquire() as conn:
        store = await stores.find(conn, "wix", site.instance_id)
    assert store is not None
    return store


@pytest.fixture
async def clients(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[StoreClients]:
    async with httpx.AsyncClient() as http:
        made = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http)
        yield made
        await made.aclose()


async def publish(api: httpx.AsyncClient, site: WixSite, items: Entries) -> list[int]:
    """Publish the items as the owner; the ids of those published."""
    res = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    assert res.status_code == 200, res.text
    published = [r["item_id"] for r in res.json()["results"] if r["status"] == "published"]
    assert published
    return published


async def logs(api: httpx.AsyncClient, site: WixSite) -> Entries:
    found: Entries = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"]
    return found


async def test_an_owners_job_publish_revert_and_restore_are_on_the_trail_with_the_owner_and_their_ids(
    drain: Drain, api: httpx.AsyncClient
) -> None:
    site = new_site()
    owner = {"kind": "owner", "user_id": uid(site)}
    products = await first_products(api, site, 2)
    job_id, items = await job_of(api, drain, site, [p["id"] for p in products], ["seo_description", "seo_title"])
    assert [(e["action"], e["actor"], e["job_id"]) for e in await trail(api, site)] == [("job_created", owner, job_id)]
    [created] = await trail(api, site)
    assert created["detail"] == {"products": 2, "fields": 4} and created["job_number"] == 1
    assert created["revertible"] is False and created["publish_log_id"] is None

    published = await publish(api, site, items)
    log_of = {entry["item_id"]: entry for entry in await logs(api, site)}
    entries = await trail(api, site)
    assert [e["action"] for e in entries] == ["published"] * len(published) + ["job_created"]
    by_log = {e["publish_log_id"]: e for e in entries[:-1]}
    assert set(by_log) == {log_of[i]["id"] for i in published}
    for item_id in published:
        log = log_of[item_id]
        entry = by_log[log["id"]]
        assert entry["actor"] == owner and entry["job_id"] == job_id and entry["product_id"] == log["product_id"]
        assert entry["detail"] == {"attribute": log["attribute"]} and entry["revertible"] is True
        assert entry["change"]["new_value"] == log["new_value"] and entry["change"]["reverted_at"] is None
    # Newest first, and the at of each no later than the one above it.
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)

    # One entry reverted on its own: the revert is an entry, and the publish is no longer revertible.
    first = log_of[published[0]]
    assert (await api.post(f"/api/publish-logs/{first['id']}/revert", headers=site.headers)).status_code == 200
    [reverted, *rest] = await trail(api, site)
    assert (reverted["action"], reverted["actor"], reverted["publish_log_id"], reverted["job_id"]) == (
        "reverted",
        owner,
        first["id"],
        job_id,
    )
    assert reverted["product_id"] == first["product_id"] and reverted["revertible"] is False
    assert next(e for e in rest if e["publish_log_id"] == first["id"])["revertible"] is False

    # The rest of the job reverted as a whole: one entry per publish log entry it reverted.
    res = await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers)
    assert res.status_code == 200, res.text
    entries = await trail(api, site)
    job_reverts = entries[: len(published) - 1]
    assert all(e["action"] == "reverted" and e["job_id"] == job_id for e in job_reverts)
    assert {e["publish_log_id"] for e in job_reverts} == {log_of[i]["id"] for i in published[1:]}
    assert not any(e["revertible"] for e in entries)

    # A version put back from the history is a `restored` entry naming the entry it comes from.
    res = await api.post(
        f"/api/products/{first['product_id']}/history/revert",
        headers=site.headers,
        json={"attribute": first["attribute"], "log_id": first["id"]},
    )
    assert res.status_code == 200, res.text
    [restored, *_] = await trail(api, site)
    assert (restored["action"], restored["actor"], restored["publish_log_id"]) == ("restored", owner, res.json()["id"])
    assert restored["detail"] == {"attribute": first["attribute"], "restored_from": first["id"]}
    assert restored["revertible"] is True and restored["job_id"] is None


async def test_a_publish_by_automation_is_listed_under_automation_and_reverted_by_the_revert_routes(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, clients: StoreClients
) -> None:
    site = new_site()
    products = await first_products(api, site, 3)
    store = await store_of(pool, site)
    client: StoreClient = clients.for_store(store)
    # A job automation made, published by automation.
    read = await client.get_products([p["id"] for p in products])
    enqueued = await enqueue(pool, store.id, read, (Attribute.SEO_DESCRIPTION,), actor=AUTOMATION)
    await drain(enqueued.job_id)
    async with pool.acquire() as conn:
        item_ids = [r["id"] for r in await conn.fetch("SELECT id FROM job_items WHERE job_id = $1", enqueued.job_id)]
    outcomes = await publishing.publish_items(pool, client, store_id=store.id, item_ids=item_ids, actor=AUTOMATION)
    published = [o.item_id for o in outcomes if o.status == "published"]
    assert len(published) >= 2, outcomes

    automated = await trail(api, site, actor="automation")
    robot = {"kind": "automation", "user_id": None}
    assert [e["action"] for e in automated] == ["published"] * len(published) + ["job_created"]
    assert all(e["actor"] == robot and e["job_id"] == enqueued.job_id for e in automated)
    assert all(e["revertible"] for e in automated[:-1])
    assert automated[-1]["job_revertible"] is True
    assert await trail(api, site, actor="owner") == [] and await trail(api, site, actor="webhook") == []

    # The owner reverts one entry automation published with the existing route.
    one = automated[0]
    res = await api.post(f"/api/publish-logs/{one['publish_log_id']}/revert", headers=site.headers)
    assert res.status_code == 200, res.text
    assert res.json()["reverted_by"] == {"kind": "owner", "user_id": uid(site)}
    [reverted] = await trail(api, site, actor="owner")
    assert (reverted["action"], reverted["publish_log_id"]) == ("reverted", one["publish_log_id"])
    assert not next(e for e in await trail(api, site, actor="automation") if e["id"] == one["id"])["revertible"]

    # …and the rest of the automated job as a whole.
    res = await api.post(f"/api/jobs/{enqueued.job_id}/revert", headers=site.headers)
    assert res.status_code == 200 and len(res.json()["reverted"]) == len(published) - 1, res.text
    automated = await trail(api, site, actor="automation")
    assert not any(e["revertible"] for e in automated) and automated[-1]["job_revertible"] is False
    assert len(await trail(api, site, actor="owner")) == len(published)


async def test_every_detail_is_stored_as_a_json_object(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    """What SQL reads of the trail (a report, a later migration) finds objects, not JSON text."""
    site = new_site()
    products = await first_products(api, site, 1)
    _, items = await job_of(api, drain, site, [products[0]["id"]], ["seo_description"])
    await publish(api, site, items)
    async with pool.acquire() as conn:
        kinds = await conn.fetch("SELECT action, jsonb_typeof(detail) AS kind FROM activity ORDER BY id")
    assert [(r["action"], r["kind"]) for r in kinds] == [("job_created", "object"), ("published", "object")]


async def take_changes(pool: asyncpg.Pool, clients: StoreClients) -> None:
    """The worker's automation step takes the store's product changes now, as once they settled."""
    async with pool.acquire() as conn:
        await conn.execute("UPDATE automation_changes SET due_at = now()")
    await automation.queue_changes(pool, clients, StepConfig())
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM automation_changes") == 0


async def test_a_product_change_is_one_webhook_entry_when_taken_and_a_replay_adds_none(
    api: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, clients: StoreClients
) -> None:
    site = new_site()
    await first_products(api, site, 1)  # the site installs the app on its first call
    cipher = TokenCipher(*settings.token_encryption_keys)

    def delivery(event_id: str, ids: tuple[str, ...], created: bool) -> ev.PlatformEvent:
        topic = "wix.stores.v3.product_created" if created else "wix.stores.v3.product_updated"
        return ev.PlatformEvent("wix", site.instance_id, event_id, topic, (ev.ProductsChanged(ids, created),))

    await apply(pool, cipher, delivery("d-1", ("prod-1",), True))
    await apply(pool, cipher, delivery("d-2", ("prod-1", "prod-2", "prod-2"), False))
    assert (await apply(pool, cipher, delivery("d-2", ("prod-1", "prod-2"), False))).status == "duplicate"
    assert await trail(api, site, actor="webhook") == []  # told when automation takes the changes

    await take_changes(pool, clients)
    webhook = {"kind": "webhook", "user_id": None}
    entries = await trail(api, site, actor="webhook")
    # One entry per product however many deliveries named it, the first delivery's event type.
    assert len(entries) == 2
    assert {e["product_id"]: (e["action"], e["actor"], e["detail"]) for e in entries} == {
        "prod-1": (
            "product_changed",
            webhook,
            {"created": True, "source": "wix.stores.v3.product_created", "changes": 2},
        ),
        "prod-2": (
            "product_changed",
            webhook,
            {"created": False, "source": "wix.stores.v3.product_updated", "changes": 1},
        ),
    }
    assert await trail(api, site) == entries


async def delivered(wix_sandbox: LoopbackServer, site: WixSite, n: int) -> list[dict[str, Any]]:
    """The site's first `n` webhook deliveries, once Wix has sent them and the app answered 200."""
    for _ in range(100):
        sent: list[dict[str, Any]] = httpx.get(
            f"{wix_sandbox.url}/_sandbox/webhook-deliveries", params={"store": site.instance_id}
        ).json()
        if len(sent) >= n:
            assert [d["status"] for d in sent] == [200] * len(sent), sent
            return sent
        await asyncio.sleep(0.1)
    raise AssertionError(f"{n} deliveries not sent within 10 s")


async def test_the_apps_own_publish_arriving_back_leaves_no_entry_and_the_owners_edit_leaves_one(
    drain: Drain,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    clients: StoreClients,
    web: LoopbackServer,
    wix_sandbox: LoopbackServer,
) -> None:
    site = new_site()
    httpx.put(f"{wix_sandbox.url}/_sandbox/app-webhooks", json={"url": f"{web.url}/webhooks/wix"}).raise_for_status()
    [product] = await first_products(api, site, 1)
    _, items = await job_of(api, drain, site, [product["id"]], ["seo_description", "title"])
    await publish(api, site, items)
    # Wix reports the app's own update of the product; automation takes it for what it is.
    [ours] = await delivered(wix_sandbox, site, 1)
    await take_changes(pool, clients)
    assert await trail(api, site, actor="webhook") == []

    # The owner renames the product in the Wix dashboard: the platform's report is on the trail.
    edited = httpx.patch(
        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{product['id']}",
        json={"name": "Renamed in the dashboard"},
    )
    edited.raise_for_status()
    [_, theirs] = await delivered(wix_sandbox, site, 2)
    assert theirs["topic"] == ours["topic"]
    await take_changes(pool, clients)
    [entry] = await trail(api, site, actor="webhook")
    assert (entry["action"], entry["product_id"]) == ("product_changed", product["id"])
    assert entry["detail"] == {"created": False, "source": theirs["topic"], "changes": 1}


async def test_another_stores_entries_never_show_and_pages_follow_next_before(
    drain: Drain, api: httpx.AsyncClient
) -> None:
    site, stranger = new_site(), new_site()
    for who in (site, stranger):
        products = await first_products(api, who, 2)
        _, items = await job_of(api, drain, who, [p["id"] for p in products], ["seo_description"])
        await publish(api, who, items)
    mine, theirs = await trail(api, site), await trail(api, stranger)
    assert mine and theirs and not {e["id"] for e in mine} & {e["id"] for e in theirs}
    # Paging from the other store's newest id still lists only this store's older entries.
    assert {e["id"] for e in await trail(api, site, before=max(e["id"] for e in theirs) + 1)} <= {e["id"] for e in mine}
    # Page by page, one entry at a time, the same entries in the same order.
    paged: Entries = []
    before: int | None = None
    while True:
        res = await api.get(
            "/api/activity", headers=site.headers, params={"limit": 1, **({"before": before} if before else {})}
        )
        page = res.json()
        paged += page["entries"]
        before = page["next_before"]
        if before is None:
            break
        assert len(paged) <= len(mine)
    assert [e["id"] for e in paged] == [e["id"] for e in mine]
    assert (await api.get("/api/activity", headers=new_site().headers)).json() == {"entries": [], "next_before": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"actor": "robot"}, "actor"),
        ({"actor": "OWNER"}, "actor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"before": "0"}, "before"),
        ({"before": "-3"}, "before"),
        ({"before": "99999999999999999999999"}, "before"),
    ],
)
async def test_bad_parameters_are_refused_with_a_422_naming_them(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    res = await api.get("/api/activity", headers=new_site().headers, params=params)
    assert res.status_code == 422, res.text
    error = res.json()["error"]
    assert error["code"] == "invalid_request" and error["field"] == field and field in error["message"]


async def test_the_trail_needs_a_verified_store(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/activity")).status_code == 401
