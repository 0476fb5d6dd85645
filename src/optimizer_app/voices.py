"""Brand voices: a store's saved voices (statements in sql/voices.sql), always scoped to one store,
and the voice a new job is written in."""

from __future__ import annotations

from typing import Any

import asyncpg

from . import sql
from .domain import brand_voices as rules
from .domain.brand_voices import BrandVoice
from .errors import Conflict, InvalidRequest, NotFound

Q = sql.load("voices")

LIMITS = {
    "voices": rules.MAX_VOICES,
    "name_chars": rules.MAX_NAME_CHARS,
    "tone_chars": rules.MAX_TONE_CHARS,
    "words": rules.MAX_WORDS,
    "word_chars": rules.MAX_WORD_CHARS,
    "example_chars": rules.MAX_EXAMPLE_CHARS,
}


def voice_json(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "tone": r["tone"],
        "prefer_words": list(r["prefer_words"]),
        "avoid_words": list(r["avoid_words"]),
        "example": r["example"],
        "is_default": r["is_default"],
        "created_at": r["created_at"].isoformat(),
        "updated_at": r["updated_at"].isoformat(),
    }


def _voice(r: asyncpg.Record) -> BrandVoice:
    return BrandVoice(
        id=r["id"],
        name=r["name"],
        tone=r["tone"],
        prefer_words=tuple(r["prefer_words"]),
        avoid_words=tuple(r["avoid_words"]),
        example=r["example"],
    )


def _parsed(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    try:
        return rules.parse_voice(body, creating=creating)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None


async def list_voices(conn: asyncpg.Connection, *, store_id: int) -> list[dict[str, Any]]:
    return [voice_json(r) for r in await conn.fetch(Q["list_voices"], store_id)]


async def get_voice(conn: asyncpg.Connection, *, store_id: int, voice_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(Q["get_voice"], voice_id, store_id)
    if row is None:
        raise NotFound("No such brand voice.")
    return voice_json(row)


async def create_voice(conn: asyncpg.Connection, *, store_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A new voice; the store's first one becomes its default unless the body says otherwise.
    Conflict when the store has its most voices or a voice of that name."""
    clean = _parsed(body, creating=True)
    async with conn.transaction():
        await conn.execute(Q["lock_store_voices"], store_id)
        count = await conn.fetchval(Q["count_voices"], store_id)
        if count >= rules.MAX_VOICES:
            raise Conflict(
                f"A store can keep {rules.MAX_VOICES} brand voices; delete one first.", max_voices=rules.MAX_VOICES
            )
        await _refuse_taken_name(conn, store_id, clean["name"], except_id=0)
        is_default = clean.get("is_default", count == 0)
        if is_default:
            await conn.execute(Q["clear_default"], store_id)
        row = await conn.fetchrow(
            Q["insert_voice"],
            store_id,
            clean["name"],
            clean.get("tone", ""),
            clean.get("prefer_words", []),
            clean.get("avoid_words", []),
            clean.get("example", ""),
            is_default,
        )
    return voice_json(row)


async def update_voice(
    conn: asyncpg.Connection, *, store_id: int, voice_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Change the fields the body names; marking a voice the default unmarks the one before it.
    Jobs made earlier keep the voice as it was."""
    clean = _parsed(body, creating=False)
    async with conn.transaction():
        await conn.execute(Q["lock_store_voices"], store_id)
        row = await conn.fetchrow(Q["get_voice"], voice_id, store_id)
        if row is None:
            raise NotFound("No such brand voice.")
        voice = {**voice_json(row), **clean}
        if "name" in clean:
            await _refuse_taken_name(conn, store_id, voice["name"], except_id=voice_id)
        if voice["is_default"] and not row["is_default"]:
            await conn.execute(Q["clear_default"], store_id)
        row = await conn.fetchrow(
            Q["update_voice"],
            voice_id,
            store_id,
            voice["name"],
            voice["tone"],
            voice["prefer_words"],
            voice["avoid_words"],
            voice["example"],
            voice["is_default"],
        )
    return voice_json(row)


async def delete_voice(conn: asyncpg.Connection, *, store_id: int, voice_id: int) -> None:
    """Delete a voice; when it was the default, the store has none until the owner marks one."""
    if await conn.fetchval(Q["delete_voice"], voice_id, store_id) is None:
        raise NotFound("No such brand voice.")


async def voice_for_job(conn: asyncpg.Connection, *, store_id: int, body: dict[str, Any]) -> BrandVoice | None:
    """The voice a job asked for in POST /api/jobs: `brand_voice_id` left out → the store's
    default (None without one), null → none, an id → that voice of this store (NotFound for any
    other)."""
    if "brand_voice_id" not in body:
        row = await conn.fetchrow(Q["default_voice"], store_id)
        return _voice(row) if row else None
    voice_id = body["brand_voice_id"]
    if voice_id is None:
        return None
    if not isinstance(voice_id, int) or isinstance(voice_id, bool) or voice_id < 1:
        raise InvalidRequest("brand_voice_id must be the id of one of the store's brand voices, or null for none.")
    row = await conn.fetchrow(Q["get_voice"], voice_id, store_id)
    if row is None:
        raise NotFound("No such brand voice.")
    return _voice(row)


async def _refuse_taken_name(conn: asyncpg.Connection, store_id: int, name: str, *, except_id: int) -> None:
    if await conn.fetchval(Q["name_taken"], store_id, name, except_id):
        raise Conflict(f"This store already has a brand voice named {name!r}.")
