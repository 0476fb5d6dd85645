"""The Activity section as the store's audit trail, in a real browser: the owner's job and publish,
a job automation made and published, and a product change the platform reported, each listed with
who did it; the filter by actor; an entry automation published reverted after the store's value is
checked, and the rest of the automated job reverted as a whole after a confirmation. In English and
Arabic, at desktop and phone width; no console error, nothing scrolls sideways."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from optimizer_app import automation, publishing, stores
from optimizer_app.automation import StepConfig
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.history import Actor, ActorKind
from optimizer_app.store_events import events as ev
from optimizer_app.store_events.applier import apply
from tests.e2e.conftest import Browser, Stack, StartWorker, web_settings
from tests.e2e.results_steps import finished_job, items_of, no_sideways_scroll
from tests.e2e.steps import shot
from tests.factories import enqueue
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET, WixSite, new_site

AUTOMATION = Actor(ActorKind.AUTOMATION)

WORDS = {
    "en": {
        "filter": "Show what was done by",
        "all": "All",
        "me": "Me",
        "automation": "Automation",
        "platform": "Platform",
        "you": "You",
        "revert": "Revert",
        "revert_job": "Revert this automated job",
        "reverted_badge": "Reverted",
        "changed_back": "changed back in your store.",
        "fields_back": "1 field changed back in your store.",
        "new_product": "Reported a new product",
    },
    "ar": {
        "filter": "اعرض ما فعله",
        "all": "الكل",
        "me": "أنا",
        "automation": "الأتمتة",
        "platform": "المنصة",
        "you": "أنت",
        "revert": "تراجع",
        "revert_job": "التراجع عن هذه المهمة التلقائية",
        "reverted_badge": "تم التراجع",
        "changed_back": "إلى قيمته السابقة في متجرك.",
        "fields_back": "الحقول التي أُعيدت إلى قيمها السابقة في متجرك: 1.",
        "new_product": "أبلغ عن منتج جديد",
    },
}


async def accept(stack: Stack, site: WixSite, items: list[dict[str, Any]]) -> None:
    """The owner accepts the drafts (a flagged one is published only once accepted)."""
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        for item in items:
            res = await api.post(f"/api/items/{item['id']}/review", json={"decision": "accept"})
            assert res.status_code == 200, res.text


async def automation_publishes(stack: Stack, site: WixSite, products: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """A job automation makes of the products' titles, run by the worker and published by automation;
    its id and the titles the products had before."""
    async with stack.pool.acquire() as conn:
        store = await stores.find(conn, "wix", site.instance_id)
    assert store is not None
    settings = web_settings(
        stack.database_url, wix_app_id=WIX_APP_ID, wix_app_secret=WIX_APP_SECRET, wix_api_base=stack.wix.url
    )
    async with httpx.AsyncClient() as http:
        clients = StoreClients(settings, stack.pool, TokenCipher(*settings.token_encryption_keys), http)
        client = clients.for_store(store)
        read = await client.get_products([p["id"] for p in products])
        enqueued = await enqueue(stack.pool, store.id, read, (Attribute.TITLE,), actor=AUTOMATION)
        for _ in range(300):
            async with stack.pool.acquire() as conn:
                if await conn.fetchval("SELECT finished_at FROM jobs WHERE id = $1", enqueued.job_id):
                    break
            await asyncio.sleep(0.1)
        items = await items_of(stack, site, enqueued.job_id)
        await accept(stack, site, items)
        outcomes = await publishing.publish_items(
            stack.pool, client, store_id=store.id, item_ids=[i["id"] for i in items], actor=AUTOMATION
        )
        await clients.aclose()
    assert [o.status for o in outcomes] == ["published"] * len(products), outcomes
    return enqueued.job_id, [p.title for p in read]


async def platform_reports_a_new_product(stack: Stack, site: WixSite) -> None:
    cipher = TokenCipher(*web_settings(stack.database_url).token_encryption_keys)
    event = ev.PlatformEvent(
        "wix",
        site.instance_id,
        f"evt-{uuid.uuid4().hex}",
        "wix.stores.v3.product_created",
        (ev.ProductsChanged(("new-product-1",), created=True),),
    )
    assert (await apply(stack.pool, cipher, event)).status == "processed"
    # The worker's automation step takes the change (as soon as it settled) and tells the trail.
    async with stack.pool.acquire() as conn:
        await conn.execute("UPDATE automation_changes SET due_at = now()")
    settings = web_settings(
        stack.database_url, wix_app_id=WIX_APP_ID, wix_app_secret=WIX_APP_SECRET, wix_api_base=stack.wix.url
    )
    async with httpx.AsyncClient() as http:
        clients = StoreClients(settings, stack.pool, TokenCipher(*settings.token_encryption_keys), http)
        await automation.queue_changes(stack.pool, clients, StepConfig())
        await clients.aclose()


async def open_activity(page: Page, stack: Stack, site: WixSite, *, locale: str, width: int) -> None:
    """The app on its Activity section, `width` px wide, for an admin whose language is `locale`."""
    await page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    await page.goto(stack.admin_url(site.instance_id))
    src = await page.locator("#app").get_attribute("src")
    assert src and "locale=en" in src, src
    await page.goto(src.replace("locale=en", f"locale={locale}") + "#activity")
    await expect(page.get_by_test_id("activity-entry").first).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")


async def show(page: Page, words: dict[str, str], which: str) -> None:
    group = page.get_by_role("radiogroup", name=words["filter"])
    await group.locator("label").filter(has_text=words[which]).click()
    await expect(group.get_by_role("radio", name=words[which], exact=True)).to_be_checked()


def entries(page: Page, *, actor: str | None = None, action: str | None = None) -> Locator:
    selector = "[data-testid=activity-entry]"
    if actor:
        selector += f"[data-actor={actor}]"
    if action:
        selector += f"[data-action={action}]"
    return page.locator(selector)


@pytest.mark.parametrize(("locale", "width"), [("en", 1280), ("en", 390), ("ar", 1280), ("ar", 390)])
async def test_the_trail_filters_by_actor_and_reverts_what_automation_published(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, words = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    # The owner's own job, published by the owner.
    owner_job, _ = await finished_job(stack, site, 1, ["seo_title"])
    owner_items = await items_of(stack, site, owner_job)
    await accept(stack, site, owner_items)
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        res = await api.post("/api/publish", json={"item_ids": [i["id"] for i in owner_items]})
        assert res.status_code == 200 and "published" in res.text, res.text
        products = (await api.get("/api/products", params={"limit": 3})).json()["products"][1:3]
    # A job automation made of two other products' titles, published by automation.
    auto_job, originals = await automation_publishes(stack, site, products)
    published_titles = [stack.sandbox_product(site.instance_id, p["id"])["name"] for p in products]
    assert published_titles != originals
    await platform_reports_a_new_product(stack, site)

    await open_activity(page, stack, site, locale=locale, width=width)
    # Everything, newest first: the platform's report, automation's publishes and job, the owner's.
    await expect(entries(page)).to_have_count(6)
    await expect(entries(page).first).to_have_attribute("data-actor", "webhook")
    await expect(entries(page).first).to_contain_text(words["new_product"])
    await expect(entries(page).first).to_contain_text(words["platform"])
    await expect(entries(page, actor="owner", action="published")).to_contain_text(words["you"])
    await no_sideways_scroll(page)

    # Automation only: its job and its two publishes, each revertible.
    await show(page, words, "automation")
    await expect(entries(page)).to_have_count(3)
    await expect(entries(page, actor="automation")).to_have_count(3)
    published = entries(page, action="published")
    await expect(published.get_by_role("button", name=words["revert"], exact=True)).to_have_count(2)
    await expect(entries(page, action="job_created").get_by_role("button", name=words["revert_job"])).to_be_visible()
    await no_sideways_scroll(page)
    if (locale, width) in (("en", 1280), ("ar", 390)):
        await shot(page, f"activity-automation-{locale}-{width}")

    # One of them reverted: the store has the title back, the entry says so, the owner's revert is listed.
    newest = published.first
    # The entry names the product as the job showed it: by the title it had before.
    named = await newest.locator(".what strong").inner_text()
    await newest.get_by_role("button", name=words["revert"], exact=True).click()
    await expect(page.get_by_role("status").filter(has_text=words["changed_back"])).to_be_visible()
    await expect(newest.get_by_text(words["reverted_badge"], exact=True)).to_be_visible()
    await expect(published.get_by_role("button", name=words["revert"], exact=True)).to_have_count(1)
    assert named in originals, (named, originals)
    index = originals.index(named)
    assert stack.sandbox_product(site.instance_id, products[index]["id"])["name"] == named
    assert stack.sandbox_product(site.instance_id, products[1 - index]["id"])["name"] == published_titles[1 - index]

    await show(page, words, "me")
    await expect(entries(page)).to_have_count(3)  # the owner's job, publish and revert
    await expect(entries(page, action="reverted")).to_have_count(1)

    # The rest of the automated job reverted as a whole, once confirmed.
    await show(page, words, "automation")
    await expect(entries(page)).to_have_count(3)
    await entries(page, action="job_created").get_by_role("button", name=words["revert_job"]).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name=words["revert"], exact=True).click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_role("status").filter(has_text=words["fields_back"])).to_be_visible()
    await expect(page.get_by_role("button", name=words["revert_job"])).to_have_count(0)
    await expect(published.get_by_role("button", name=words["revert"], exact=True)).to_have_count(0)
    for product, original in zip(products, originals, strict=True):
        assert stack.sandbox_product(site.instance_id, product["id"])["name"] == original

    # The platform's entries alone.
    await show(page, words, "platform")
    await expect(entries(page)).to_have_count(1)
    await expect(entries(page, actor="webhook", action="product_changed")).to_have_count(1)
    await no_sideways_scroll(page)
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        trail = (await api.get("/api/activity", params={"actor": "automation"})).json()["entries"]
    assert [e["job_id"] for e in trail] == [auto_job] * 3
