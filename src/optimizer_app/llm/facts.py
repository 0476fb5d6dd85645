"""The fact gate: numbers, units, materials and claims a draft states that the product data does not.

Each finding is a flag with the exact words of the draft and where they are, so the owner sees
them highlighted; a flagged draft is published only once the owner accepted or edited it
(domain.jobs.publish_refusal). The words come from vocabulary/: units.json is CLDR's (generated
through Babel, tests/unit/test_fact_units.py), facts.json names the source of every other list.

Concepts, not words, are compared: "leather" in the product data supports "Leder" and "جلد طبيعي"
in a draft, so a translated draft is held to the same facts. Text is compared case-, accent- and
diacritic-insensitively; Arabic letters that are written either way (ة/ه, ى/ي, أ/إ/آ/ا) and
Arabic-Indic digits are folded first.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

LANGUAGES = ("en", "ar", "de", "fr", "es")
CODES = ("number", "unit", "material", "claim")
_VOCABULARY = Path(__file__).with_name("vocabulary")
_MESSAGES = {
    "number": "number not in the product data",
    "unit": "unit not in the product data",
    "material": "material not in the product data",
    "claim": "claim not in the product data",
}


class FactFlag(TypedDict):
    """A statement of the draft the product data does not support. `start` and `end` are UTF-16
    offsets into the saved value (what JavaScript's String.slice takes; HTML included), `text` the
    draft's words there; `term` the fact compared: a concept ("material:leather", "claim:made_in",
    "unit:mass-kilogram") or the number."""

    code: str
    term: str
    text: str
    start: int
    end: int
    message: str


# Folded before comparing; everything else loses case and accents (NFD, combining marks dropped).
_FOLD = {
    "ة": "ه", "ى": "ي", "ـ": "", "٫": ".", "٬": ",", "٪": "%", "\u00a0": " ", "\u2019": "'", "\u2013": "-",
    "ß": "ss",
}  # fmt: skip
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_CLITICS = r"(?:[وف])?(?:[بلك])?(?:ال)?"
_BOUNDARY_BEFORE = r"(?<![^\W_])"
_BOUNDARY_AFTER = r"(?![^\W_])"
_TAG = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_MARKUP = re.compile(f"{_TAG.pattern}|{_ENTITY.pattern}")
_NUMBER = r"(?<![\d.,])(\d+(?:[.,]\d+)*)"


def fold(text: str) -> str:
    """`text` as the gate compares it."""
    return text.translate(_FOLDED)


def _folded(value: str, *, html_value: bool) -> str:
    """The folded text a shopper reads (what `_normalise` gives, without where each character came
    from, which only a flag needs)."""
    if html_value and ("<" in value or "&" in value):
        value = _MARKUP.sub(lambda m: " " if m.group().startswith("<") else html.unescape(m.group()), value)
    return fold(value)


def _normalise(value: str, *, html_value: bool) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The folded text a shopper reads, and for each of its characters where it came from in
    `value` (start and end, in code points): tags read as a space, entities as what they stand for."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(value):
        piece, end = value[i], i + 1
        if html_value and piece == "<" and (tag := _TAG.match(value, i)):
            piece, end = " ", tag.end()
        elif html_value and piece == "&" and (entity := _ENTITY.match(value, i)):
            piece, end = html.unescape(entity.group(0)), entity.end()
        for ch in piece:
            for folded in _fold_char(ch):
                out.append(folded)
                starts.append(i)
                ends.append(end)
        i = end
    return "".join(out), tuple(starts), tuple(ends)


class _Folds(dict[int, str]):
    """Each character's folded form by code point, for str.translate, worked out once per character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLDED = _Folds()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    if ch.isdigit() and not ch.isascii():
        try:
            return str(unicodedata.digit(ch))
        except ValueError:
            return ch
    if ch.isspace():
        return " "
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class _Vocabulary:
    """One kind of term (units, materials or claims): a pattern finding any of its words, and for
    each word the concepts it names (a word ending in * in the file also matches longer words)."""

    pattern: re.Pattern[str]
    concepts: dict[str, frozenset[str]]

    @classmethod
    def of(cls, entries: dict[str, dict[str, list[str]]], *, arabic_clitics: bool) -> _Vocabulary:
        concepts: dict[str, set[str]] = {}
        open_ended: set[str] = set()
        for concept, words in entries.items():
            for language in LANGUAGES:
                for word in words.get(language, []):
                    base = _key(fold(word.rstrip("*")))
                    if not base:
                        continue
                    concepts.setdefault(base, set()).add(concept)
                    if word.endswith("*"):
                        open_ended.add(base)
        clitics = f"({_ARABIC_CLITICS})" if arabic_clitics else "()"
        pattern = re.compile(
            rf"{_BOUNDARY_BEFORE}{clitics}(?:({_alternatives(open_ended)})[^\W_]*|({_alternatives(set(concepts))}))"
            rf"{_BOUNDARY_AFTER}"
        )
        return cls(pattern, {w: frozenset(c) for w, c in concepts.items()})

    def find(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """(start, end, concepts) of every word of the vocabulary in folded `text`."""
        found = []
        for m in self.pattern.finditer(text):
            clitic, word = m.group(1), m.group(2) or m.group(3)
            if clitic and not _ARABIC.match(word):
                continue
            found.append((m.start(), m.end(), self.named(word)))
        return found

    def named(self, words: str) -> frozenset[str]:
        """The concepts of words as the pattern matched them (spaces and hyphens as written)."""
        return self.concepts.get(_key(words), frozenset())


def _alternatives(words: set[str]) -> str:
    """The words as one alternation, longest first; one that matches nothing when there are none.
    Words that begin alike share their beginning ("silk|silver" is written "sil(?:k|ver)"): the
    regex engine tries every alternative at every word start, and a vocabulary has hundreds."""
    return _shared_beginnings([_atoms(w) for w in sorted(words, key=len, reverse=True)]) or r"(?!x)x"


_SEPARATOR = r"[\s-]+"


def _atoms(word: str) -> list[str]:
    """A key as a sequence of patterns, one per character: a space matches spaces or a hyphen."""
    return [_SEPARATOR if c == " " else re.escape(c) for c in word]


def _shared_beginnings(alternatives: list[list[str]]) -> str:
    """Alternatives (in the order they are to be tried) as one pattern that matches the same text
    the same way: those with a common first atom are grouped under it, keeping their order. Groups
    with different first atoms can never match at the same place (keys hold no hyphen and their
    spaces are separators), so their order does not matter; an alternative that ends where others
    go on is shorter than them, so it stays last, as longest first had it."""
    groups: dict[str, list[list[str]]] = {}
    ends_here = False
    for atoms in alternatives:
        if atoms:
            groups.setdefault(atoms[0], []).append(atoms[1:])
        else:
            ends_here = True
    branches = [first + _shared_beginnings(rests) for first, rests in groups.items()]
    if ends_here:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return f"(?:{'|'.join(branches)})" if branches else ""


def _key(words: str) -> str:
    """Folded words with hyphens and runs of spaces as one space: "water-resistant" and
    "water  resistant" are one key."""
    return " ".join(words.replace("-", " ").split())


@dataclass(frozen=True)
class _Gate:
    materials: _Vocabulary
    claims: _Vocabulary
    units: _Vocabulary
    quantity: re.Pattern[str]


@lru_cache(maxsize=1)
def _gate() -> _Gate:
    facts = json.loads((_VOCABULARY / "facts.json").read_text(encoding="utf-8"))
    units: dict[str, dict[str, list[str]]] = json.loads((_VOCABULARY / "units.json").read_text(encoding="utf-8"))[
        "units"
    ]
    for unit, words in facts["units_extra"]["units"].items():
        merged = units.setdefault(unit, {})
        for language in LANGUAGES:
            merged[language] = [*merged.get(language, []), *words.get(language, [])]
    unit_words = _Vocabulary.of(units, arabic_clitics=False)
    # A unit follows its number, at most one space away ("250g", "250 g", "250 غرام").
    quantity = re.compile(rf"{_NUMBER}(?:\s?({_alternatives(set(unit_words.concepts))}){_BOUNDARY_AFTER})?")
    return _Gate(
        materials=_Vocabulary.of(facts["materials"], arabic_clitics=True),
        claims=_Vocabulary.of(facts["claims"], arabic_clitics=True),
        units=unit_words,
        quantity=quantity,
    )


@dataclass(frozen=True)
class _Known:
    """What the product data states: number readings, units, material and claim concepts."""

    numbers: frozenset[str]
    units: frozenset[str]
    concepts: frozenset[str]


@lru_cache(maxsize=256)
def _known(source_text: str) -> _Known:
    # One product's data is checked once per field: analysed once.
    gate = _gate()
    text = fold(source_text)
    numbers: set[str] = set()
    units: set[str] = set()
    for m in gate.quantity.finditer(text):
        numbers |= number_readings(m.group(1))
        if m.group(2):
            units |= gate.units.named(m.group(2))
    # A unit named anywhere counts ("weight_kg": 5); one letter only next to a number.
    for start, end, named in gate.units.find(text):
        if end - start > 1:
            units |= named
    concepts: set[str] = set()
    for kind, vocabulary in (("material", gate.materials), ("claim", gate.claims)):
        for _, _, found in vocabulary.find(text):
            concepts |= {f"{kind}:{c}" for c in found}
    return _Known(frozenset(numbers), frozenset(units), frozenset(concepts))


def unsupported_facts(value: str, source_text: str, *, html_value: bool = False) -> list[FactFlag]:
    """Every number, unit, material and claim of `value` that `source_text` (the product data and
    the owner's own words) does not state, in order of appearance."""
    gate = _gate()
    known = _known(source_text)
    text = _folded(value, html_value=html_value)
    hits: list[tuple[int, int, str, str]] = []
    for m in gate.quantity.finditer(text):
        unit_concepts = gate.units.named(m.group(2)) if m.group(2) else frozenset()
        if not number_readings(m.group(1)) & known.numbers:
            hits.append((m.start(), m.end(), "number", m.group(1)))
        elif unit_concepts and not unit_concepts & known.units:
            hits.append((m.start(), m.end(), "unit", "unit:" + min(unit_concepts)))
    for kind, vocabulary in (("material", gate.materials), ("claim", gate.claims)):
        for start, end, concepts in vocabulary.find(text):
            if not {f"{kind}:{c}" for c in concepts} & known.concepts:
                hits.append((start, end, kind, f"{kind}:{min(concepts)}"))
    if not hits:
        return []
    _, starts, ends = _normalise(value, html_value=html_value)
    flags: list[FactFlag] = []
    for start, end, code, term in sorted(hits):
        raw_start, raw_end = starts[start], ends[end - 1]
        words = value[raw_start:raw_end]
        flags.append(
            FactFlag(
                code=code,
                term=term,
                text=words,
                start=_utf16(value, raw_start),
                end=_utf16(value, raw_end),
                message=f"{_MESSAGES[code]}: {' '.join(_TAG.sub(' ', words).split()) if html_value else words}",
            )
        )
    return flags


def messages(flags: list[FactFlag]) -> list[str]:
    """The flags' sentences, each once: what the API's `flags` lists."""
    return list(dict.fromkeys(f["message"] for f in flags))


def number_readings(token: str) -> set[str]:
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


def _utf16(value: str, index: int) -> int:
    return len(value[:index].encode("utf-16-le")) // 2
