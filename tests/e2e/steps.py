"""The steps every platform's browser test walks the dashboard through, in the UI's own words: open
the app in the admin's frame, pick products and fields, submit, let the worker improve them, review,
edit, publish and revert. What the store holds afterwards each test checks in its own sandbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.async_api import FrameLocator, Locator, Page, expect

from tests.e2e.conftest import screenshot_path

PRODUCTS = "table.products tbody tr"


@dataclass(frozen=True)
class Words:
    """What the dashboard says at each step in one UI language (dashboard/src/i18n/locales/)."""

    sections: str
    fields: str
    queue: str
    review: str
    edit: str
    new_title: str
    save: str
    edited: str
    publish_all: str
    confirm_publish: str
    published: str
    ready: str
    revert: str


ENGLISH = Words(
    sections="Sections",
    fields="Fields",
    queue="Queue",
    review="Review results",
    edit="Edit",
    new_title="New title",
    save="Save",
    edited="Edited by you",
    publish_all="Publish all",
    confirm_publish="Publish",
    published="Published",
    ready="Ready to publish",
    revert="Revert",
)

ARABIC = Words(
    sections="الأقسام",
    fields="الحقول",
    queue="قائمة الانتظار",
    review="مراجعة النتائج",
    edit="تعديل",
    new_title="العنوان الجديد",
    save="حفظ",
    edited="عدّلته بنفسك",
    publish_all="نشر الكل",
    confirm_publish="نشر التغييرات",
    published="منشور",
    ready="جاهز للنشر",
    revert="تراجع",
)


async def open_app(page: Page, admin_url: str) -> FrameLocator:
    """The platform's admin page at `admin_url`, once the app it frames lists the store's products."""
    await page.goto(admin_url)
    app = page.frame_locator("#app")
    await expect(app.locator(PRODUCTS).first).to_be_visible()
    return app


async def tab(app: FrameLocator, name: str, words: Words = ENGLISH) -> None:
    """Open a section by its tab's name, in the UI's language."""
    await app.get_by_role("navigation", name=words.sections).get_by_role("button", name=name, exact=True).click()


async def shot(page: Page, name: str) -> None:
    await page.wait_for_timeout(150)  # let transitions settle
    await page.screenshot(path=str(screenshot_path(name)))


def field(app: FrameLocator, label: str, words: Words = ENGLISH) -> Locator:
    return app.get_by_role("group", name=words.fields).get_by_role("checkbox", name=re.compile(rf"^{label}\b"))


async def pick(app: FrameLocator, count: int, *, first: int = 0) -> None:
    """Tick `count` products of the picker, from its row `first` on."""
    rows = app.locator(PRODUCTS)
    for i in range(first, first + count):
        await rows.nth(i).get_by_role("checkbox").check()


async def submit(app: FrameLocator, button: str, words: Words = ENGLISH) -> None:
    """Press the submit button (named with its cost) and land on the queue."""
    await app.get_by_role("button", name=button).click()
    await expect(app.get_by_role("heading", name=words.queue, exact=True)).to_be_visible()


async def review_when_done(
    page: Page, app: FrameLocator, improved: str, words: Words = ENGLISH
) -> list[dict[str, Any]]:
    """Wait on the queue until the worker has finished the job (`improved` says how much of it), then
    open its results; returns the job's items as the dashboard read them from the API."""
    finished = app.get_by_role("button", name=words.review)
    await expect(finished).to_be_visible(timeout=20_000)
    await expect(app.get_by_test_id("queue-job")).to_have_count(0)
    await expect(app.get_by_role("listitem").filter(has=finished)).to_contain_text(improved)
    async with page.expect_response(re.compile(r"/api/jobs/\d+/items\?")) as answer:
        await finished.click()
    items: list[dict[str, Any]] = (await (await answer.value).json())["items"]
    return items


def item(items: list[dict[str, Any]], product_id: str, attribute: str) -> dict[str, Any]:
    return next(i for i in items if i["product_id"] == product_id and i["attribute"] == attribute)


def item_row(card: Locator, attribute: str) -> Locator:
    return card.locator(f"[data-testid=item-row][data-attribute={attribute}]")


async def edit_title(card: Locator, text: str, words: Words = ENGLISH) -> Locator:
    """Replace the improved title of the product in `card` with `text`; returns the title's row."""
    row = item_row(card, "title")
    await row.get_by_role("button", name=words.edit).click()
    await row.get_by_label(words.new_title).fill(text)
    await row.get_by_role("button", name=words.save).click()
    await expect(row).to_contain_text(words.edited)
    await expect(row.locator(".side.after .text")).to_have_text(text)
    return row


async def publish_all(app: FrameLocator, done: str, words: Words = ENGLISH, *, toasts: Locator | None = None) -> None:
    """Publish every ready change, confirmed in the dialog; `done` is what the dashboard then says
    (in the admin's toasts, `toasts`, where the platform shows them)."""
    await app.get_by_role("button", name=words.publish_all).click()
    dialog = app.get_by_role("dialog")
    await dialog.get_by_role("button", name=re.compile(rf"^{words.confirm_publish}")).click()
    await expect(dialog).to_have_count(0)
    said = toasts if toasts is not None else app.get_by_role("status")
    await expect(said.filter(has_text=done).first).to_be_visible()


async def revert(
    app: FrameLocator, row: Locator, done: str, words: Words = ENGLISH, *, toasts: Locator | None = None
) -> None:
    """Revert the published change in `row`; `done` is what the dashboard then says (in the
    admin's toasts, `toasts`, where the platform shows them)."""
    await row.get_by_role("button", name=words.revert).click()
    said = toasts.filter(has_text=done).first if toasts is not None else app.get_by_text(done)
    await expect(said).to_be_visible()
    await expect(row).to_contain_text(words.ready)


async def no_sideways_scroll(html: Locator) -> None:
    """The page (or the app's frame) whose `html` element this is does not scroll sideways."""
    scroll, visible = await html.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll <= visible, f"the page scrolls sideways: {scroll}px of content in {visible}px"


async def fits_sideways(section: Locator) -> None:
    """Nothing in `section` (one screen's content) reaches past its sides, so it never makes the
    page scroll sideways, whatever the width it is given."""
    outside = await section.evaluate(
        """el => {
            const box = el.getBoundingClientRect();
            return [...el.querySelectorAll("*")]
                .filter(e => e.getClientRects().length)
                .filter(e => {
                    const r = e.getBoundingClientRect();
                    return r.left < box.left - 1 || r.right > box.right + 1;
                })
                .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 40)}`);
        }"""
    )
    assert outside == [], f"reaching past the sides: {outside}"


async def fits_at_desktop_and_phone_width(page: Page, app: Page | FrameLocator) -> None:
    """The open section fits when the app is 1280 and 390 px wide. A platform's admin frames the
    app beside its own menu; on a phone it gives the app the whole width, so the sandbox admin's
    window is widened by its menu's width."""
    frame = page.locator("#app")
    for width in (1280, 390):
        await page.set_viewport_size({"width": width, "height": 844})
        if isinstance(app, FrameLocator):
            menu = width - await frame.evaluate("el => el.getBoundingClientRect().width")
            await page.set_viewport_size({"width": width + round(menu), "height": 844})
            assert round(await frame.evaluate("el => el.getBoundingClientRect().width")) == width
        await fits_sideways(app.locator("main"))
