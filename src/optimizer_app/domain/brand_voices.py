"""Brand voices: how a store wants its copy to sound (a tone, words to prefer and to avoid, an
example paragraph), their limits, and the checks on what an owner sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_VOICES = 20
MAX_NAME_CHARS = 60
MAX_TONE_CHARS = 200
MAX_WORDS = 50
MAX_WORD_CHARS = 60
MAX_EXAMPLE_CHARS = 1500
# The name the free-text brand voice of a store's settings was given when it became a voice.
MIGRATED_NAME = "Store voice"

FIELDS = ("name", "tone", "prefer_words", "avoid_words", "example", "is_default")


@dataclass(frozen=True)
class BrandVoice:
    """A voice as a job keeps it: what the prompt is given (a copy taken when the job was made)."""

    id: int
    name: str
    tone: str = ""
    prefer_words: tuple[str, ...] = ()
    avoid_words: tuple[str, ...] = ()
    example: str = ""

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "tone": self.tone,
            "prefer_words": list(self.prefer_words),
            "avoid_words": list(self.avoid_words),
            "example": self.example,
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> BrandVoice:
        return cls(
            id=int(data["id"]),
            name=str(data.get("name", "")),
            tone=str(data.get("tone", "")),
            prefer_words=tuple(str(w) for w in data.get("prefer_words", ())),
            avoid_words=tuple(str(w) for w in data.get("avoid_words", ())),
            example=str(data.get("example", "")),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.tone.strip() or self.prefer_words or self.avoid_words or self.example.strip())


def parse_voice(body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields of a voice an owner sent, cleaned; fields left out are left out (an update
    changes only what it names). Raises ValueError with one plain sentence."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(unknown)}; a voice has {', '.join(FIELDS)}.")
    if creating and "name" not in body:
        raise ValueError("name is required: give the voice a name.")
    clean: dict[str, Any] = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_CHARS:
            raise ValueError(f"name must be text of 1 to {MAX_NAME_CHARS} characters.")
        clean["name"] = " ".join(name.split())
    if "tone" in body:
        clean["tone"] = _text(body["tone"], "tone", MAX_TONE_CHARS)
    if "example" in body:
        clean["example"] = _text(body["example"], "example", MAX_EXAMPLE_CHARS)
    for key in ("prefer_words", "avoid_words"):
        if key in body:
            clean[key] = parse_words(body[key], key, max_words=MAX_WORDS, max_chars=MAX_WORD_CHARS)
    if "is_default" in body:
        if not isinstance(body["is_default"], bool):
            raise ValueError("is_default must be true or false.")
        clean["is_default"] = body["is_default"]
    return clean


def parse_words(value: object, name: str, *, max_words: int, max_chars: int) -> list[str]:
    """A list of words or short phrases: each trimmed, inner spaces collapsed, none empty, each
    at most `max_chars` long, at most `max_words` of them; repeats (in any letter case) dropped."""
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ValueError(f"{name} must be a list of words.")
    if len(value) > max_words:
        raise ValueError(f"{name} may hold at most {max_words} words.")
    words: dict[str, str] = {}
    for raw in value:
        word = " ".join(raw.split())
        if not word:
            raise ValueError(f"{name} must not hold empty words.")
        if len(word) > max_chars:
            raise ValueError(f"Each word of {name} must be at most {max_chars} characters: {word[:20]!r}… is longer.")
        words.setdefault(word.casefold(), word)
    return list(words.values())


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise ValueError(f"{name} must be text of at most {limit} characters.")
    return value.strip()
