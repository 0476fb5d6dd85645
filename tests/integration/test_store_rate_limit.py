"""The per-store API limit is one bucket per store in PostgreSQL, shared by every web process."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from optimizer_app.errors import RateLimited
from optimizer_app.web.ratelimit import StoreRateLimiter
from optimizer_sandbox.runner import LoopbackServer
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET, new_site


async def test_each_store_has_its_own_bucket_and_refusals_say_how_long(pool: asyncpg.Pool) -> None:
    limiter = StoreRateLimiter(per_minute=12)  # bursts of 2, one token every 5 s
    async with pool.acquire() as conn:
        await limiter.check(conn, 1)
        await limiter.check(conn, 1)
        with pytest.raises(RateLimited) as info:
            await limiter.check(conn, 1)
        assert info.value.retry_after == pytest.approx(5.0, rel=0.1)
        await limiter.check(conn, 2)
        await StoreRateLimiter(per_minute=0).check(conn, 1)  # 0 turns the limit off


async def test_concurrent_requests_never_take_more_than_the_bucket_holds(pool: asyncpg.Pool) -> None:
    limiter = StoreRateLimiter(per_minute=60)  # bursts of 10

    async def one() -> bool:
        async with pool.acquire() as conn:
            try:
                await limiter.check(conn, 42)
            except RateLimited:
                return False
            return True

    allowed = sum(await asyncio.gather(*(one() for _ in range(40))))
    # Ten at once, plus the one a second that refills while forty requests go through.
    assert 10 <= allowed <= 11


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def two_web_processes(database_url: str, wix_sandbox: LoopbackServer, tmp_path: Path) -> Iterator[list[str]]:
    urls, processes = [], []
    for n in range(2):
        port = _free_port()
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WIX_APP_ID": WIX_APP_ID,
            "WIX_APP_SECRET": WIX_APP_SECRET,
            "WIX_API_BASE": wix_sandbox.url,
            "OUTBOUND_ALLOW_PRIVATE": "true",
            "API_RATE_LIMIT_PER_MINUTE": "60",
        }
        with (tmp_path / f"web{n}.log").open("ab") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "optimizer_app.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    logs = "\n".join(p.read_text() for p in tmp_path.glob("web*.log"))
                    raise AssertionError(f"the web processes did not start:\n{logs}")
                time.sleep(0.1)
        yield urls
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=10)


async def test_the_limit_holds_across_two_web_processes(two_web_processes: list[str]) -> None:
    site = new_site()
    async with httpx.AsyncClient(timeout=10) as client:
        for url in two_web_processes:  # install the site, and warm both processes' pools
            assert (await client.get(f"{url}/health")).status_code == 200
        first = await client.get(f"{two_web_processes[0]}/api/me", headers=site.headers)
        assert first.status_code == 200
        started = time.monotonic()
        statuses = await asyncio.gather(
            *(client.get(f"{two_web_processes[i % 2]}/api/me", headers=site.headers) for i in range(60))
        )
        elapsed = time.monotonic() - started
    allowed = 1 + sum(r.status_code == 200 for r in statuses)
    assert all(r.status_code in (200, 429) for r in statuses)
    # One bucket: a burst of 10 plus one token a second, whichever process answers. Two buckets
    # (one per process) would let about 20 through.
    assert allowed <= 10 + elapsed * 1.0 + 1, (allowed, elapsed)
    assert sum(r.status_code == 429 for r in statuses) >= 60 - 10 - elapsed - 1
