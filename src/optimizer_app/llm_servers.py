"""Capability probes of LLM servers, kept per base URL and model so every worker shares them."""

from __future__ import annotations

import asyncpg

from . import sql
from .llm.probe import Capabilities

Q = sql.load("llm_servers")


async def save(conn: asyncpg.Connection, capabilities: Capabilities) -> None:
    await conn.execute(Q["save_capabilities"], capabilities.base_url, capabilities.model, capabilities.to_json())


async def find(conn: asyncpg.Connection, base_url: str, model: str) -> Capabilities | None:
    data = await conn.fetchval(Q["find_capabilities"], base_url, model)
    return None if data is None else Capabilities.from_json(data)
