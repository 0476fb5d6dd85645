"""A store's glossary (statements in sql/glossary.sql): reading and saving it, and checking an
owner's edit against it. The worker gets it with the items it claims (queue.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from . import sql
from .domain import glossary as rules
from .domain import image_alt
from .domain.attributes import Attribute
from .domain.glossary import DEFAULT_GLOSSARY, DEFAULT_HYPE_WORDS, Glossary
from .errors import InvalidRequest
from .llm.checks import (
    GLOSSARY_BANNED,
    GLOSSARY_TERM,
    banned_sentence,
    banned_words_in,
    misspelt_terms,
    term_sentence,
    visible_text,
)

Q = sql.load("glossary")

LIMITS = {"entries": rules.MAX_ENTRIES, "entry_chars": rules.MAX_ENTRY_CHARS}


def glossary_json(glossary: Glossary) -> dict[str, Any]:
    """What GET /api/glossary answers: the saved glossary, with the default hype words to read."""
    shown = glossary.to_json()
    shown["default_hype_words"]["words"] = {lang: list(words) for lang, words in DEFAULT_HYPE_WORDS.items()}
    return {**shown, "limits": LIMITS}


async def get(conn: asyncpg.Connection, *, store_id: int) -> Glossary:
    rules_json = await conn.fetchval(Q["get_glossary"], store_id)
    return Glossary.from_json(rules_json) if rules_json else DEFAULT_GLOSSARY


async def save(conn: asyncpg.Connection, *, store_id: int, body: dict[str, Any]) -> Glossary:
    try:
        glossary = rules.parse_glossary(body)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    await conn.fetchval(Q["save_glossary"], store_id, glossary.to_json())
    return glossary


async def check_edit(
    conn: asyncpg.Connection, *, store_id: int, item_id: int, attribute: Attribute, value: str
) -> None:
    """Refuse (422, naming the words) an owner's edit that breaks the glossary, in the job's language."""
    row = await conn.fetchrow(Q["glossary_for_item"], item_id, store_id)
    if row is None:
        return
    glossary = Glossary.from_json(row["rules"]) if row["rules"] else DEFAULT_GLOSSARY
    if attribute is Attribute.IMAGE_ALT:
        text = " ".join(a.alt for a in image_alt.decode(value))
    else:
        text = visible_text(value) if attribute.is_html else value
    banned = banned_words_in(text, glossary, row["target_lang"])
    if banned:
        raise InvalidRequest(f"This text {banned_sentence(banned)}.", reason=GLOSSARY_BANNED, words=banned)
    wrong = misspelt_terms(text, glossary)
    if wrong:
        terms = [{"term": t, "written": w} for t, w in wrong]
        raise InvalidRequest(f"This text {term_sentence(wrong)}.", reason=GLOSSARY_TERM, terms=terms)
