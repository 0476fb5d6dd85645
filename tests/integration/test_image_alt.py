"""Image alt text on all four platforms through the web API and the sandboxes: the product's
images read, one credit per product, one alt text per image written by the worker, published
through each platform's media API, shown per image, reverted; the model shown the pictures when
vision is on; refused on a Wix Catalog V1 site; bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app.domain import image_alt
from optimizer_app.llm.images import ImageFetcher
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.outbound import OutboundPolicy
from optimizer_app.worker import Worker
from optimizer_sandbox import images
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced, quick_worker_config, wait_for_job
from tests.integration.all_platforms import SALLA_MERCHANT, AllPlatforms
from tests.integration.automation_stack import PLATFORMS, Caller, api, platforms, sign_in
from tests.integration.conftest import new_site

__all__ = ["api", "platforms"]


def store_alts(platforms: AllPlatforms, wix: LoopbackServer, caller: Caller, product_id: str) -> dict[str, str]:
    """{image id as the app names it: alt text} as the sandbox store holds them."""
    if caller.platform == "wix":
        raw = httpx.get(f"{wix.url}/_sandbox/instances/{caller.external_id}/products/{product_id}").json()
        return {i["id"]: i.get("altText") or "" for i in raw["product"]["media"]["items"]}
    if caller.platform == "shopify":
        number = product_id.rsplit("/", 1)[1]
        raw = httpx.get(f"{platforms.shopify.url}/_sandbox/shops/{platforms.shop}/products/{number}").json()
        return {f"gid://shopify/MediaImage/{m['id']}": m["alt"] for m in raw["product"]["media"]}
    if caller.platform == "salla":
        raw = httpx.get(f"{platforms.salla.url}/_sandbox/merchants/{SALLA_MERCHANT}/products/{product_id}").json()
        return {str(i["id"]): i["alt"] for i in raw["product"]["images"]}
    raw = httpx.get(f"{platforms.woo.url}/_sandbox/products/{product_id}").json()
    return {str(a["id"]): a["alt"] for a in raw["attachments"]}


async def run_worker(pool: asyncpg.Pool, provider: OpenAIProvider, job_id: int) -> asyncpg.Record:
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, provider, quick_worker_config()).run(stop))
    try:
        return await wait_for_job(pool, job_id)
    finally:
        stop.set()
        await task
        await provider.aclose()


async def two_image_product(api: httpx.AsyncClient, caller: Caller) -> str:
    """A product of the store's first page; Wix, Salla and WooCommerce list its images."""
    products = (await api.get("/api/products", params={"limit": 10}, headers=caller.headers)).json()["products"]
    assert products
    return str(products[1]["id"])


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_alt_text_is_read_written_published_and_reverted(
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    llm_sandbox: LoopbackServer,
    wix_sandbox: LoopbackServer,
    platform: str,
) -> None:
    caller = await sign_in(platforms, api, platform)
    product_id = await two_image_product(api, caller)
    before = store_alts(platforms, wix_sandbox, caller, product_id)
    assert before and set(before.values()) == {""}
    remaining = (await api.get("/api/me", headers=caller.headers)).json()["credits"]["remaining"]

    body = {"source_scope": "products", "source_ids": [product_id], "attributes": ["image_alt", "title"]}
    estimate = (await api.post("/api/jobs/estimate", json=body, headers=caller.headers)).json()
    assert estimate["credits"] == 2  # one for the title, one for every image's alt text
    created = await api.post("/api/jobs", json=body, headers=caller.headers)
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    assert created.json()["credits_charged"] == 2
    assert created.json()["credits_remaining"] == remaining - 2

    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini")
    job = await run_worker(pool, provider, job_id)
    assert job["status"] == "DONE"

    items = (await api.get(f"/api/jobs/{job_id}/items", headers=caller.headers)).json()["items"]
    (item,) = [i for i in items if i["attribute"] == "image_alt"]
    assert [i["image_id"] for i in item["images"]] == list(before)
    assert all(i["url"].startswith("http://127.0.0.1:") for i in item["images"])
    assert image_alt.by_image(item["before"]) == before
    after = image_alt.by_image(item["after"])
    assert list(after) == list(before) and all(after.values()), after
    assert all(len(alt) <= 125 for alt in after.values())
    # The pictures the app lists are served: real PNG bytes on loopback.
    picture = httpx.get(item["images"][0]["url"])
    assert picture.headers["content-type"] == "image/png" and picture.content.startswith(b"\x89PNG")

    published = await api.post("/api/publish", json={"item_ids": [i["id"] for i in items]}, headers=caller.headers)
    assert published.json()["counts"] == {"published": 2}, published.text
    assert store_alts(platforms, wix_sandbox, caller, product_id) == after

    logs = (await api.get("/api/publish-logs", headers=caller.headers)).json()["logs"]
    (log,) = [entry for entry in logs if entry["attribute"] == "image_alt"]
    assert image_alt.by_image(log["old_value"]) == before and image_alt.by_image(log["new_value"]) == after

    reverted = await api.post(f"/api/publish-logs/{log['id']}/revert", headers=caller.headers)
    assert reverted.status_code == 200, reverted.text
    assert store_alts(platforms, wix_sandbox, caller, product_id) == before
    await assert_ledger_balanced(pool, caller.store_id)


