"""The web app and the worker take what startup left alive out of the garbage collector's sweeps
(heap.py), so a full collection while they serve walks only what came after."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_app.worker import Worker
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import ScriptedProvider, quick_worker_config

# The modules, routes and clients of either process come to far more than this.
STARTUP_OBJECTS = 20_000


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def test_the_web_app_serves_with_its_startup_objects_frozen(settings: Settings) -> None:
    assert gc.get_freeze_count() == 0
    with LoopbackServer(create_app(settings)) as web:
        assert httpx.get(f"{web.url}/health").status_code == 200
        frozen = gc.get_freeze_count()
    assert frozen > STARTUP_OBJECTS


async def test_the_worker_claims_with_its_startup_objects_frozen(pool: asyncpg.Pool) -> None:
    assert gc.get_freeze_count() == 0
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, ScriptedProvider(), quick_worker_config()).run(stop))
    try:
        for _ in range(500):
            if gc.get_freeze_count():
                break
            await asyncio.sleep(0.01)
        frozen = gc.get_freeze_count()
    finally:
        stop.set()
        await task
    assert frozen > STARTUP_OBJECTS
