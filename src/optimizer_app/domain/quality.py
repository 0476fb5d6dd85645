"""A draft's quality score (0-100) and the reasons that lowered it: its length against what search
engines show, the product's name in the SEO title, how easy it reads, the facts flagged in it and,
from duplicate detection, how close it is to another product's text.

Every reason takes a fixed number of points off 100; the dashboard words the reasons by code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .attributes import Attribute


@dataclass(frozen=True)
class LengthBand:
    """Characters of text: below `short_below` is short, below `too_short_below` too short, above
    `longest` cut off where search engines show it (or longer than a shopper reads)."""

    too_short_below: int
    short_below: int
    longest: int


# SEO title: Google shows about 600 px, 50-60 characters; meta description about 920 px on
# desktop, 120-156 characters (https://developers.google.com/search/docs/appearance/title-link,
# https://developers.google.com/search/docs/appearance/snippet). A title is a product's name in
# the store and the tab; a description under 150 characters says too little to rank or sell.
LENGTHS = {
    Attribute.SEO_TITLE: LengthBand(too_short_below=30, short_below=50, longest=60),
    Attribute.SEO_DESCRIPTION: LengthBand(too_short_below=70, short_below=120, longest=156),
    Attribute.TITLE: LengthBand(too_short_below=10, short_below=20, longest=70),
    Attribute.DESCRIPTION: LengthBand(too_short_below=150, short_below=300, longest=5000),
    # One image's alt text: a few words that say what the picture shows, within what screen readers
    # read without cutting (125 characters, the limit the field's check enforces).
    Attribute.IMAGE_ALT: LengthBand(too_short_below=5, short_below=15, longest=125),
}

PENALTIES = {
    "too_short": 20,
    "short": 10,
    "too_long": 15,
    "name_missing": 20,
    "hard_to_read": 15,
    "long_sentences": 10,
    "unsupported_facts": 15,  # for each flag, at most three times
    "duplicate": 0,  # as much as duplicate detection says
}
REASONS = tuple(PENALTIES)
MAX_FACT_PENALTIES = 3

# LIX (Björnsson): words per sentence + the share of words over six letters, in percent. It was
# made to compare texts across languages; German and French run longer words than English and
# Spanish, so each language has its own line above which a text reads as hard (LIX 50-60 is
# "hard" for English in Björnsson's scale). Arabic is written without short vowels, so its words
# look shorter than they sound: the same line as English.
HARD_LIX = {"en": 55, "es": 55, "ar": 55, "fr": 58, "de": 60}
_DEFAULT_HARD_LIX = 55
LONG_SENTENCE_WORDS = 25
_MIN_WORDS_TO_RATE = 20
_LONG_WORD_LETTERS = 6
_SENTENCE_END = re.compile(r"[.!?;؟؛…\n]+|\s[-•·]\s")
_WORD = re.compile(r"[^\W\d_]+|\d+")
_RATED = frozenset({Attribute.DESCRIPTION, Attribute.SEO_DESCRIPTION})


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    lix: float

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def readability(text: str) -> Readability:
    """Words, sentences and LIX of plain text."""
    return _rated(text, _WORD.findall(text))


def _rated(text: str, words: list[str]) -> Readability:
    if not words:
        return Readability(0, 0, 0.0)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    long_words = sum(1 for w in words if len(w) > _LONG_WORD_LETTERS)
    lix = len(words) / max(1, len(sentences)) + 100 * long_words / len(words)
    return Readability(len(words), max(1, len(sentences)), round(lix, 1))


def quality(
    attribute: Attribute,
    text: str,
    *,
    product_name: str = "",
    language: str = "",
    flags: int = 0,
    duplicate_penalty: int = 0,
) -> dict[str, Any]:
    """`{score, reasons}` of a draft's plain text (`text`: what a shopper reads, no markup).
    `flags`: how many facts the gate flagged; `duplicate_penalty`: points duplicate detection
    takes off (0-100) when the text is too close to another product's."""
    penalties: dict[str, int] = {}
    length = len(text)
    band = LENGTHS[attribute]
    if length < band.too_short_below:
        penalties["too_short"] = PENALTIES["too_short"]
    elif length < band.short_below:
        penalties["short"] = PENALTIES["short"]
    elif length > band.longest:
        penalties["too_long"] = PENALTIES["too_long"]
    if attribute is Attribute.SEO_TITLE and not names_product(text, product_name):
        penalties["name_missing"] = PENALTIES["name_missing"]
    if attribute in _RATED and len(words := _WORD.findall(text)) >= _MIN_WORDS_TO_RATE:
        rated = _rated(text, words)  # sentences are split only for a text long enough to rate
        hard = HARD_LIX.get(language.split("-", 1)[0].lower(), _DEFAULT_HARD_LIX)
        if rated.lix > hard:
            penalties["hard_to_read"] = PENALTIES["hard_to_read"]
        if rated.words_per_sentence > LONG_SENTENCE_WORDS:
            penalties["long_sentences"] = PENALTIES["long_sentences"]
    if flags > 0:
        penalties["unsupported_facts"] = PENALTIES["unsupported_facts"] * min(flags, MAX_FACT_PENALTIES)
    if duplicate_penalty > 0:
        penalties["duplicate"] = min(100, duplicate_penalty)
    if not penalties:
        return {"score": 100, "reasons": []}
    reasons = sorted(penalties, key=lambda r: (-penalties[r], REASONS.index(r)))
    return {"score": max(0, 100 - sum(penalties.values())), "reasons": reasons}


def names_product(text: str, name: str) -> bool:
    """Whether `text` names the product: at least half of the first four words of its name that
    carry meaning (three letters or more, or a number), compared without case or accents. True
    when the name has no such word."""
    wanted = [w for w in _words(name) if len(w) >= 3 or w.isdigit()][:4]
    if not wanted:
        return True
    present = set(_words(text))
    return sum(1 for w in wanted if w in present) >= math.ceil(len(wanted) / 2)


def _words(text: str) -> list[str]:
    if text.isascii():  # nothing to decompose: most drafts, scored in the worker's hot path
        return _WORD.findall(text.casefold())
    decomposed = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)