async def test_a_vision_model_is_shown_each_picture(
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    llm_sandbox: LoopbackServer,
    wix_sandbox: LoopbackServer,
) -> None:
    caller = await sign_in(platforms, api, "woocommerce")
    product_id = await two_image_product(api, caller)
    body = {"source_scope": "products", "source_ids": [product_id], "attributes": ["image_alt"]}
    job_id = (await api.post("/api/jobs", json=body, headers=caller.headers)).json()["job_id"]

    fetcher = ImageFetcher(OutboundPolicy(https_only=False, allow_private=True))
    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini", images=fetcher)
    assert (await run_worker(pool, provider, job_id))["status"] == "DONE"

    (item,) = (await api.get(f"/api/jobs/{job_id}/items", headers=caller.headers)).json()["items"]
    after = image_alt.by_image(item["after"])
    # Each alt text names the colour of its own picture, which only the picture shows.
    for picture in item["images"]:
        colour = images.describe(httpx.get(picture["url"]).content)
        assert colour and colour in after[picture["image_id"]], (colour, after)

    asked = httpx.get(f"{llm_sandbox.url}/_sandbox/requests").json()["requests"][-1]
    parts = asked["messages"][-1]["content"]
    pictures = [p for p in parts if p["type"] == "image_url"]
    assert len(pictures) == len(item["images"])
    assert all(p["image_url"]["detail"] == "low" for p in pictures)
    assert all(p["image_url"]["url"].startswith("data:image/png;base64,") for p in pictures)
    assert [p["text"] for p in parts if p["type"] == "text"][1:] == [f"image_{n}:" for n in range(1, len(pictures) + 1)]


async def test_the_sandbox_llm_refuses_a_part_that_is_not_a_picture(llm_sandbox: LoopbackServer) -> None:
    bad = {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8=", "detail": "low"}}
    res = httpx.post(
        f"{llm_sandbox.url}/v1/chat/completions",
        headers={"Authorization": "Bearer sandbox"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, bad]}]},
    )
    assert res.status_code == 400
    assert "unsupported image" in res.json()["error"]["message"]


async def test_alt_text_is_unpublishable_on_a_wix_catalog_v1_site(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    httpx.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"catalogVersion": "V1_CATALOG"})
    products = (await api.get("/api/products", headers=site.headers)).json()["products"]
    me = (await api.get("/api/me", headers=site.headers)).json()
    assert me["store"]["unpublishable_fields"] == {"image_alt": "wix_catalog_v1"}
    body: dict[str, Any] = {"source_scope": "products", "source_ids": [products[0]["id"]], "attributes": ["image_alt"]}
    for path in ("/api/jobs", "/api/jobs/estimate"):
        res = await api.post(path, json=body, headers=site.headers)
        assert res.status_code == 422, res.text
        error = res.json()["error"]
        assert error["reason"] == "wix_catalog_v1" and error["fields"] == ["image_alt"]
        assert "alt text cannot be published" in error["message"]
    after = (await api.get("/api/me", headers=site.headers)).json()["credits"]
    assert after == me["credits"]  # nothing charged


async def test_alt_text_is_refused_before_the_catalog_version_is_known(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    httpx.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"catalogVersion": "V1_CATALOG"})
    body = {"source_scope": "products", "source_ids": ["any"], "attributes": ["image_alt"]}
    res = await api.post("/api/jobs", json=body, headers=site.headers)
    assert res.status_code == 422 and res.json()["error"]["reason"] == "wix_catalog_v1"


async def test_an_owner_edit_of_alt_text_is_checked(
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    llm_sandbox: LoopbackServer,
    wix_sandbox: LoopbackServer,
) -> None:
    caller = await sign_in(platforms, api, "wix")
    product_id = await two_image_product(api, caller)
    body = {"source_scope": "products", "source_ids": [product_id], "attributes": ["image_alt"]}
    job_id = (await api.post("/api/jobs", json=body, headers=caller.headers)).json()["job_id"]
    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini")
    await run_worker(pool, provider, job_id)
    (item,) = (await api.get(f"/api/jobs/{job_id}/items", headers=caller.headers)).json()["items"]
    ids = [i["image_id"] for i in item["images"]]

    async def edit(after: object) -> httpx.Response:
        return await api.patch(f"/api/items/{item['id']}", json={"after": after}, headers=caller.headers)

    for bad in (
        "not json",
        [{"image_id": ids[0], "alt": "One"}] * 2,  # an image named twice
        [{"image_id": "someone-elses", "alt": "x"} for _ in ids],  # images the product does not have
        [{"image_id": i, "alt": "  "} for i in ids],  # empty
        [{"image_id": i, "alt": "x" * 126} for i in ids],  # over 125 characters
        {"image_id": ids[0]},
    ):
        res = await edit(bad)
        assert res.status_code == 422, (bad, res.text)
        assert res.json()["error"]["message"].startswith("This value cannot be used")
    good = [{"image_id": i, "alt": f"Front <b>view</b> {n}"} for n, i in enumerate(ids, start=1)]
    res = await edit(good)
    assert res.status_code == 200, res.text
    assert image_alt.decode(res.json()["after"])[0].alt == "Front view 1"


async def test_another_stores_alt_text_item_is_not_found(
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    llm_sandbox: LoopbackServer,
) -> None:
    owner = await sign_in(platforms, api, "woocommerce")
    product_id = await two_image_product(api, owner)
    body = {"source_scope": "products", "source_ids": [product_id], "attributes": ["image_alt"]}
    job_id = (await api.post("/api/jobs", json=body, headers=owner.headers)).json()["job_id"]
    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini")
    await run_worker(pool, provider, job_id)
    (item,) = (await api.get(f"/api/jobs/{job_id}/items", headers=owner.headers)).json()["items"]
    stranger = await sign_in(platforms, api, "wix")
    res = await api.patch(f"/api/items/{item['id']}", json={"after": item["after"]}, headers=stranger.headers)
    assert res.status_code == 404
    res = await api.get(f"/api/jobs/{job_id}/items", headers=stranger.headers)
    assert res.status_code == 404
