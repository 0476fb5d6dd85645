"""Checks every generated value passes before it is saved.

A value is never shortened here: one over its limit is refused (`too_long: N > MAX`) so the
provider can ask for it again with the limit restated. A value that repeats instructions aimed at
the model (what a prompt injection in the product data makes a model echo) is refused as
`instruction_echo`; one written in another language than asked, as `wrong_language: <code>`.
One that breaks the store's glossary is refused as `glossary_banned: ["word", ...]` (a word that
must never appear) or `glossary_term: [["iPhone", "iphone"], ...]` (a term written otherwise than
exactly so), the details as JSON so any word survives the trip.
A description too close to another product's in the store (found by the worker, duplicates.py) is
refused as `duplicate_content: {"product_id", "title", "similarity"}`.
An accepted value carries the facts it states that the product data does not (facts.py).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import nh3

from ..domain import image_alt
from ..domain.attributes import Attribute
from ..domain.glossary import BannedWord, Glossary, base_language
from ..domain.jobs import ItemReason
from .facts import FactFlag, unsupported_facts
from .language_id import other_language

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "h2", "h3", "h4", "a", "span"})
# Block tags that carry the text's direction: a right-to-left description must read right to left
# in a storefront theme that is left to right (an Arabic product in an English Shopify store).
_DIRECTED_TAGS = ("p", "ul", "ol", "h2", "h3", "h4")
_DIRECTED_BLOCK = re.compile(r"<(?:p|ul|ol|h2|h3|h4)\b")
_UNDIRECTED_BLOCK = re.compile(r"<(p|ul|ol|h2|h3|h4)>")
_MARKUP_OR_NUL = re.compile("[<&\x00]")
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
    flags: list[FactFlag] = field(default_factory=list)

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
    "malformed": (ItemReason.MALFORMED, "the suggestion did not give one alt text for each image"),
}


def is_unchanged(reason: str) -> bool:
    """Whether a refusal says the answer was the current text: the model found nothing to improve."""
    return reason == "unchanged"


def describe_rejection(reason: str) -> tuple[ItemReason, str]:
    """Why a value was refused: its code and the words the Results screen shows a store owner."""
    code, _, detail = reason.partition(":")
    if code == GLOSSARY_BANNED:
        return ItemReason.GLOSSARY_BANNED, f"the suggestion {banned_sentence(_details(detail))}"
    if code == GLOSSARY_TERM:
        return ItemReason.GLOSSARY_TERM, f"the suggestion {term_sentence(_details(detail))}"
    if is_duplicate_content(reason):
        return ItemReason.DUPLICATE_CONTENT, _duplicate_sentence(detail)
    return REJECTIONS.get(code, (ItemReason.REJECTED, reason))


GLOSSARY_BANNED = "glossary_banned"
GLOSSARY_TERM = "glossary_term"


def banned_sentence(words: list[Any]) -> str:
    """ "used 'revolutionary', which the glossary forbids" (the subject is the caller's)."""
    return f"used {_listed(words)}, which the glossary forbids"


def term_sentence(pairs: list[Any]) -> str:
    """ "wrote 'iphone' where the glossary asks for 'iPhone'" (the subject is the caller's)."""
    written = _listed([p[1] for p in pairs if isinstance(p, list) and len(p) == 2])
    asked = _listed([p[0] for p in pairs if isinstance(p, list) and len(p) == 2])
    return f"wrote {written} where the glossary asks for {asked}"


def glossary_error(text: str, glossary: Glossary, language: str) -> str | None:
    """Why `text` breaks the glossary (a refusal as the module docstring shows it), or None."""
    banned = banned_words_in(text, glossary, language)
    if banned:
        return f"{GLOSSARY_BANNED}: {json.dumps(banned, ensure_ascii=False)}"
    wrong = misspelt_terms(text, glossary)
    if wrong:
        return f"{GLOSSARY_TERM}: {json.dumps(wrong, ensure_ascii=False)}"
    return None


def banned_words_in(text: str, glossary: Glossary, language: str) -> list[str]:
    """The banned words `text` uses, as written there, in order of appearance, each once."""
    pattern = _banned_pattern_of(glossary, base_language(language))
    if pattern is None:
        return []
    return list(dict.fromkeys(" ".join(m.group().split()) for m in pattern.finditer(text)))


def misspelt_terms(text: str, glossary: Glossary) -> list[list[str]]:
    """[term, as written] for each exact term `text` writes in another letter case or spacing."""
    compiled = _term_pattern(glossary.exact_terms)
    if compiled is None:
        return []
    pattern, by_skeleton = compiled
    wrong: dict[tuple[str, str], None] = {}
    for m in pattern.finditer(text):
        written = " ".join(m.group().split()).replace("\u2019", "'")
        term = by_skeleton.get(_skeleton(written))
        if term is not None and written != term.replace("\u2019", "'"):
            wrong[(term, written)] = None
    return [[term, written] for term, written in wrong]


def terms_in(text: str, glossary: Glossary) -> list[str]:
    """The exact terms `text` mentions in any spelling (the prompt names only those)."""
    compiled = _term_pattern(glossary.exact_terms)
    if compiled is None:
        return []
    pattern, by_skeleton = compiled
    found = (by_skeleton.get(_skeleton(m.group())) for m in pattern.finditer(text))
    return list(dict.fromkeys(t for t in found if t is not None))


# Between the parts of a term or phrase: spaces, hyphens, apostrophes, dots, or nothing at all, so
# "Air Max", "air-max" and "AirMax" are one term written three ways.
_JOIN = r"[\s\-_'\u2019.\u00b7]*"
_PART = re.compile(r"[^\W_]+")
_EDGE_BEFORE = r"(?<![^\W_])"
_EDGE_AFTER = r"(?![^\W_])"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# The usual endings of a word in each language, so a banned base form catches its inflections.
_ENDINGS = {
    "en": "(?:s|es)?",
    "de": "(?:e|en|er|es|em|n|s)?",
    "fr": "(?:s|x|e|es)?",
    "it": "(?:i|e|a|o)?",
    "pt": "(?:s|es|a|as)?",
    "nl": "(?:e|en|s)?",
    "tr": "(?:ler|lar)?",
    "ar": "(?:\u0629|\u0627\u062a|\u0648\u0646|\u064a\u0646|\u0627\u0646)?",
}
# Arabic attaches "and", "so", "with", "for", "like" and the article to the word that follows; the
# alef and yeh forms people write interchangeably match each other.
_ALEF = "[\u0627\u0623\u0625\u0622]"
_YEH = "[\u0649\u064a]"
_ARABIC_LETTERS = {"\u0627": _ALEF, "\u0623": _ALEF, "\u0625": _ALEF, "\u0622": _ALEF, "\u0649": _YEH, "\u064a": _YEH}
_AND = "[\u0648\u0641]?"  # wa-, fa-
_ARTICLE = f"{_ALEF}\u0644"  # al-
_BEFORE_WORD = f"(?:{_AND}(?:[\u0628\u0643]?{_ARTICLE}|\u0644\u0644|[\u0628\u0644\u0643])?)"
# A word written with its article: "and the", "with the", or "for the", which is written li-l-.
_BEFORE_ARTICLE = f"(?:{_AND}[\u0628\u0643]?{_ARTICLE}|{_AND}\u0644\u0644)"


def _skeleton(text: str) -> str:
    return "".join(_PART.findall(text)).casefold()


@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    by_skeleton: dict[str, str] = {}
    bodies = []
    for term in sorted(terms, key=len, reverse=True):  # the longest term wins where two overlap
        parts = _PART.findall(term)
        if parts and _skeleton(term) not in by_skeleton:
            by_skeleton[_skeleton(term)] = term
            bodies.append(_JOIN.join(re.escape(p) for p in parts))
    if not bodies:
        return None
    return re.compile(f"{_EDGE_BEFORE}(?:{'|'.join(bodies)}){_EDGE_AFTER}", re.IGNORECASE), by_skeleton


@lru_cache(maxsize=256)
def _banned_pattern_of(glossary: Glossary, language: str) -> re.Pattern[str] | None:
    # Every field of every answer is checked against the same few glossaries: the words each
    # refuses in a language are gathered once, not per value.
    return _banned_pattern(glossary.banned_for(language))


@lru_cache(maxsize=256)
def _banned_pattern(words: tuple[BannedWord, ...]) -> re.Pattern[str] | None:
    bodies = [body for w in sorted(words, key=lambda b: len(b.word), reverse=True) if (body := _banned_body(w))]
    if not bodies:
        return None
    return re.compile(f"{_EDGE_BEFORE}(?:{'|'.join(bodies)}){_EDGE_AFTER}", re.IGNORECASE)


def _banned_body(banned: BannedWord) -> str:
    parts = _PART.findall(banned.word)
    if not parts:
        return ""
    arabic = bool(_ARABIC.search(banned.word))
    language = "ar" if arabic else base_language(banned.language or "en")
    *head, last = parts
    if language == "es" and last[-1:] in ("o", "a"):
        last_body = re.escape(last[:-1]) + "(?:o|a|os|as)"
    else:
        last_body = _letters(last, arabic) + _ENDINGS.get(language, _ENDINGS["en"])
    bodies = [*(_letters(p, arabic) for p in head), last_body]
    if arabic:
        if parts[0].startswith("\u0627\u0644") and len(parts[0]) > 2:
            bodies[0] = _BEFORE_ARTICLE + bodies[0].removeprefix(_ARTICLE)
        else:
            bodies[0] = _BEFORE_WORD + bodies[0]
    return _JOIN.join(bodies)


def _letters(part: str, arabic: bool) -> str:
    """A word as a pattern, Arabic letters with their interchangeable forms."""
    if not arabic:
        return re.escape(part)
    return "".join(_ARABIC_LETTERS.get(c, re.escape(c)) for c in part)


def _details(detail: str) -> list[Any]:
    try:
        found = json.loads(detail)
    except ValueError:
        return [detail.strip()]
    return found if isinstance(found, list) else [str(found)]


def _listed(words: list[Any]) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


_DUPLICATE_CONTENT = "duplicate_content"


def duplicate_content(product_id: str, title: str, similarity: float) -> str:
    """The refusal of a description too close to another product's (the closest one)."""
    detail = {"product_id": product_id, "title": title, "similarity": round(similarity, 2)}
    return f"{_DUPLICATE_CONTENT}: {json.dumps(detail, ensure_ascii=False)}"


def is_duplicate_content(reason: str) -> bool:
    return reason.split(":", 1)[0] == _DUPLICATE_CONTENT


def _duplicate_sentence(detail: str) -> str:
    try:
        found = json.loads(detail)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return "the description was almost the same as another product's description in the store"
    title = " ".join(str(found.get("title") or "").split())[:120]
    named = f"'{title}'" if title else f"product {found.get('product_id')}"
    similarity = found.get("similarity")
    alike = f" ({round(similarity * 100)}% alike)" if isinstance(similarity, int | float) else ""
    return f"the description was almost the same as the description of {named}{alike}, another product in the store"


def sanitize_html(value: str) -> str:
    """Keep the safe tag list; drop scripts and styles with their content, event handlers,
    `javascript:` and relative links; add `rel` to the links left."""
    renamed = _RENAMED_TAG.sub(lambda m: f"<{m.group(1)}{_RENAMES[m.group(2).lower()]}", value)
    return _EMPTY_PARAGRAPH.sub("", _HTML_CLEANER.clean(renamed)).strip()


def visible_text(value: str) -> str:
    """What a shopper reads: no tags, entities decoded, whitespace collapsed."""
    if not _MARKUP_OR_NUL.search(value):  # plain text, as most short drafts are: nothing to parse
        return " ".join(value.split())
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
    glossary: Glossary | None = None,
) -> CheckResult:
    """`check_language`: refuse a value surely written in another language than `language` (for
    a model; the offline rules never translate, so their values keep the product's language).
    `glossary`: refuse a value that breaks the store's glossary."""
    if attribute is Attribute.IMAGE_ALT:
        return _check_image_alt(
            before=before,
            after=after,
            source_text=source_text,
            language=language,
            check_language=check_language,
            glossary=glossary,
        )
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
    if glossary is not None and (broken := glossary_error(text, glossary, language)):
        return CheckResult(None, broken)
    if len(text) > attribute.max_length:
        return CheckResult(None, f"too_long: {len(text)} > {attribute.max_length}")
    return CheckResult(value, None, unsupported_facts(value, source_text, html_value=attribute.is_html))


