"""Brand voices and the glossary in the browser, in English and in Arabic, at desktop and phone
width: the owner saves two voices and makes the second the default, bans a word, and runs a job
whose LLM answer keeps using that word; the job is written in the default voice and the Results
screen says, in the owner's language, which word the glossary refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import FrameLocator, Page, expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.steps import fits_sideways, shot
from tests.integration.conftest import new_site

PRODUCTS = "table.products tbody tr"


@dataclass(frozen=True)
class Words:
    sections: str
    settings: str
    optimise: str
    results: str
    add_voice: str
    name: str
    tone: str
    save_voice: str
    make_default: str
    default_badge: str
    new_word: str
    add_word: str
    save_glossary: str
    glossary_saved: str
    voice: str
    voice_default: str
    fields: str
    improve: str
    refused: str


ENGLISH = Words(
    sections="Sections",
    settings="Settings",
    optimise="Optimise",
    results="Results",
    add_voice="Add a voice",
    name="Name",
    tone="Tone",
    save_voice="Save voice",
    make_default="Make Crisp the default voice",
    default_badge="Default",
    new_word="New word",
    add_word="Add word",
    save_glossary="Save glossary",
    glossary_saved="The glossary was saved.",
    voice="Brand voice",
    voice_default="Crisp (your default)",
    fields="Fields",
    improve="Improve for 1 credit",
    refused="We could not improve this field: the suggestion used “Gorgeous”, which your glossary forbids.",
)

ARABIC = Words(
    sections="الأقسام",
    settings="الإعدادات",
    optimise="التحسين",
    results="النتائج",
    add_voice="إضافة أسلوب",
    name="الاسم",
    tone="النبرة",
    save_voice="حفظ الأسلوب",
    make_default="اجعل Crisp الأسلوب الافتراضي",
    default_badge="الافتراضي",
    new_word="كلمة جديدة",
    add_word="إضافة كلمة",
    save_glossary="حفظ المسرد",
    glossary_saved="تم حفظ المسرد.",
    voice="أسلوب العلامة التجارية",
    voice_default="Crisp (الافتراضي)",
    fields="الحقول",
    improve="تحسين مقابل نقطة واحدة",
    refused="تعذّر تحسين هذا الحقل: استخدم الاقتراح «Gorgeous»، وهو ممنوع في مسردك.",
)


async def open_app(page: Page, stack: Stack, instance_id: str, locale: str) -> FrameLocator:
    await page.goto(stack.admin_url(instance_id))
    if locale != "en":
        src = await page.locator("#app").get_attribute("src")
        assert src and "locale=en" in src, src
        await page.locator("#app").evaluate(
            "(el, src) => { el.src = src; }", src.replace("locale=en", f"locale={locale}")
        )
    app = page.frame_locator("#app")
    await expect(app.locator(PRODUCTS).first).to_be_visible()
    return app


async def app_width(page: Page, width: int) -> None:
    """The app `width` px wide: on a phone the admin gives the app the whole width, so the sandbox
    admin's window is widened by its own menu's width."""
    frame = page.locator("#app")
    await page.set_viewport_size({"width": width, "height": 900})
    menu = width - await frame.evaluate("el => el.getBoundingClientRect().width")
    await page.set_viewport_size({"width": width + round(menu), "height": 900})
    assert round(await frame.evaluate("el => el.getBoundingClientRect().width")) == width


async def section(app: FrameLocator, words: Words, name: str) -> None:
    await app.get_by_role("navigation", name=words.sections).get_by_role("button", name=name, exact=True).click()


async def add_voice(app: FrameLocator, words: Words, name: str, tone: str) -> None:
    await app.get_by_role("button", name=words.add_voice).click()
    await app.get_by_label(words.name, exact=True).fill(name)
    await app.get_by_label(words.tone, exact=True).fill(tone)
    await app.get_by_role("button", name=words.save_voice).click()
    await expect(app.locator(".voice-row").filter(has_text=name)).to_be_visible()


@pytest.mark.parametrize(
    ("locale", "words", "width"),
    [("en", ENGLISH, 1280), ("en", ENGLISH, 390), ("ar", ARABIC, 1280), ("ar", ARABIC, 390)],
    ids=["en-1280", "en-390", "ar-1280", "ar-390"],
)
async def test_a_banned_word_is_refused_and_the_reason_worded(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, words: Words, width: int
) -> None:
    page = browser.page
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack, site.instance_id, locale)
    await app_width(page, width)

    await section(app, words, words.settings)
    await add_voice(app, words, "Warm", "Warm and plain, like a neighbour")
    await add_voice(app, words, "Crisp", "Short sentences, confident, no exclamation marks")
    crisp = app.locator(".voice-row").filter(has_text="Crisp")
    await expect(crisp.get_by_text(words.default_badge, exact=True)).to_have_count(0)
    await app.get_by_role("button", name=words.make_default).click()
    await expect(crisp.get_by_text(words.default_badge, exact=True)).to_be_visible()
    await expect(
        app.locator(".voice-row").filter(has_text="Warm").get_by_text(words.default_badge, exact=True)
    ).to_have_count(0)

    await app.get_by_label(words.new_word).fill("Gorgeous")
    await app.get_by_role("button", name=words.add_word).click()
    await app.get_by_role("button", name=words.save_glossary).click()
    await expect(app.get_by_text(words.glossary_saved)).to_be_visible()
    await fits_sideways(app.locator("main"))
    await shot(page, f"settings-voices-glossary-{locale}-{width}")

    # A model that keeps writing the banned word, whatever it is told.
    httpx.post(f"{stack.llm.url}/_sandbox/config", json={"added_text": "Gorgeous"}).raise_for_status()
    await section(app, words, words.optimise)
    chooser = app.get_by_label(words.voice, exact=True)
    await expect(chooser.locator("option:checked")).to_have_text(words.voice_default)
    await app.locator(PRODUCTS).first.get_by_role("checkbox").check()
    for box in await app.get_by_role("group", name=words.fields).get_by_role("checkbox").all():
        await box.set_checked(False)
    await app.get_by_role("group", name=words.fields).get_by_role("checkbox").first.check()
    async with page.expect_response("**/api/jobs") as created:
        await app.get_by_role("button", name=words.improve).click()
    job_id = (await (await created.value).json())["job_id"]
    await start_worker()
    await _finished(stack, job_id)

    await section(app, words, words.results)
    await expect(app.get_by_text(words.refused)).to_be_visible(timeout=20_000)
    # The Results screen names the voice the job was written in.
    await expect(app.get_by_test_id("job-voice")).to_contain_text("Crisp")
    await fits_sideways(app.locator("main"))
    await shot(page, f"results-glossary-refused-{locale}-{width}")

    async with stack.pool.acquire() as conn:
        voice = await conn.fetchval("SELECT brand_voice FROM jobs WHERE id = $1", job_id)
    assert voice["name"] == "Crisp"
    asked = httpx.get(f"{stack.llm.url}/_sandbox/requests").json()["requests"]
    prompt = next(m["content"] for m in asked[0]["messages"] if m["role"] == "user")
    assert json.dumps("Short sentences, confident, no exclamation marks") in prompt
    assert browser.errors.unexpected() == []


async def _finished(stack: Stack, job_id: int) -> None:
    for _ in range(400):
        async with stack.pool.acquire() as conn:
            if await conn.fetchval("SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", job_id):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")
