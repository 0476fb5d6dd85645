"""A store's glossary: terms that must be written exactly so, words that must never appear (in one
language or in all), and the default hype words the app ships, which the owner can switch off as a
whole or word by word. The checks that apply it to a text live in llm/checks.py.

The default lists name marketing superlatives that say nothing a shopper can check. Sources:
Nielsen Norman Group measured that promotional "marketese" made product pages measurably harder
to use and that plain, objective wording made them 27 % easier
(https://www.nngroup.com/articles/concise-scannable-and-objective-how-to-write-for-the-web/);
Google Merchant Center asks for titles and descriptions without promotional text
(https://support.google.com/merchants/answer/6324415,
https://support.google.com/merchants/answer/6324468). Each entry is a word's base form: the
checks also match its usual inflections in its language (German -e/-en/-er/-es/-em, Spanish
-o/-a/-os/-as, French and English plurals, Arabic's attached prefixes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .languages import OFFERED_LANGUAGES

MAX_ENTRIES = 500
MAX_ENTRY_CHARS = 100

DEFAULT_HYPE_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "best-in-class", "revolutionary", "game-changer", "game-changing", "unparalleled", "unrivalled",
        "unrivaled", "world-class", "groundbreaking", "second to none", "must-have", "next-level",
        "life-changing", "like never before",
    ),
    "ar": (
        "ثوري", "لا مثيل له", "لا مثيل لها", "منقطع النظير", "لا يضاهى", "لا تضاهى", "الأفضل على الإطلاق",
        "من الطراز العالمي", "غير مسبوق",
    ),
    "de": (
        "revolutionär", "bahnbrechend", "unvergleichlich", "unübertroffen", "konkurrenzlos", "Weltklasse",
        "Gamechanger", "ein absolutes Muss",
    ),
    "fr": (
        "révolutionnaire", "inégalé", "incomparable", "sans égal", "sans pareil", "de classe mondiale",
        "incontournable", "hors du commun",
    ),
    "es": (
        "revolucionario", "inigualable", "sin igual", "sin precedentes", "de clase mundial", "incomparable",
        "insuperable", "imprescindible",
    ),
}  # fmt: skip


def base_language(code: str) -> str:
    """ "pt-BR" → "pt": banned words and default lists are kept per base language."""
    return code.split("-", 1)[0].lower()


@dataclass(frozen=True)
class BannedWord:
    word: str
    language: str | None = None  # a base language code; None: every language

    def applies_to(self, language: str) -> bool:
        return self.language is None or self.language == base_language(language)


@dataclass(frozen=True)
class Glossary:
    exact_terms: tuple[str, ...] = ()
    banned_words: tuple[BannedWord, ...] = ()
    hype_enabled: bool = True
    hype_disabled: frozenset[str] = frozenset()

    def banned_for(self, language: str) -> tuple[BannedWord, ...]:
        """Every word refused in text of `language`: the owner's, then the default hype words left on."""
        lang = base_language(language)
        owned = tuple(b for b in self.banned_words if b.applies_to(lang))
        if not self.hype_enabled:
            return owned
        disabled = {w.casefold() for w in self.hype_disabled}
        hype = tuple(BannedWord(w, lang) for w in DEFAULT_HYPE_WORDS.get(lang, ()) if w.casefold() not in disabled)
        return owned + hype

    def to_json(self) -> dict[str, Any]:
        """The stored shape, which is also what GET /api/glossary answers (defaults added there)."""
        return {
            "exact_terms": list(self.exact_terms),
            "banned_words": [{"word": b.word, "language": b.language} for b in self.banned_words],
            "default_hype_words": {"enabled": self.hype_enabled, "disabled_words": sorted(self.hype_disabled)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Glossary:
        hype = data.get("default_hype_words") or {}
        return cls(
            exact_terms=tuple(str(t) for t in data.get("exact_terms", ())),
            banned_words=tuple(
                BannedWord(str(b["word"]), b.get("language") or None) for b in data.get("banned_words", ())
            ),
            hype_enabled=bool(hype.get("enabled", True)),
            hype_disabled=frozenset(str(w) for w in hype.get("disabled_words", ())),
        )


DEFAULT_GLOSSARY = Glossary()
_ALL_HYPE = {w.casefold(): w for words in DEFAULT_HYPE_WORDS.values() for w in words}
_KEYS = ("exact_terms", "banned_words", "default_hype_words")
_HYPE_KEYS = ("enabled", "disabled_words", "words")
_LANGUAGES = {base_language(code) for code in OFFERED_LANGUAGES}


def parse_glossary(body: Mapping[str, Any]) -> Glossary:
    """A whole glossary as an owner sends it (PUT): every key required but `words`, which
    GET adds for reading and is ignored here. Raises ValueError with one plain sentence."""
    unknown = sorted(set(body) - set(_KEYS))
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(unknown)}; a glossary has {', '.join(_KEYS)}.")
    missing = [k for k in _KEYS if k not in body]
    if missing:
        raise ValueError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required.")
    terms = _entries(body["exact_terms"], "exact_terms")
    banned = _banned(body["banned_words"])
    hype = body["default_hype_words"]
    if not isinstance(hype, dict):
        raise ValueError("default_hype_words must be an object with enabled and disabled_words.")
    unknown = sorted(set(hype) - set(_HYPE_KEYS))
    if unknown:
        raise ValueError(f"Unknown fields in default_hype_words: {', '.join(unknown)}.")
    enabled = hype.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError("default_hype_words.enabled must be true or false.")
    disabled = _entries(hype.get("disabled_words", []), "default_hype_words.disabled_words")
    strangers = [w for w in disabled if w.casefold() not in _ALL_HYPE]
    if strangers:
        raise ValueError(f"{strangers[0]!r} is not one of the default hype words, so it cannot be switched off.")
    return Glossary(
        exact_terms=tuple(terms),
        banned_words=tuple(banned),
        hype_enabled=enabled,
        hype_disabled=frozenset(_ALL_HYPE[w.casefold()] for w in disabled),
    )


def _entries(value: object, name: str) -> list[str]:
    """Entries trimmed, inner spaces collapsed, none empty or too long; a repeat in another letter
    case is dropped (two spellings of one term would contradict each other)."""
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ValueError(f"{name} must be a list of text.")
    if len(value) > MAX_ENTRIES:
        raise ValueError(f"{name} may hold at most {MAX_ENTRIES} entries.")
    found: dict[str, str] = {}
    for raw in value:
        found.setdefault((entry := _entry(raw, name)).casefold(), entry)
    return list(found.values())


def _entry(raw: object, name: str) -> str:
    entry = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not entry or len(entry) > MAX_ENTRY_CHARS:
        raise ValueError(f"Each entry of {name} must be text of 1 to {MAX_ENTRY_CHARS} characters.")
    return entry


def _banned(value: object) -> list[BannedWord]:
    if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
        raise ValueError('banned_words must be a list of objects like {"word": "cheap", "language": "en"}.')
    if len(value) > MAX_ENTRIES:
        raise ValueError(f"banned_words may hold at most {MAX_ENTRIES} entries.")
    found: dict[tuple[str, str | None], BannedWord] = {}
    for entry in value:
        unknown = sorted(set(entry) - {"word", "language"})
        if unknown:
            raise ValueError(f"Unknown fields in banned_words: {', '.join(unknown)}; each has word and language.")
        word = _entry(entry.get("word"), "banned_words")
        language = entry.get("language")
        if language is not None and (not isinstance(language, str) or base_language(language) not in _LANGUAGES):
            raise ValueError(
                f"A banned word's language must be null (every language) or one of: {', '.join(sorted(_LANGUAGES))}."
            )
        lang = base_language(language) if language else None
        found.setdefault((word.casefold(), lang), BannedWord(word, lang))
    return list(found.values())
