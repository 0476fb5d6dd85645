"""A deterministic, rule-based provider that needs no network: the default when no LLM is set.

It tidies what the product already says; it does not write new copy and does not translate, so
its output stays in the product's own language whatever the requested target language. Its
values pass the same output checks as an LLM's (a field the rules cannot change comes back as
unchanged, which the queue keeps as "no change needed"), and `Generation.model` is
"offline-rules" so the UI can label them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ..domain import image_alt
from ..domain.attributes import Attribute
from ..domain.products import Product
from .base import Generation, GenerationRequest, Usage
from .checks import check_value, plain_text, sanitize_html, visible_text
from .facts import FactFlag
from .prompts import image_keys, source_text

MODEL = "offline-rules"
INTRO_CHARS = 240
MAX_FACTS = 12
MAX_FACT_CHARS = 200

_PROMO_PUNCTUATION = re.compile(r"!+|[*#~]{2,}")
_PROMO_WORDS = frozenset(
    {"BEST", "SALE", "HOT", "NEW", "CHEAP", "DEAL", "DEALS", "OFFER", "LIMITED", "FREE", "SHIPPING",
     "WOW", "AMAZING", "MEGA", "DISCOUNT", "BESTSELLER"}
)  # fmt: skip
_BRACKETED = re.compile(r"[\[(]([^\])]*)[\])]")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f\u061f])\s+")
_STRUCTURED_HTML = re.compile(r"<\s*(p|ul|ol|li|h[1-6]|div)\b", re.IGNORECASE)
_TRAILING_JUNK = " ,;:-\u2013\u2014|/&"
_BRAND_KEYS = ("brand", "vendor", "store_name", "store")
_SKIPPED_FACTS = frozenset(
    {"price", "compare_at_price", "currency", "sku", "barcode", "inventory", "stock", "quantity",
     "id", "handle", "url", "slug", "image", "images", "image_url", "tags", "status",
     "created_at", "updated_at"}
)  # fmt: skip


class OfflineProvider:
    name = "offline"

    async def generate(self, request: GenerationRequest) -> Generation:
        source = source_text(request)
        values: dict[Attribute, str] = {}
        rejected: dict[Attribute, str] = {}
        flags: dict[Attribute, list[FactFlag]] = {}
        for attribute in request.attributes:
            proposed = improve(request.product, attribute)
            before = request.product.value(attribute)
            checked = check_value(
                attribute,
                before=before,
                after=proposed,
                source_text=source,
                language=request.language,
                glossary=request.glossary,
            )
            if checked.value is None:
                rejected[attribute] = checked.error or "rejected"
                continue
            values[attribute] = checked.value
            if checked.flags:
                flags[attribute] = checked.flags
        return Generation(
            values=values, rejected=rejected, flags=flags, usage=Usage(), model=MODEL, retry_rejected=False
        )

    async def aclose(self) -> None:
        return None


def improve(product: Product, attribute: Attribute) -> str:
    if attribute is Attribute.TITLE:
        return clean_title(product.title)
    if attribute is Attribute.DESCRIPTION:
        return improve_description(product)
    if attribute is Attribute.SEO_TITLE:
        return seo_title(product)
    if attribute is Attribute.IMAGE_ALT:
        written = alt_texts(product)
        return image_alt.encode(image_alt.ImageAlt(i.id, written.get(i.id, i.alt)) for i in product.images or ())
    return meta_description(product)


def alt_texts(product: Product) -> dict[str, str]:
    """Alt text for each image that can be written, by image id, from the product data alone (the
    rules never see the pictures): the product's name (with its brand when known) for the first
    image, and which view of it each other one is, since that is all the data says."""
    keys = list(image_keys(product).values())
    limit = Attribute.IMAGE_ALT.max_length
    name = clean_title(product.title) or plain_text(product.title)
    brand = _brand(product.extra)
    if brand and brand.casefold() not in name.casefold():
        name = f"{name} by {brand}"
    return {
        image.id: fit_words(name if n == 1 else f"{name}, view {n} of {len(keys)}", limit)
        for n, image in enumerate(keys, start=1)
    }


def fit_words(text: str, limit: int) -> str:
    """`text` if it fits, else its longest prefix that ends on a word boundary and fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rfind(" ")
    return text[:cut].rstrip(_TRAILING_JUNK) if cut > 0 else ""