def _check_image_alt(
    *, before: str, after: object, source_text: str, language: str, check_language: bool, glossary: Glossary | None
) -> CheckResult:
    """Image alt text: `after` is a list of `{image_id, alt}` (or its JSON) naming exactly the
    images of `before`, in order, each alt plain text that is not empty and fits the limit. The
    value saved is the canonical JSON (domain/image_alt.py)."""
    try:
        current = image_alt.decode(before)
        proposed = image_alt.decode(after if isinstance(after, str) else json.dumps(after))
    except (TypeError, ValueError):
        return CheckResult(None, "malformed: the value must list every image of the product with its alt text")
    if [a.image_id for a in proposed] != [a.image_id for a in current]:
        return CheckResult(None, "malformed: the value must list every image of the product, in order, and no other")
    if not proposed:
        return CheckResult(None, "empty")
    cleaned = [image_alt.ImageAlt(a.image_id, _unquote(plain_text(a.alt))) for a in proposed]
    texts = [a.alt for a in cleaned]
    # An alt text may stay empty only where it was (an image whose alt text cannot be written now).
    if not any(texts) or any(not t and c.alt.strip() for t, c in zip(texts, current, strict=True)):
        return CheckResult(None, "empty")
    joined = " ".join(texts)
    if _INSTRUCTION.search(joined):
        return CheckResult(None, "instruction_echo")
    if check_language and (found := other_language(joined, language)):
        return CheckResult(None, f"wrong_language: {found}")
    if [t.casefold() for t in texts] == [plain_text(a.alt).casefold() for a in current]:
        return CheckResult(None, "unchanged")
    if glossary is not None and (broken := glossary_error(joined, glossary, language)):
        return CheckResult(None, broken)
    texts = [t for t in texts if t]
    longest = max(len(t) for t in texts)
    if longest > Attribute.IMAGE_ALT.max_length:
        return CheckResult(None, f"too_long: {longest} > {Attribute.IMAGE_ALT.max_length}")
    value = image_alt.encode(cleaned)
    return CheckResult(value, None, _alt_flags(value, cleaned, source_text))


def _alt_flags(value: str, alts: list[image_alt.ImageAlt], source_text: str) -> list[FactFlag]:
    """The fact gate over each alt text, its spans moved to where that text sits in the saved JSON
    (UTF-16 offsets, as for the other fields; exact unless an alt holds a character JSON escapes)."""
    flags: list[FactFlag] = []
    searched = 0
    for a in alts:
        if not a.alt:
            continue
        escaped = json.dumps(a.alt, ensure_ascii=False)[1:-1]
        at = value.find(escaped, searched)
        searched = at + len(escaped)
        shift = len(value[:at].encode("utf-16-le")) // 2
        for flag in unsupported_facts(a.alt, source_text):
            flags.append({**flag, "start": flag["start"] + shift, "end": flag["end"] + shift})
    return flags


def _unquote(text: str) -> str:
    for left, right in _QUOTES:
        if len(text) > 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text
