"""Checks of what a person sees in the app's frame, shared by the browser tests: nothing scrolls
sideways, nothing sits on top of what is read, and no server code shows through as text."""

from __future__ import annotations

from typing import Any

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

SIDEWAYS = """() => {
  const page = document.scrollingElement;
  return page.scrollWidth > window.innerWidth ? `page is ${page.scrollWidth} px wide in ${window.innerWidth}` : null;
}"""

# The element `selector` names (its `index`th), scrolled to the top of the view: what is drawn at
# a few points across its first line, if it is not the element itself or inside it.
COVERED = """([selector, index]) => {
  const el = document.querySelectorAll(selector)[index];
  if (!el) return `no ${selector}`;
  el.scrollIntoView({ block: "start" });
  const box = el.getBoundingClientRect();
  const y = Math.min(box.top + 12, window.innerHeight - 2);
  for (const x of [box.left + 8, box.left + box.width / 2, box.right - 8]) {
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit)) return `${selector} is covered by ${hit.outerHTML.slice(0, 100)}`;
  }
  return null;
}"""

# A server code left as text ("too_long", "done_with_failures", "DONE_WITH_FAILURES") in the page.
RAW_CODES = r"""() => {
  const found = document.body.innerText.match(/\b[a-z]+_[a-z_]+\b|\b[A-Z]+_[A-Z_]+\b|\btoo_long\b|\d+ > \d+/);
  return found ? found[0] : null;
}"""


async def no_sideways_scroll(frame: Any, where: str) -> None:
    assert await frame.evaluate(SIDEWAYS) is None, where


async def not_covered(frame: Any, selector: str, index: int = 0) -> None:
    covered = await frame.evaluate(COVERED, [selector, index])
    assert covered is None, covered


async def no_raw_codes(frame: Any, where: str) -> None:
    assert await frame.evaluate(RAW_CODES) is None, where
