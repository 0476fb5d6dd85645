"""Near-duplicate descriptions: the `duplicate` filter and `duplicate_of` over a sandbox catalog
seeded with near copies (Wix and Shopify), the index following the store's changes and what the app
publishes and reverts, and a generated description that copies another product's refused and asked
again, failing with `duplicate_content` when the model keeps copying; real PostgreSQL, the
platform and LLM sandboxes over loopback HTTP."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import catalog
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.near_duplicates import jaccard, shingles
from optimizer_app.duplicates import ASK_AGAIN_NOTE
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced
from tests.integration import shopify_stack
from tests.integration.conftest import Drain, new_site
from tests.integration.test_catalog_query import all_pages, grant, store_id, wix_raw_products

# The app beside the Shopify sandbox (tests/integration/shopify_stack.py).
web_port, shopify_sandbox, settings, web = (
    shopify_stack.web_port,
    shopify_stack.shopify_sandbox,
    shopify_stack.settings,
    shopify_stack.web,
)
shop_session = shopify_stack.shop_session

SHIRT = (
    "<p>The Linen Shirt is cut from washed European linen, soft from the first wear and cool on warm "
    "days. A relaxed fit, a button-down collar and a curved hem that looks right tucked in or worn "
    "loose. Mother-of-pearl buttons, reinforced seams and a chest pocket for your glasses.</p>"
)
SHIRT_COPY = (
    SHIRT.replace("chest pocket", "breast pocket").replace("<p>", "<p><strong>").replace("</p>", "</strong></p>")
)
SHIRT_REWRITE = (
    "<p>Washed linen, cut loose and easy. This shirt keeps you cool when the day warms up, with pearl "
    "buttons, strong seams and a pocket on the chest.</p>"
)
ABAYA = (
    "<p>عباءة سوداء من الكريب الناعم بقصة واسعة وأكمام طويلة، مطرزة يدويا عند الأطراف، مناسبة للمناسبات "
    "والاستخدام اليومي، سهلة العناية وتغسل في الغسالة على درجة حرارة منخفضة.</p>"
)
# The same text written with diacritics and a tatweel, and one word changed.
ABAYA_COPY = (
    ABAYA.replace("سوداء", "سَوْدَاء")
    .replace("الناعم", "النــاعم")
    .replace("اليومي", "اليوميّ")
    .replace("منخفضة", "معتدلة")
)


async def resync(pool: asyncpg.Pool) -> None:
    """Make every store's catalog index due for a sync again."""
    async with pool.acquire() as conn:
        await conn.execute("UPDATE catalog_syncs SET synced_at = synced_at - interval '1 day'")


def check_against_exact_similarity(everything: list[dict[str, Any]], flagged: list[dict[str, Any]]) -> None:
    """The flagged products agree with the exact similarity of their words: every pair at 0.9 or
    more is found, nothing below 0.7 is, and duplicate_of is symmetric."""
    sets = {p["id"]: shingles(p["description_html"]) for p in everything}
    named = {p["id"]: set(p["duplicate_of"]) for p in flagged}
    for a, b in itertools.combinations(sets, 2):
        similarity = jaccard(sets[a], sets[b])
        if similarity >= 0.9:
            assert b in named.get(a, set()) or len(named.get(a, set())) == 5, (a, b, similarity)
        if b in named.get(a, set()):
            assert similarity >= 0.7 and a in named[b], (a, b, similarity)


