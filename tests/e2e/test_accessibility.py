"""The dashboard without a mouse: every control has a name a screen reader can say, the keyboard
reaches the sections and the product picker, and the focused control is visibly marked."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.conftest import Browser, Stack
from tests.e2e.steps import open_app
from tests.integration.conftest import new_site

UNNAMED_CONTROLS = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => {
    const aria = (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
    const labelled = el.labels && el.labels.length > 0;
    const clickable = el.tagName === 'BUTTON' || el.tagName === 'A';
    return !(aria || labelled || (clickable && (el.textContent || '').trim()) || el.title);
  })
  .map((el) => el.outerHTML.slice(0, 120))"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = style.boxShadow !== 'none' || (style.outlineStyle !== 'none' && style.outlineWidth !== '0px');
  return { tag: el.tagName, name: el.getAttribute('aria-label') || (el.textContent || '').trim(), ring };
}"""


UNFOCUSED_HAS_RING = """() => {
  const other = [...document.querySelectorAll('nav button')].find((b) => b !== document.activeElement);
  const style = getComputedStyle(other);
  return style.boxShadow !== 'none' || (style.outlineStyle !== 'none' && style.outlineWidth !== '0px');
}"""


async def focused_after_tabs(page: Page, app_frame: Any, presses: int) -> list[dict[str, Any]]:
    seen = []
    for _ in range(presses):
        await page.keyboard.press("Tab")
        state = await app_frame.evaluate(FOCUSED)
        if state is not None:
            seen.append(state)
    return seen


async def test_every_control_is_named_and_the_keyboard_reaches_it_visibly(stack: Stack, browser: Browser) -> None:
    page = browser.page
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack.admin_url(site.instance_id))
    frame = page.frame(name="app") or next(f for f in page.frames if "/app/wix" in f.url)

    for section in ("Optimise", "Queue", "Results", "Activity", "Billing", "Settings"):
        await app.get_by_role("navigation", name="Sections").get_by_role("button", name=section, exact=True).click()
        await expect(app.get_by_role("heading", level=1)).to_be_visible()
        assert await frame.evaluate(UNNAMED_CONTROLS) == [], f"unnamed controls on {section}"

    optimise = app.get_by_role("navigation", name="Sections").get_by_role("button", name="Optimise", exact=True)
    await optimise.click()
    await expect(app.locator("table.products tbody tr").first).to_be_visible()
    await optimise.focus()
    seen = await focused_after_tabs(page, frame, 12)
    assert seen, "the keyboard reached nothing"
    assert all(s["ring"] for s in seen), [s for s in seen if not s["ring"]]
    assert await frame.evaluate(UNFOCUSED_HAS_RING) is False  # the ring marks the focus, nothing else
    names = [s["name"] for s in seen]
    assert "Queue" in names  # the sections, in order
    assert any(s["tag"] == "INPUT" for s in seen)  # then the picker's search box and checkboxes

    # Space ticks the focused product, as a mouse click would.
    first = app.locator("table.products tbody tr").first.get_by_role("checkbox")
    await first.focus()
    await page.keyboard.press("Space")
    await expect(first).to_be_checked()
    await expect(app.get_by_test_id("cost-line")).to_contain_text("1 product × 4 fields = 4 credits")
