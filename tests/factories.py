"""Builders for test data through the same functions the app uses, and the databases they go
into; the benchmark builds its data with them too."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from optimizer_app import credits, db, embedded_pg, queue, stores
from optimizer_app.domain.attributes import TEXT_ATTRIBUTES, Attribute
from optimizer_app.domain.history import OWNER, Actor
from optimizer_app.domain.products import Product
from optimizer_app.llm.base import Generation, GenerationRequest, LLMTransientError, Usage
from optimizer_app.settings import Settings
from optimizer_app.worker import WorkerConfig, config_from_settings

ALL = TEXT_ATTRIBUTES  # the text fields; image alt text has tests of its own

# A pool or one connection: the tests hold a pool, the benchmark a connection it also polls with.
Database: TypeAlias = asyncpg.Pool | asyncpg.Connection


@contextmanager
def admin_database(data_dir: Path) -> Iterator[str]:
    """DATABASE_URL, else an embedded server keeping its data in `data_dir` while it runs."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    with embedded_pg.embedded_server(data_dir) as server:
        yield server.url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def create_database(admin_url: str, name: str, *, template: str | None = None) -> str:
    """Create `name` (a copy of `template` if given) and return its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def migrated_database(admin_url: str, name: str) -> str:
    url = await create_database(admin_url, name)
    await db.migrate(url)
    return url


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def connection(database: Database) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(database, asyncpg.Pool):
        async with database.acquire() as conn:
            yield conn
    else:
        yield database


def quick_worker_config(**changes: Any) -> WorkerConfig:
    """The production defaults with a test's pace: 8 in flight, fast polling, no retry wait and no
    maintenance loop; `changes` tunes it further."""
    quick = replace(
        config_from_settings(Settings()),
        concurrency=8,
        poll_seconds=0.05,
        retry_base_seconds=0,
        maintenance_interval_seconds=0,
    )
    return replace(quick, **changes)


def products(n: int, prefix: str = "p") -> list[Product]:
    return [
        Product(
            id=f"{prefix}{i}",
            title=f"plain product {i}",
            description_html=f"<p>Product {i} description.</p>",
            seo_title="",
            seo_description="",
        )
        for i in range(n)
    ]


async def new_store(database: Database, *, plan: str = "free", platform: str = "wix", granted: int = 0) -> stores.Store:
    """A store installed today on `plan`, with `granted` credits on top of the plan's."""
    async with connection(database) as conn:
        store = await stores.install(
            conn, platform=platform, external_id=str(uuid.uuid4()), display_name="Test store", today=date.today()
        )
        if plan != "free":
            await credits.change_plan(conn, store.id, plan)
        if granted:
            await credits.grant_credits(conn, store.id, granted, reason="test_grant")
        fresh = await stores.get(conn, store.id)
    assert fresh is not None
    return fresh


async def enqueue(
    database: Database,
    store_id: int,
    items: Sequence[Product],
    attributes: Sequence[Attribute] = ALL,
    *,
    economy: bool = False,
    actor: Actor = OWNER,
) -> queue.EnqueuedJob:
    """A job of the products' fields in English, as `actor` asks for it (the owner unless given)."""
    async with connection(database) as conn:
        return await queue.enqueue_job(
            conn,
            store_id=store_id,
            source_scope="products",
            source_ids=[p.id for p in items],
            attributes=attributes,
            target_lang="en",
            user_prompt="",
            products=items,
            economy=economy,
            actor=actor,
        )


async def assert_ledger_balanced(pool: asyncpg.Pool, store_id: int) -> None:
    async with pool.acquire() as conn:
        balance, ledger = await credits.ledger_balance(conn, store_id)
    assert balance == ledger, f"store {store_id}: balance {balance} != ledger {ledger}"
    assert balance >= 0


async def job_row(pool: asyncpg.Pool, job_id: int) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM jobs WHERE id = $1", job_id)
    assert row is not None
    return row


async def item_statuses(pool: asyncpg.Pool, job_id: int) -> Counter[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status FROM job_items WHERE job_id = $1", job_id)
    return Counter(r["status"] for r in rows)


async def wait_for_job(pool: asyncpg.Pool, job_id: int, timeout: float = 30.0) -> asyncpg.Record:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = await job_row(pool, job_id)
        if row["finished_at"] is not None:
            return row
        if loop.time() > deadline:
            raise AssertionError(f"job {job_id} did not finish: {dict(row)}")
        await asyncio.sleep(0.05)


class ScriptedProvider:
    """An in-process LLMProvider for queue tests: answers instantly and records every call.

    `fail_first` makes the first N calls for each product raise a transient error;
    `always_fail` makes every call fail; fields in `reject` are refused (as empty), and fields in
    `unchanged` answered with their current text (nothing to improve)."""

    name = "scripted"

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail_first: int = 0,
        always_fail: bool = False,
        reject: frozenset[Attribute] = frozenset(),
        unchanged: frozenset[Attribute] = frozenset(),
        retry_rejected: bool = True,
    ) -> None:
        self.delay = delay
        self.reject = reject
        self.unchanged = unchanged
        self.retry_rejected = retry_rejected
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.calls: list[tuple[str, tuple[Attribute, ...]]] = []
        self.requests: list[GenerationRequest] = []
        self._per_product: Counter[str] = Counter()

    async def generate(self, request: GenerationRequest) -> Generation:
        pid = request.product.id
        self.calls.append((pid, request.attributes))
        self.requests.append(request)
        self._per_product[pid] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.always_fail or self._per_product[pid] <= self.fail_first:
            raise LLMTransientError("rate limited (scripted)", retry_after=0.0)
        refused = self.reject | self.unchanged
        return Generation(
            values={a: f"Improved {a.value} of {pid}" for a in request.attributes if a not in refused},
            rejected={a: "unchanged" if a in self.unchanged else "empty" for a in request.attributes if a in refused},
            usage=Usage(calls=1),
            model="scripted",
            retry_rejected=self.retry_rejected,
        )

    async def aclose(self) -> None:
        return None


CONTRACTS = Path(__file__).parent / "contracts"


def contract(platform: str, name: str, **fill: str) -> dict[str, Any]:
    """A documented example from tests/contracts/<platform>/<name>.json (its `source`, `example`,
    optional `headers`), with the `{placeholders}` given in `fill` written in."""
    text = (CONTRACTS / platform / f"{name}.json").read_text(encoding="utf-8")
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    loaded: dict[str, Any] = json.loads(text)
    assert loaded["source"].startswith("https://"), f"{platform}/{name}: its source must be an address"
    return loaded