async def test_near_duplicate_descriptions_across_a_wix_catalog(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    raw = wix_raw_products(wix_sandbox, site)
    shirt, shirt_copy, rewrite, abaya, abaya_copy = (p["id"] for p in raw[3:8])
    for pid, text in [
        (shirt, SHIRT),
        (shirt_copy, SHIRT_COPY),
        (rewrite, SHIRT_REWRITE),
        (abaya, ABAYA),
        (abaya_copy, ABAYA_COPY),
    ]:
        httpx.patch(
            f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{pid}", json={"plainDescription": text}
        ).raise_for_status()

    flagged = await all_pages(api, site.headers, {"duplicate": "true", "limit": 40})
    unflagged = await all_pages(api, site.headers, {"duplicate": "false"})
    by_id = {p["id"]: p for p in flagged}
    assert {shirt, shirt_copy, abaya, abaya_copy} <= set(by_id) and rewrite not in by_id
    assert by_id[shirt]["duplicate_of"][0] == shirt_copy and by_id[shirt_copy]["duplicate_of"][0] == shirt
    assert by_id[abaya]["duplicate_of"][0] == abaya_copy
    assert all(p["duplicate_of"] for p in flagged) and all(p["duplicate_of"] == [] for p in unflagged)
    assert len(flagged) + len(unflagged) == len(raw) and not set(by_id) & {p["id"] for p in unflagged}
    check_against_exact_similarity(flagged + unflagged, flagged)
    # The platform's own pages name them too, from the index.
    first_page = (await api.get("/api/products", headers=site.headers, params={"limit": 10})).json()
    assert {p["id"]: p["duplicate_of"] for p in first_page["products"]}[shirt] == by_id[shirt]["duplicate_of"]

    # Combined with another filter, and as a job's filter: the same products.
    both = await all_pages(api, site.headers, {"duplicate": "true", "q": "linen"})
    assert {shirt, shirt_copy} <= {p["id"] for p in both} <= set(by_id)
    estimate = await api.post(
        "/api/jobs/estimate",
        headers=site.headers,
        json={"source_scope": "query", "query": {"duplicate": True}, "attributes": ["description"]},
    )
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["products"] == len(flagged)

    # The owner rewrites the copy in Wix: at the next sync neither is a duplicate any more.
    httpx.patch(
        f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{shirt_copy}",
        json={"plainDescription": "<p>A short sleeved shirt in blue cotton poplin, for hot city days.</p>"},
    ).raise_for_status()
    await resync(pool)
    again = {p["id"] for p in await all_pages(api, site.headers, {"duplicate": "true"})}
    assert shirt not in again and shirt_copy not in again and {abaya, abaya_copy} <= again
    # A product that leaves the store takes its pairs with it.
    httpx.delete(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{abaya_copy}")
    await resync(pool)
    again = {p["id"] for p in await all_pages(api, site.headers, {"duplicate": "true"})}
    assert abaya not in again
    audit = await catalog.audit(pool, await store_id(pool, site.instance_id))
    assert len(audit) == len(raw) - 1 and {e.product_id for e in audit if e.duplicate_of} == again
    assert all(e.missing == tuple(Attribute(a) for a in (e.missing)) for e in audit)

    # Another store sees only its own catalog's duplicates.
    stranger = new_site()
    theirs = {p["id"] for p in await all_pages(api, stranger.headers, {"duplicate": "true"})}
    assert shirt not in theirs and abaya not in theirs


@pytest.mark.parametrize(
    ("params", "complaint"),
    [({"duplicate": "maybe"}, "duplicate must be true or false"), ({"duplicate": "1", "missing": "x"}, "unknown")],
)
async def test_a_bad_duplicate_filter_is_refused_in_one_sentence(
    api: httpx.AsyncClient, params: dict[str, str], complaint: str
) -> None:
    site = new_site()
    res = await api.get("/api/products", headers=site.headers, params=params)
    assert res.status_code == 400 and complaint in res.json()["error"]["message"]
    job = await api.post(
        "/api/jobs/estimate",
        headers=site.headers,
        json={"source_scope": "query", "query": {"duplicate": "yes"}, "attributes": ["title"]},
    )
    assert job.status_code in (400, 422) and "query.duplicate must be true or false" in job.json()["error"]["message"]


def shopify_number(gid: str) -> str:
    return gid.rsplit("/", 1)[1]


async def test_a_copied_description_is_refused_asked_again_and_fails_when_the_model_keeps_copying(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    drain: Drain,
    shopify_sandbox: LoopbackServer,
    llm_sandbox: LoopbackServer,
) -> None:
    shop = f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"
    headers = shop_session(shop)
    await api.get("/api/me", headers=headers)
    await grant(pool, shop, 100)
    products = (await api.get("/api/products", headers=headers, params={"limit": 10})).json()["products"]
    original, careless, stubborn = products[0], products[1], products[2]
    httpx.patch(
        f"{shopify_sandbox.url}/_sandbox/shops/{shop}/products/{shopify_number(original['id'])}",
        json={"descriptionHtml": SHIRT},
    ).raise_for_status()
    before = {p["id"] for p in await all_pages(api, headers, {"duplicate": "true"})}  # the index is read
    assert original["id"] not in before

    # The first answer copies the shirt's description; asked again, the model writes its own.
    scripted = {careless["title"]: [{"description": SHIRT_COPY}], stubborn["title"]: [{"description": SHIRT_COPY}] * 12}
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"scripted_answers": scripted}).raise_for_status()
    created = await api.post(
        "/api/jobs",
        headers=headers,
        json={
            "source_scope": "products",
            "source_ids": [careless["id"], stubborn["id"]],
            "attributes": ["description", "seo_title"],
        },
    )
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    job = await drain(job_id)
    assert job["status"] == "DONE_WITH_FAILURES"
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=headers)).json()["items"]
    by_key = {(i["product_id"], i["attribute"]): i for i in items}

    rewritten = by_key[(careless["id"], "description")]
    assert rewritten["status"] == "DONE" and rewritten["attempts"] == 1
    assert jaccard(shingles(rewritten["after"]), shingles(SHIRT)) < 0.5
    prompts = [
        r["messages"][-1]["content"] for r in httpx.get(f"{llm_sandbox.url}/_sandbox/requests").json()["requests"]
    ]
    asked_again = [p for p in prompts if careless["title"] in p and ASK_AGAIN_NOTE in p]
    assert len(asked_again) == 1 and "breast pocket" in asked_again[0]  # the draft set aside is shown

    refused = by_key[(stubborn["id"], "description")]
    assert refused["status"] == "FAILED" and refused["reason"] == "duplicate_content"
    assert f"the description of '{original['title']}'" in refused["error"]
    assert refused["attempts"] == 4  # each attempt asked twice: the queue's retries, then the failure
    assert by_key[(stubborn["id"], "seo_title")]["status"] == "DONE"
    await assert_ledger_balanced(pool, await store_id(pool, shop))

    # The owner's own copy is theirs to publish; the index follows what the app writes and reverts.
    edited = await api.patch(f"/api/items/{rewritten['id']}", headers=headers, json={"after": SHIRT_COPY})
    assert edited.status_code == 200, edited.text
    published = await api.post("/api/publish", headers=headers, json={"item_ids": [rewritten["id"]]})
    assert published.json()["counts"] == {"published": 1}
    now = {p["id"]: p for p in await all_pages(api, headers, {"duplicate": "true"})}
    assert now[careless["id"]]["duplicate_of"] == [original["id"]] and now[original["id"]]["duplicate_of"] == [
        careless["id"]
    ]
    reverted = await api.post(f"/api/jobs/{job_id}/revert", headers=headers, json={})
    assert reverted.status_code == 200, reverted.text
    after_revert = {p["id"] for p in await all_pages(api, headers, {"duplicate": "true"})}
    assert careless["id"] not in after_revert and original["id"] not in after_revert
