"""What the Results review tests share: a finished job made through the API, the app opened on its
results at a given width and language (at top level, as a phone's admin app shows it full width),
the checks every screen must pass (no sideways scroll), and the screen's words in English and Arabic
(dashboard/src/i18n/locales/)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import Stack
from tests.integration.conftest import WixSite

ALL_FIELDS = ["title", "description", "seo_title", "seo_description"]


@dataclass(frozen=True)
class ReviewWords:
    title: str
    seo_title: str
    edit: str
    save: str
    new_title: str
    new_seo_title: str
    new_description: str
    publish_selected: str
    publish_all: str
    confirm: str
    cancel: str
    collapse_all: str
    expand_all: str
    bold: str
    google_preview: str
    too_long: str
    published_all: str
    accept: str
    reject: str
    regenerate: str
    regen_go: str
    revert_job: str
    revert_confirm: str
    reverted: str
    put_back_anyway: str
    done: str
    job_done: str
    no_change: str
    no_change_note: str
    filter_state: str
    filter_no_change: str
    filter_rejected: str


ENGLISH = ReviewWords(
    title="Title",
    seo_title="SEO title",
    edit="Edit",
    save="Save",
    new_title="New title",
    new_seo_title="New seo title",
    new_description="New description",
    publish_selected="Publish selected",
    publish_all="Publish all",
    confirm="Publish",
    cancel="Cancel",
    collapse_all="Collapse all",
    expand_all="Expand all",
    bold="Bold",
    google_preview="Google preview",
    too_long="1 character too long",
    published_all="changes published to your store.",
    accept="Accept",
    reject="Reject",
    regenerate="Regenerate",
    regen_go="Regenerate for 1 credit",
    revert_job="Revert the whole job",
    revert_confirm="Revert",
    reverted="changed back in your store.",
    put_back_anyway="Put back anyway",
    done="Done",
    job_done="Done",
    no_change="No change needed",
    no_change_note="Already good — not charged",
    filter_state="Show fields that are",
    filter_no_change="No change needed",
    filter_rejected="Rejected",
)

ARABIC = ReviewWords(
    title="العنوان",
    seo_title="عنوان SEO",
    edit="تعديل",
    save="حفظ",
    new_title="العنوان الجديد",
    new_seo_title="عنوان SEO الجديد",
    new_description="الوصف الجديد",
    publish_selected="نشر المحدد",
    publish_all="نشر الكل",
    confirm="نشر التغييرات",
    cancel="إلغاء",
    collapse_all="طيّ الكل",
    expand_all="توسيع الكل",
    bold="غامق",
    google_preview="معاينة Google",
    too_long="أطول من الحد بـ 1",
    published_all="في متجرك.",
    accept="قبول",
    reject="رفض",
    regenerate="إعادة الكتابة",
    regen_go="أعد الكتابة مقابل نقطة واحدة",
    revert_job="التراجع عن المهمة كلها",
    revert_confirm="التراجع",
    reverted="أُعيدت إلى قيمها السابقة في متجرك",
    put_back_anyway="أعِده على أي حال",
    done="تم",
    job_done="مكتملة",
    no_change="لا يحتاج إلى تغيير",
    no_change_note="النص جيد أصلًا — لم تُخصم نقطة",
    filter_state="اعرض الحقول التي حالتها",
    filter_no_change="لا تحتاج إلى تغيير",
    filter_rejected="مرفوضة",
)

WORDS = {"en": ENGLISH, "ar": ARABIC}

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
FOCUS_IN_DIALOG = "() => !!document.activeElement && !!document.activeElement.closest('dialog[open]')"


async def finished_job(
    stack: Stack, site: WixSite, products: int, attributes: list[str] | None = None, *, first: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """A job for `products` of the store's products (from its `first`), run by the worker the test
    started, once it has finished; its id and the products it covered."""
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        listed = (await api.get("/api/products", params={"limit": first + products})).json()["products"][first:]
        created = await api.post(
            "/api/jobs",
            json={
                "source_scope": "products",
                "source_ids": [p["id"] for p in listed],
                "attributes": attributes or ALL_FIELDS,
            },
        )
        assert created.status_code == 201, created.text
        job_id: int = created.json()["job_id"]
        for _ in range(300):
            job = (await api.get(f"/api/jobs/{job_id}")).json()
            if job["status"] not in ("PENDING", "RUNNING"):
                return job_id, listed
            await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def items_of(stack: Stack, site: WixSite, job_id: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        res = await api.get(f"/api/jobs/{job_id}/items", params={"limit": 1000})
        res.raise_for_status()
        items: list[dict[str, Any]] = res.json()["items"]
        return items


async def open_results(page: Page, stack: Stack, site: WixSite, *, locale: str, width: int) -> None:
    """The app on its Results section, `width` px wide, for an admin whose language is `locale`."""
    await page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    await page.goto(stack.admin_url(site.instance_id))
    src = await page.locator("#app").get_attribute("src")
    assert src and "locale=en" in src, src
    await page.goto(src.replace("locale=en", f"locale={locale}") + "#results")
    await expect(page.get_by_test_id("item-row").first).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")


async def no_sideways_scroll(page: Page) -> None:
    assert await page.evaluate(NO_SIDEWAYS_SCROLL), "the page scrolls sideways"


def row(page: Page, product_id: str, attribute: str) -> Locator:
    return card(page, product_id).locator(f"[data-testid=item-row][data-attribute={attribute}]")


def card(page: Page, product_id: str) -> Locator:
    return page.locator(f"[data-testid=product-result][data-product='{product_id}']")


def current_row(page: Page) -> Locator:
    return page.locator("[data-testid=item-row].current")
