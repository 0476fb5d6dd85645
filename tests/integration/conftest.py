"""Sandboxes and the web app served over loopback HTTP for integration tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace

import asyncpg
import httpx
import pytest

from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer

WIX_APP_ID = "0f6b1f6e-5d3e-4c1a-9a57-3b0b7c9f2e11"
WIX_APP_SECRET = "test-wix-secret"


@pytest.fixture(scope="session")
def wix_keys() -> tuple[str, str]:
    from optimizer_app.auth import wix as wix_auth

    return wix_auth.generate_keypair()


@pytest.fixture
def wix_sandbox(wix_keys: tuple[str, str]) -> Iterator[LoopbackServer]:
    from optimizer_sandbox.wix import create_wix_sandbox

    app = create_wix_sandbox(app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, webhook_private_key_pem=wix_keys[0])
    with LoopbackServer(app) as server:
        yield server


@pytest.fixture
def llm_sandbox() -> Iterator[LoopbackServer]:
    from optimizer_sandbox.llm import create_llm_sandbox

    with LoopbackServer(create_llm_sandbox()) as server:
        yield server


@pytest.fixture
def settings(database_url: str, wix_sandbox: LoopbackServer, wix_keys: tuple[str, str]) -> Settings:
    return replace(
        Settings(),
        app_env="development",
        # The sandboxes listen on loopback; the outbound guard's own tests unset this.
        outbound_allow_private=True,
        database_url=database_url,
        secret_keys=("test-secret-key",),
        token_encryption_keys=("test-encryption-key",),
        wix_app_id=WIX_APP_ID,
        wix_app_secret=WIX_APP_SECRET,
        wix_webhook_public_key=wix_keys[1],
        wix_api_base=wix_sandbox.url,
        max_body_bytes=64_000,
        db_pool_max=5,
    )


@pytest.fixture
def web(settings: Settings) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(settings)) as server:
        yield server


@dataclass
class WixSite:
    """A Wix site that has installed the app: its instance id and a signed instance for it."""

    instance_id: str
    instance: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Wix-Instance": self.instance}


def new_site(instance_id: str | None = None) -> WixSite:
    from optimizer_app.auth import wix as wix_auth

    iid = instance_id or str(uuid.uuid4())
    return WixSite(iid, wix_auth.sign_instance(wix_auth.new_instance_payload(iid, WIX_APP_ID), WIX_APP_SECRET))


@pytest.fixture
async def api(web: LoopbackServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        yield client


Drain = Callable[[int], Awaitable[asyncpg.Record]]


@pytest.fixture
def drain(pool: asyncpg.Pool, llm_sandbox: LoopbackServer) -> Drain:
    """Run a worker on the sandbox LLM, through the real openai SDK, until the job finishes."""
    from optimizer_app.llm.openai_provider import OpenAIProvider
    from optimizer_app.worker import Worker
    from tests.factories import quick_worker_config, wait_for_job

    config = quick_worker_config()

    async def run(job_id: int) -> asyncpg.Record:
        provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini")
        stop = asyncio.Event()
        task = asyncio.create_task(Worker(pool, provider, config).run(stop))
        try:
            return await wait_for_job(pool, job_id)
        finally:
            stop.set()
            await task
            await provider.aclose()

    return run
