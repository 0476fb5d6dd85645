"""Checks every generated value passes before it is saved.

A value is never shortened here: one over its limit is refused (`too_long: N > MAX`) so the
provider can ask for it again with the limit restated. A value that repeats instructions aimed at
the model (what a prompt injection in the product data makes a model echo) is refused as
`instruction_echo`; one written in another language than asked, as `wrong_language: <code>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import nh3

from ..domain.attributes import Attribute
from ..domain.jobs import ItemReason
from .language_id import other_language

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "h2", "h3", "h4", "a", "span"})
# Block tags that carry the text's direction: a right-to-left description must read right to left
# in a storefront theme that is left to right (an Arabic product in an English Shopify store).
_DIRECTED_TAGS = ("p", "ul", "ol", "h2", "h3", "h4")
_DIRECTED_BLOCK = re.compile(r"<(?:p|ul|ol|h2|h3|h4)\b")
_UNDIRECTED_BLOCK = re.compile(r"<(p|ul|ol|h2|h3|h4)>")
_RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
_CONTENT_DROPPED_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "object"})

_HTML_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_CONTENT_DROPPED_TAGS),
    attributes={"a": {"href"}, **{tag: {"dir"} for tag in _DIRECTED_TAGS}},
    url_schemes={"http", "https", "mailto"},
    # Relative links would point into the app or the admin, never where the owner meant.
    url_relative="deny",
    link_rel="noopener noreferrer",
)
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=set(_CONTENT_DROPPED_TAGS))

# Block-level tags separate words; without a space "<li>a</li><li>b</li>" would read "ab".
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|li|ul|ol|h[1-6]|div|tr|td|th|table|section|article|blockquote|hr)\b[^>]*>",
    re.IGNORECASE,
)
# Tags a model often uses for the same purpose as an allowed one: renamed rather than dropped,
# so "<h1>Title</h1><div>text</div>" keeps its structure instead of reading "Titletext".
_RENAMED_TAG = re.compile(r"<(\s*/?\s*)(h1|h5|h6|div|section|article)\b", re.IGNORECASE)
_RENAMES = {"h1": "h2", "h5": "h4", "h6": "h4", "div": "p", "section": "p", "article": "p"}
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")
_TAG_START = re.compile(r"<(?=\s*[a-zA-Z/!?])")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_QUOTES = (('"', '"'), ("\u201c", "\u201d"), ("\u00ab", "\u00bb"))

_UNITS = (
    r"%|cm|mm|km|m|kg|mg|g|ml|cl|l|oz|lbs|lb|inches|inch|in|ft|kw|w|v|mah|wh|tb|gb|mb|ghz|mhz|hz|"
    r"pcs|pieces|pack|years|year|months|month|days|day|hours|hour|h|min"
)
_NUMBER = re.compile(rf"(?<![\d.,])(\d+(?:[.,]\d+)*)(?:\s?({_UNITS})(?![a-z]))?", re.IGNORECASE)

MATERIALS = (
    "cotton", "wool", "merino", "cashmere", "alpaca", "mohair", "silk", "satin", "linen", "hemp",
    "denim", "leather", "suede", "velvet", "polyester", "nylon", "spandex", "elastane", "acrylic",
    "viscose", "rayon", "bamboo", "steel", "aluminium", "aluminum", "titanium", "copper", "brass",
    "bronze", "gold", "silver", "platinum", "oak", "walnut", "teak", "marble", "granite",
    "ceramic", "porcelain", "glass", "crystal", "silicone", "rubber", "cork",
)  # fmt: skip
CLAIMS = (
    "organic", "certified", "hypoallergenic", "vegan", "waterproof", "bpa-free", "recycled",
    "biodegradable", "handmade", "fair trade", "dermatologically tested", "clinically proven",
    "patented", "award-winning", "warranty", "guarantee",
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
# Words addressed to a model, never to a shopper: product data that carries them is an injection
# attempt, and an answer that repeats them followed it (or quoted it into the store).
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|system\s+|these\s+)*"
    r"(?:instructions?|rules|prompts?|directions)\b"
    r"|\byou\s+are\s+now\s+(?:a|an|in)\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\bas\s+an?\s+(?:ai|language\s+model|large\s+language\s+model)\b"
    r"|\bignor(?:e|ez|er)\s+(?:toutes\s+)?les\s+instructions\b"
    r"|\bignora\s+(?:todas\s+)?las\s+instrucciones\b"
    r"|\bignoriere\s+(?:alle\s+)?(?:vorherigen\s+)?anweisungen\b"
    r"|تجاهل\s+(?:جميع\s+|كل\s+)?التعليمات",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckResult:
    """`value` is the cleaned value to save, or None with `error` saying why it was refused."""

    value: str | None
    error: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None


# The refusals the dashboard words itself, by code; the English text is what the API sends beside it.
REJECTIONS: dict[str, tuple[ItemReason, str]] = {
    "empty": (ItemReason.EMPTY, "the suggestion was empty"),
    "unchanged": (ItemReason.UNCHANGED, "the suggestion was the same as the current text"),
    "too_long": (ItemReason.TOO_LONG, "the suggestion was longer than the field allows"),
    "missing from the answer": (ItemReason.LEFT_OUT, "the answer left this field out"),
    "wrong_language": (ItemReason.WRONG_LANGUAGE, "the suggestion was written in another language"),
    "instruction_echo": (ItemReason.INSTRUCTION_ECHO, "the suggestion repeated instructions found in the product data"),
}


def is_unchanged(reason: str) -> bool:
    """Whether a refusal says the answer was the current text: the model found nothing to improve."""
    return reason == "unchanged"


def describe_rejection(reason: str) -> tuple[ItemReason, str]:
    """Why a value was refused: its code and the words the Results screen shows a store owner."""
    return REJECTIONS.get(reason.split(":", 1)[0], (ItemReason.REJECTED, reason))


def sanitize_html(value: str) -> str:
    """Keep the safe tag list; drop scripts and styles with their content, event handlers,
    `javascript:` and relative links; add `rel` to the links left."""
    renamed = _RENAMED_TAG.sub(lambda m: f"<{m.group(1)}{_RENAMES[m.group(2).lower()]}", value)
    return _EMPTY_PARAGRAPH.sub("", _HTML_CLEANER.clean(renamed)).strip()


def visible_text(value: str) -> str:
    """What a shopper reads: no tags, entities decoded, whitespace collapsed."""
    spaced = _BLOCK_TAG.sub(" ", value)
    return " ".join(html.unescape(_TEXT_CLEANER.clean(spaced)).split())


def plain_text(value: str) -> str:
    """A plain field's value as text: whitespace collapsed, markup taken out, and entities left
    exactly as written ("&lt;" is four characters of text, never a "<"). Themes print titles
    raw, so what could open a tag there is neutralised: whole tags are removed, and a "<" that
    would still start one gets a space after it."""
    without_tags = _TAG.sub(" ", value)
    return " ".join(_TAG_START.sub("< ", without_tags).split())


def is_rtl(language: str) -> bool:
    return language.split("-", 1)[0].lower() in _RTL_LANGUAGES


def with_direction(value: str, language: str) -> str:
    """Sanitised HTML with `dir="rtl"` on its blocks when `language` is written right to left
    (loose text is wrapped in a paragraph); directions already set are kept."""
    if not is_rtl(language):
        return value
    if not _DIRECTED_BLOCK.search(value):
        value = f"<p>{value}</p>"
    return _UNDIRECTED_BLOCK.sub(r'<\1 dir="rtl">', value)


def check_value(
    attribute: Attribute,
    *,
    before: str,
    after: object,
    source_text: str,
    language: str = "",
    check_language: bool = False,
) -> CheckResult:
    """`check_language`: refuse a value surely written in another language than `language` (for
    a model; the offline rules never translate, so their values keep the product's language)."""
    if not isinstance(after, str) or not after.strip():
        return CheckResult(None, "empty")
    if attribute.is_html:
        value = with_direction(sanitize_html(after), language)
        text = visible_text(value)
    else:
        value = text = _unquote(plain_text(after))
    if not text:
        return CheckResult(None, "empty")
    if _INSTRUCTION.search(text):
        return CheckResult(None, "instruction_echo")
    if check_language and (found := other_language(text, language)):
        return CheckResult(None, f"wrong_language: {found}")
    if text.casefold() == (visible_text(before) if attribute.is_html else plain_text(before)).casefold():
        return CheckResult(None, "unchanged")
    if len(text) > attribute.max_length:
        return CheckResult(None, f"too_long: {len(text)} > {attribute.max_length}")
    return CheckResult(value, None, fact_flags(text, source_text))


def fact_flags(text: str, source_text: str) -> list[str]:
    """Warnings for numbers, materials and claims the output states but the input never did."""
    known = _source_facts(source_text)
    flags: list[str] = []
    for m in _NUMBER.finditer(text):
        if not _number_keys(m.group(1)) & known.numbers:
            shown = f"{m.group(1)} {m.group(2)}" if m.group(2) and m.group(2) != "%" else m.group(0)
            flags.append(f"number not in the product data: {shown.strip()}")
    said = _Terms.of(text)
    flags += [f"material not in the product data: {t}" for t in said.found(MATERIALS) if t not in known.terms]
    flags += [f"claim not in the product data: {t}" for t in said.found(CLAIMS) if t not in known.terms]
    return list(dict.fromkeys(flags))


@dataclass(frozen=True)
class _Terms:
    folded: str
    words: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Terms:
        folded = text.casefold()
        return cls(folded, frozenset(_WORD.findall(folded)))

    def found(self, vocabulary: tuple[str, ...]) -> list[str]:
        """Terms of `vocabulary` present, in order of appearance; phrases match as substrings."""
        hits = [t for t in vocabulary if (t in self.words if t.isalpha() else t in self.folded)]
        return sorted(hits, key=self.folded.find)


@dataclass(frozen=True)
class _SourceFacts:
    numbers: frozenset[str]
    terms: frozenset[str]


@lru_cache(maxsize=256)
def _source_facts(source_text: str) -> _SourceFacts:
    # One product's source is checked once per attribute: analyse it once.
    numbers = frozenset(key for m in _NUMBER.finditer(source_text) for key in _number_keys(m.group(1)))
    terms = _Terms.of(source_text)
    return _SourceFacts(numbers, frozenset(terms.found(MATERIALS) + terms.found(CLAIMS)))


def _number_keys(token: str) -> set[str]:
    """Canonical readings of a number as written: "1,5" and "1.5" match, "1,299" matches "1299"."""
    keys = {token}
    separators = {c for c in token if c in ".,"}
    if len(separators) == 2:
        decimal = token[max(token.rfind("."), token.rfind(","))]
        whole, _, frac = token.rpartition(decimal)
        readings = [whole.replace(".", "").replace(",", "") + "." + frac]
    elif len(separators) == 1:
        sep = separators.pop()
        readings = [token.replace(sep, ".")] if token.count(sep) == 1 else []
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", token):
            readings.append(token.replace(sep, ""))
    else:
        readings = [token]
    for reading in readings:
        try:
            keys.add(format(Decimal(reading).normalize(), "f"))
        except InvalidOperation:
            continue
    return keys


def _unquote(text: str) -> str:
    for left, right in _QUOTES:
        if len(text) > 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text
