"""When two product descriptions count as near-duplicates, and the text they are compared by.

A description is compared by its words, not its markup: tags go, entities are decoded, letters are
folded (case, compatibility forms, Arabic diacritics and the letter forms people write
interchangeably), digits of any script become ASCII digits. Its shingles are the runs of
SHINGLE_WORDS consecutive words; two descriptions are near-duplicates when the Jaccard similarity
of their shingle sets, as MinHash estimates it from NUM_PERM values (minhash.py), is at least
THRESHOLD.

Why 0.8 on word 3-shingles: a 600-character description has about 100 words, so about 98
shingles. Changing one word in it changes up to three shingles: one word gives about 0.94, three
words about 0.83, five about 0.73. So 0.8 catches a copy with a few words swapped (a colour, a
size, the product name) and lets pass a text that shares a template but says its own things.
"""

from __future__ import annotations

import html
import re
import unicodedata

THRESHOLD = 0.8
SHINGLE_WORDS = 3
NUM_PERM = 128
# Locality-sensitive hashing: the signature is cut into BANDS bands of ROWS values; two
# descriptions become candidates when any band is equal. The chance of that for similarity s is
# 1 - (1 - s**ROWS)**BANDS: 0.985 at 0.8, 0.999 at 0.9, 0.40 at 0.6, 0.13 at 0.5, 0.03 at 0.4, so
# near-duplicates are almost never missed and few unrelated pairs need verifying.
BANDS = 18
ROWS = 7
# How many of a product's near-duplicates the API names (closest first).
SHOWN = 5
# Characters of a description's text that count: a longer text is compared by its beginning, so one
# huge description costs no more than this.
MAX_TEXT_CHARS = 50_000

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+")
# Arabic: harakat, tanween, shadda, sukun, dagger alef and Quranic marks; the tatweel (kashida).
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "\u0623": "\u0627",  # alef with hamza above
        "\u0625": "\u0627",  # alef with hamza below
        "\u0622": "\u0627",  # alef with madda
        "\u0671": "\u0627",  # alef wasla
        "\u0649": "\u064a",  # alef maksura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
    }
)


def normalise(text: str) -> str:
    """A description's words as compared: markup out, entities decoded, letters folded, digits
    ASCII, one space between words. Raises TypeError for anything but text."""
    if not isinstance(text, str):
        raise TypeError(f"a description is text, not {type(text).__name__}")
    plain = html.unescape(_TAG.sub(" ", text))[:MAX_TEXT_CHARS]
    folded = unicodedata.normalize("NFKC", plain).casefold()
    folded = _ARABIC_MARKS.sub("", folded).translate(_ARABIC_LETTERS)
    return " ".join(_ascii_digits(w) for w in _WORD.findall(folded))


def shingles(text: str) -> frozenset[str]:
    """The runs of SHINGLE_WORDS consecutive words of a description (normalised); a shorter text
    is one shingle of all its words; a text without words has none."""
    words = normalise(text).split(" ") if text else []
    words = [w for w in words if w]
    if len(words) < SHINGLE_WORDS:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """The exact similarity of two shingle sets (MinHash estimates it); 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_near_duplicate(similarity: float) -> bool:
    return similarity >= THRESHOLD


def _ascii_digits(word: str) -> str:
    if word.isascii():
        return word
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c for c in word)
