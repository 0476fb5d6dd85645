"""Reviewing at speed and undoing anything, through the web API on the Wix sandbox and the sandbox
LLM: "no change needed" as a neutral, refunded outcome; accept, reject and take back; a field
written again with a note the model reads; review filters; publishing that skips what the owner set
aside; reverting a whole job or a selection, where values changed in the store since are listed and
left alone unless forced. Bad input and another store's ids are refused."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import publishing, stores
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.jobs import MAX_NOTE_CHARS
from optimizer_app.domain.products import Product
from optimizer_app.platforms.wix import WixClient
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced
from tests.integration.conftest import Drain, WixSite, new_site
from tests.integration.test_api_wix import first_products, sandbox_product

Items = list[dict[str, Any]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A review is many small calls in a row; the per-store API limit has its own tests.
    return replace(settings, api_rate_limit_per_minute=0)


async def job_of(
    api: httpx.AsyncClient, drain: Drain, site: WixSite, product_ids: list[str], attributes: list[str]
) -> tuple[int, Items]:
    created = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "products", "source_ids": product_ids, "attributes": attributes},
    )
    assert created.status_code == 201, created.text
    job_id: int = created.json()["job_id"]
    await drain(job_id)
    return job_id, await items_of(api, site, job_id)


async def items_of(api: httpx.AsyncClient, site: WixSite, job_id: int, **params: Any) -> Items:
    res = await api.get(f"/api/jobs/{job_id}/items", headers=site.headers, params=params)
    assert res.status_code == 200, res.text
    items: Items = res.json()["items"]
    return items


async def review(api: httpx.AsyncClient, site: WixSite, item_id: int, decision: str) -> httpx.Response:
    return await api.post(f"/api/items/{item_id}/review", headers=site.headers, json={"decision": decision})


async def ledger(pool: asyncpg.Pool, job_id: int) -> Counter[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, delta FROM credit_ledger WHERE job_id = $1", job_id)
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r["reason"]] += r["delta"]
    return totals


async def store_id(api: httpx.AsyncClient, site: WixSite) -> int:
    value: int = (await api.get("/api/me", headers=site.headers)).json()["store"]["id"]
    return value


async def test_no_change_needed_is_done_refunded_and_never_published(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    products = await first_products(api, site, 2)
    # The model's first answer gives the current title back: nothing to improve there.
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"faults": ["unchanged"]}).raise_for_status()
    job_id, items = await job_of(api, drain, site, [p["id"] for p in products], ["title"])

    job = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert (job["status"], job["counts"]["done"], job["counts"]["failed"], job["credits_refunded"]) == ("DONE", 2, 0, 1)
    [kept] = [i for i in items if i["review_state"] == "NO_CHANGE"]
    assert (kept["status"], kept["after"], kept["reason"], kept["error"]) == ("DONE", kept["before"], None, None)
    assert await items_of(api, site, job_id, state="no_change") == [kept]
    assert await ledger(pool, job_id) == Counter({"job_charge": -2, "no_change": 1})

    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    statuses = {r["item_id"]: r["status"] for r in published.json()["results"]}
    assert statuses[kept["id"]] == "no_change"
    assert sorted(statuses.values()) == ["no_change", "published"]
    refused = await review(api, site, kept["id"], "accept")
    assert refused.status_code == 409 and refused.json()["error"]["reason"] == "no_change"
    await assert_ledger_balanced(pool, await store_id(api, site))


async def test_rejected_fields_are_skipped_by_publish_all_and_flagged_ones_wait_for_a_decision(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    products = await first_products(api, site, 3)
    job_id, items = await job_of(api, drain, site, [p["id"] for p in products], ["title", "seo_description"])
    assert all(i["product_image_url"] for i in items) and {i["regenerations"] for i in items} == {0}
    assert all(set(i) >= {"product_url", "note"} for i in items)
    by_key = {(i["product_id"], i["attribute"]): i for i in items}
    rejected = by_key[(products[0]["id"], "title")]
    flagged = by_key[(products[1]["id"], "title")]
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE job_items SET flags = '[\"number not in the product data: 40 %\"]'::jsonb WHERE id = $1",
            flagged["id"],
        )

    answer = await review(api, site, rejected["id"], "reject")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["id"], answer.json()["review_state"], answer.json()["after"]) == (
        rejected["id"], "REJECTED", rejected["after"],
    )  # fmt: skip
    assert (await review(api, site, rejected["id"], "reset")).json()["review_state"] == "NEW"
    assert (await review(api, site, rejected["id"], "reject")).json()["review_state"] == "REJECTED"

    assert [i["id"] for i in await items_of(api, site, job_id, state="rejected")] == [rejected["id"]]
    assert [i["id"] for i in await items_of(api, site, job_id, state="flagged")] == [flagged["id"]]
    ready = await items_of(api, site, job_id, state="ready", attribute="title")
    assert [i["id"] for i in ready] == [by_key[(products[2]["id"], "title")]["id"]]
    both = await items_of(api, site, job_id, state=["rejected", "flagged"])
    assert [i["id"] for i in both] == sorted([rejected["id"], flagged["id"]])
    assert [i["id"] for i in await items_of(api, site, job_id, state="rejected,flagged")] == [i["id"] for i in both]
    assert len(await items_of(api, site, job_id, attribute="seo_description")) == 3

    everything = [i["id"] for i in items]
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": everything})
    assert published.status_code == 200, published.text
    outcome = {r["item_id"]: r for r in published.json()["results"]}
    assert outcome[rejected["id"]]["status"] == "rejected" and outcome[rejected["id"]]["message"]
    assert outcome[flagged["id"]]["status"] == "needs_review"
    assert published.json()["counts"] == {"published": 4, "rejected": 1, "needs_review": 1}
    assert sandbox_product(wix_sandbox, site.instance_id, products[0]["id"])["name"] == rejected["before"]

    assert (await review(api, site, flagged["id"], "accept")).json()["review_state"] == "ACCEPTED"
    again = await api.post("/api/publish", headers=site.headers, json={"item_ids": everything})
    assert Counter(r["status"] for r in again.json()["results"]) == Counter(
        {"already_published": 4, "published": 1, "rejected": 1}
    )
    assert sandbox_product(wix_sandbox, site.instance_id, products[1]["id"])["name"] == flagged["after"]
    assert {i["id"] for i in await items_of(api, site, job_id, state="published")} == set(everything) - {rejected["id"]}
    late = await review(api, site, flagged["id"], "reject")
    assert late.status_code == 409 and late.json()["error"]["reason"] == "published"


async def test_an_edited_field_returns_to_edited_when_a_decision_is_taken_back(
    drain: Drain, api: httpx.AsyncClient
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    _, [item] = await job_of(api, drain, site, [product["id"]], ["title"])
    edited = await api.patch(f"/api/items/{item['id']}", headers=site.headers, json={"after": "Linen shirt, relaxed"})
    assert edited.status_code == 200, edited.text
    assert (await review(api, site, item["id"], "reject")).json()["review_state"] == "REJECTED"
    back = (await review(api, site, item["id"], "reset")).json()
    assert (back["review_state"], back["after"]) == ("EDITED", "Linen shirt, relaxed")


async def test_a_field_written_again_takes_a_credit_and_the_note_reaches_the_model(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    job_id, [item] = await job_of(api, drain, site, [product["id"]], ["seo_title"])
    before = (await api.get("/api/me", headers=site.headers)).json()["credits"]["remaining"]

    asked = await api.post(
        f"/api/items/{item['id']}/regenerate", headers=site.headers, json={"note": "  shorter, and name the fabric  "}
    )
    assert asked.status_code == 202, asked.text
    queued = asked.json()
    assert (queued["id"], queued["status"], queued["note"], queued["regenerations"]) == (
        item["id"], "PENDING", "shorter, and name the fabric", 1,
    )  # fmt: skip
    assert queued["credits_remaining"] == before - 1
    running = await api.post(f"/api/items/{item['id']}/regenerate", headers=site.headers)
    assert running.status_code == 409 and running.json()["error"]["reason"] == "running"
    assert (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()["status"] == "RUNNING"

    await drain(job_id)
    [again] = await items_of(api, site, job_id)
    assert (again["status"], again["review_state"], again["regenerations"]) == ("DONE", "NEW", 1)
    assert again["after"] and again["after"] != item["after"]
    prompt = httpx.get(f"{llm_sandbox.url}/_sandbox/requests").json()["requests"][-1]["messages"][-1]["content"]
    assert json.dumps({"seo_title": "shorter, and name the fabric"}) in prompt
    assert json.dumps({"seo_title": item["after"]}, ensure_ascii=False) in prompt
    assert (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()["status"] == "DONE"
    assert await ledger(pool, job_id) == Counter({"job_charge": -1, "regenerate": -1})
    await assert_ledger_balanced(pool, await store_id(api, site))


async def test_reverting_a_job_lists_what_changed_in_the_store_and_force_overwrites_it(
    drain: Drain, api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    products = await first_products(api, site, 2)
    originals = {p["id"]: sandbox_product(wix_sandbox, site.instance_id, p["id"]) for p in products}
    job_id, items = await job_of(api, drain, site, [p["id"] for p in products], ["title", "seo_title"])
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    assert {r["status"] for r in published.json()["results"]} == {"published"}
    edited = products[0]["id"]
    # The owner renames the first product in the Wix dashboard after the app published its title.
    httpx.patch(
        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{edited}", json={"name": "Owner's own name"}
    ).raise_for_status()

    def requests() -> Counter[str]:
        return Counter(httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"])

    seen = requests()
    res = await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers)
    assert res.status_code == 200, res.text
    report = res.json()
    calls = requests() - seen
    # One read of both products and one write of both, not a call per field.
    assert calls == Counter({"/stores/v3/products/query": 1, "/stores/v3/bulk/products/update": 1}), calls
    assert len(report["reverted"]) == 3 and report["failed"] == []
    [changed] = report["changed_in_store"]
    assert (changed["product_id"], changed["attribute"], changed["current_value"]) == (
        edited, "title", "Owner's own name",
    )  # fmt: skip
    assert all(log["reverted_at"] for log in report["reverted"])
    assert sandbox_product(wix_sandbox, site.instance_id, edited)["name"] == "Owner's own name"
    other = sandbox_product(wix_sandbox, site.instance_id, products[1]["id"])
    assert other["name"] == originals[products[1]["id"]]["name"]
    states = Counter(i["review_state"] for i in await items_of(api, site, job_id))
    assert states == Counter({"REVERTED": 3, "PUBLISHED": 1})

    twice = (await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers)).json()
    assert (twice["reverted"], twice["failed"], [c["id"] for c in twice["changed_in_store"]]) == (
        [],
        [],
        [changed["id"]],
    )
    forced = (await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers, json={"force": True})).json()
    assert [log["id"] for log in forced["reverted"]] == [changed["id"]] and forced["changed_in_store"] == []
    assert sandbox_product(wix_sandbox, site.instance_id, edited)["name"] == originals[edited]["name"]
    done = (await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers)).json()
    assert done == {"reverted": [], "changed_in_store": [], "failed": []}


async def test_a_field_changed_while_its_revert_is_written_is_checked_again_and_left_alone(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer, settings: Settings
) -> None:
    site = new_site()
    [product] = await first_products(api, site, 1)
    job_id, items = await job_of(api, drain, site, [product["id"]], ["title"])
    await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})

    class OwnerRenamesMeanwhile(WixClient):
        """The owner renames the product in the Wix dashboard right after the revert first reads it."""

        edited = False

        async def get_products(self, product_ids: Sequence[str]) -> list[Product]:
            found = await super().get_products(product_ids)
            if not self.edited:
                self.edited = True
                httpx.patch(
                    f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{product['id']}",
                    json={"name": "Renamed during the revert"},
                ).raise_for_status()
            return found

    async with pool.acquire() as conn:
        store = await stores.find(conn, "wix", site.instance_id)
    assert store is not None
    async with httpx.AsyncClient() as http:
        plain = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http).for_store(store)
        assert isinstance(plain, WixClient)
        client = OwnerRenamesMeanwhile(api_base=plain.api_base, tokens=plain.tokens, http=http)
        report = await publishing.revert_job(pool, client, store_id=store.id, job_id=job_id)
    assert client.edited and report.reverted == [] and report.failed == []
    assert [c["current_value"] for c in report.changed_in_store] == ["Renamed during the revert"]
    assert sandbox_product(wix_sandbox, site.instance_id, product["id"])["name"] == "Renamed during the revert"


async def test_reverting_a_selection_is_idempotent_and_lists_ids_it_does_not_know(
    drain: Drain, api: httpx.AsyncClient
) -> None:
    site, stranger = new_site(), new_site()
    products = await first_products(api, site, 2)
    _, items = await job_of(api, drain, site, [p["id"] for p in products], ["seo_description"])
    await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    logs = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"]
    [theirs] = await first_products(api, stranger, 1)
    _, [their_item] = await job_of(api, drain, stranger, [theirs["id"]], ["seo_description"])
    await api.post("/api/publish", headers=stranger.headers, json={"item_ids": [their_item["id"]]})
    [their_log] = (await api.get("/api/publish-logs", headers=stranger.headers)).json()["logs"]

    selection = [logs[0]["id"], their_log["id"], 987654321]
    res = await api.post("/api/publish-logs/revert", headers=site.headers, json={"log_ids": selection})
    assert res.status_code == 200, res.text
    report = res.json()
    assert [log["id"] for log in report["reverted"]] == [logs[0]["id"]] and report["changed_in_store"] == []
    assert [(f["id"], bool(f["error"])) for f in report["failed"]] == [(their_log["id"], True), (987654321, True)]
    listed = {p["id"]: p for p in await first_products(api, site, 2)}
    assert listed[logs[0]["product_id"]]["seo_description"] == logs[0]["old_value"]
    assert listed[logs[1]["product_id"]]["seo_description"] == logs[1]["new_value"]
    again = await api.post(
        "/api/publish-logs/revert", headers=site.headers, json={"log_ids": [logs[0]["id"], logs[1]["id"]]}
    )
    assert sorted(log["id"] for log in again.json()["reverted"]) == sorted(log["id"] for log in logs)
    # Another store's entry stays published; asking for only ids this store does not have is a 404.
    assert (await api.get("/api/publish-logs", headers=stranger.headers)).json()["logs"][0]["reverted_at"] is None
    nothing = await api.post("/api/publish-logs/revert", headers=site.headers, json={"log_ids": [their_log["id"]]})
    assert nothing.status_code == 404


async def test_bad_review_input_and_another_stores_ids_are_refused(drain: Drain, api: httpx.AsyncClient) -> None:
    site, stranger = new_site(), new_site()
    [product] = await first_products(api, site, 1)
    job_id, [item] = await job_of(api, drain, site, [product["id"]], ["title"])
    await first_products(api, stranger, 1)
    item_url = f"/api/items/{item['id']}"

    def refused(res: httpx.Response, status: int, code: str) -> None:
        assert res.status_code == status, (res.request.url, res.text)
        assert res.json()["error"]["code"] == code and res.json()["error"]["message"]

    decisions: list[dict[str, Any]] = [{"decision": "maybe"}, {"decision": 1}, {}]
    for body in decisions:
        refused(await api.post(f"{item_url}/review", headers=site.headers, json=body), 422, "invalid_request")
    refused(await api.post(f"{item_url}/review", headers=site.headers), 400, "malformed_request")
    notes: list[dict[str, Any]] = [{"note": "x" * (MAX_NOTE_CHARS + 1)}, {"note": 5}]
    for body in notes:
        refused(await api.post(f"{item_url}/regenerate", headers=site.headers, json=body), 422, "invalid_request")
    for params in ({"state": "shiny"}, {"attribute": "colour"}, {"state": "ready,shiny"}):
        refused(await api.get(f"/api/jobs/{job_id}/items", headers=site.headers, params=params), 422, "invalid_request")
    selections: list[dict[str, Any]] = [
        {"log_ids": []}, {"log_ids": ["1"]}, {"log_ids": [True]}, {"log_ids": list(range(1, 502))},
    ]  # fmt: skip
    for body in selections:
        refused(await api.post("/api/publish-logs/revert", headers=site.headers, json=body), 422, "invalid_request")
    refused(
        await api.post("/api/publish-logs/revert", headers=site.headers, json={"log_ids": [1], "force": "yes"}),
        422,
        "invalid_request",
    )
    bad_force = await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers, json={"force": 1})
    refused(bad_force, 422, "invalid_request")

    foreign: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"{item_url}/review", {"decision": "accept"}),
        ("POST", f"{item_url}/regenerate", {"note": "shorter"}),
        ("POST", f"/api/jobs/{job_id}/revert", None),
        ("GET", f"/api/jobs/{job_id}/items?state=ready", None),
    ]
    for method, url, payload in foreign:
        refused(await api.request(method, url, headers=stranger.headers, json=payload), 404, "not_found")
    # Nothing moved for the owner: the item is as it was.
    [unchanged] = await items_of(api, site, job_id)
    assert (unchanged["review_state"], unchanged["regenerations"]) == ("NEW", 0)