def clean_title(title: str) -> str:
    text = _BRACKETED.sub(lambda m: " " if _is_promo(m.group(1)) else m.group(0), plain_text(title))
    # In an all-caps title "BEST" may be part of the name; it is noise only when it shouts
    # against lower-case words or carries exclamation marks.
    mixed_case = not _single_case(text)
    words = text.split()
    while words and _is_promo_word(words[0], mixed_case):
        words.pop(0)
    while words and _is_promo_word(words[-1], mixed_case):
        words.pop()
    text = " ".join(_PROMO_PUNCTUATION.sub(" ", " ".join(words)).split()).strip(_TRAILING_JUNK)
    if _single_case(text):
        text = _title_case(text)
    return fit_words(text, Attribute.TITLE.max_length)


def improve_description(product: Product) -> str:
    facts = _facts(product.extra)
    fact_list = "".join(f"<li><strong>{_escape(k)}:</strong> {_escape(v)}</li>" for k, v in facts)
    fact_html = f"<ul>{fact_list}</ul>" if fact_list else ""
    if _STRUCTURED_HTML.search(product.description_html):
        return sanitize_html(sanitize_html(product.description_html) + fact_html)
    sentences = _sentences(visible_text(product.description_html))
    intro: list[str] = []
    while sentences and (not intro or len(" ".join([*intro, sentences[0]])) <= INTRO_CHARS):
        intro.append(sentences.pop(0))
    parts = [f"<p>{_escape(' '.join(intro))}</p>"] if intro else []
    if sentences:
        parts.append(f"<p>{_escape(' '.join(sentences))}</p>")
    if not parts and facts:
        parts.append(f"<p>{_escape(clean_title(product.title))}</p>")
    return sanitize_html("".join(parts) + fact_html)


def seo_title(product: Product) -> str:
    limit = Attribute.SEO_TITLE.max_length
    base = clean_title(product.title)
    brand = _brand(product.extra)
    if not brand or brand.casefold() in base.casefold():
        return fit_words(base, limit)
    suffix = f" | {brand}"
    if len(base) + len(suffix) <= limit:
        return base + suffix
    shortened = fit_words(base, limit - len(suffix))
    # A title cut down to a word or two says less than the full title without the brand.
    return shortened + suffix if len(shortened) >= 20 else fit_words(base, limit)


def meta_description(product: Product) -> str:
    limit = Attribute.SEO_DESCRIPTION.max_length
    sentences = _sentences(visible_text(product.description_html))
    if not sentences:
        title = clean_title(product.title)
        sentences = [f"{title}."] if title else []
        sentences += [f"{k}: {v}." for k, v in _facts(product.extra)]
    chosen: list[str] = []
    for sentence in sentences:
        if len(" ".join([*chosen, sentence])) > limit:
            break
        chosen.append(sentence)
    if chosen:
        return " ".join(chosen)
    if not sentences:
        return ""
    shortened = fit_words(sentences[0], limit - 1)
    return f"{shortened}\u2026" if shortened else ""


def _facts(extra: Mapping[str, Any]) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    for key, raw in extra.items():
        if str(key).casefold() in _SKIPPED_FACTS or key in _BRAND_KEYS[2:]:
            continue
        value = _fact_value(raw)
        if value and len(value) <= MAX_FACT_CHARS:
            facts.append((_label(str(key)), value))
        if len(facts) == MAX_FACTS:
            break
    return facts


def _fact_value(raw: object) -> str:
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    if isinstance(raw, str | int | float):
        return " ".join(visible_text(str(raw)).split())
    if isinstance(raw, list | tuple) and all(isinstance(v, str | int | float) for v in raw):
        return ", ".join(visible_text(str(v)) for v in raw if str(v).strip())
    return ""


def _label(key: str) -> str:
    words = re.sub(r"[_\-]+", " ", key).strip()
    return words[:1].upper() + words[1:]


def _brand(extra: Mapping[str, Any]) -> str:
    for key in _BRAND_KEYS:
        value = extra.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _is_promo(text: str) -> bool:
    words = [w.strip(_TRAILING_JUNK) for w in text.split()]
    return bool(words) and all(w.upper() in _PROMO_WORDS for w in words if w)


def _is_promo_word(word: str, mixed_case: bool) -> bool:
    core = word.strip(_TRAILING_JUNK + "!*#~")
    return core in _PROMO_WORDS and (mixed_case or "!" in word)


def _single_case(text: str) -> bool:
    # Words with digits ("2M", "4K") say nothing about how the rest was typed.
    letters = [c for w in text.split() if not any(d.isdigit() for d in w) for c in w if c.isalpha()]
    cased = [c for c in letters if c.lower() != c.upper()]
    return bool(cased) and (all(c.isupper() for c in cased) or all(c.islower() for c in cased))


def _title_case(text: str) -> str:
    words = []
    for i, word in enumerate(text.split()):
        lower = word.lower()
        if i > 0 and lower in _SMALL_WORDS:
            words.append(lower)
        elif any(c.isdigit() for c in word):
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
