"""The dashboard in a real browser: Debian's chromium (headless, driven by Playwright) opens the Wix
sandbox's admin page, which frames the app the way Wix does. The Wix sandbox, the sandbox LLM and
the web app run on loopback; a worker runs on the test's event loop."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer, _free_port
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
MANIFEST = ROOT / "dashboard" / "dist" / ".vite" / "manifest.json"
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def wix_keys() -> tuple[str, str]:
    from optimizer_app.auth import wix as wix_auth

    return wix_auth.generate_keypair()


@pytest.fixture(scope="session", autouse=True)
def browser_prerequisites() -> None:
    """A missing browser or build fails these tests loudly: a skipped browser test proves nothing."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("chromium is not installed: `apt-get install chromium` (.ci/run does it)", pytrace=False)
    if not MANIFEST.exists():
        pytest.fail("the dashboard is not built: `make dashboard` (make test does it)", pytrace=False)


@dataclass
class Stack:
    wix: LoopbackServer
    web: LoopbackServer
    llm: LoopbackServer
    database_url: str
    pool: asyncpg.Pool
    workers: list[asyncio.Task[None]] = field(default_factory=list)

    def admin_url(self, instance_id: str) -> str:
        return f"{self.wix.url}/_sandbox/admin?instance_id={instance_id}"

    def sandbox_product(self, instance_id: str, product_id: str) -> dict[str, Any]:
        # The sandbox shares this process with the web app, which may be busy publishing or
        # answering the sandbox's webhooks: httpx's 5 s default is not a bound worth failing on.
        res = httpx.get(f"{self.wix.url}/_sandbox/instances/{instance_id}/products/{product_id}", timeout=30)
        res.raise_for_status()
        product: dict[str, Any] = res.json()["product"]
        return product


@pytest.fixture
def wix_e2e(wix_keys: tuple[str, str]) -> Iterator[tuple[LoopbackServer, int]]:
    from optimizer_sandbox.wix import create_wix_sandbox

    web_port = _free_port("127.0.0.1")
    app = create_wix_sandbox(
        app_id=WIX_APP_ID,
        app_secret=WIX_APP_SECRET,
        webhook_private_key_pem=wix_keys[0],
        app_url=f"http://127.0.0.1:{web_port}",
    )
    with LoopbackServer(app) as server:
        yield server, web_port


def web_settings(database_url: str, **platform: Any) -> Settings:
    """The web app's settings in these tests: the test database, fixed keys, `platform`'s settings."""
    return replace(
        Settings(),
        database_url=database_url,
        secret_keys=("e2e-secret-key",),
        token_encryption_keys=("e2e-encryption-key",),
        db_pool_max=5,
        # The browser clicks through publish and revert faster than a person, and a test's own API
        # calls share the store's budget: the default burst (a sixth of a minute's) is out of the way.
        api_rate_limit_per_minute=1000,
        **platform,
    )


@pytest.fixture
def llm() -> Iterator[LoopbackServer]:
    """The sandbox LLM the test's worker improves text with."""
    from optimizer_sandbox.llm import LLMSandboxConfig, create_llm_sandbox

    with LoopbackServer(create_llm_sandbox(LLMSandboxConfig(latency_seconds=0.05))) as server:
        yield server


@pytest.fixture
async def stack(
    wix_e2e: tuple[LoopbackServer, int],
    wix_keys: tuple[str, str],
    llm: LoopbackServer,
    database_url: str,
    pool: asyncpg.Pool,
) -> AsyncIterator[Stack]:
    from optimizer_app.web.app import create_app

    wix, web_port = wix_e2e
    settings = web_settings(
        database_url,
        wix_app_id=WIX_APP_ID,
        wix_app_secret=WIX_APP_SECRET,
        wix_webhook_public_key=wix_keys[1],
        wix_api_base=wix.url,
        extra_frame_ancestors=wix.url,
    )
    with LoopbackServer(create_app(settings), port=web_port) as web:
        s = Stack(wix=wix, web=web, llm=llm, database_url=database_url, pool=pool)
        try:
            yield s
        finally:
            for task in s.workers:
                task.cancel()
            await asyncio.gather(*s.workers, return_exceptions=True)


StartWorker = Callable[[], Awaitable[None]]


@pytest.fixture
async def start_worker(llm: LoopbackServer, database_url: str, pool: asyncpg.Pool) -> AsyncIterator[StartWorker]:
    """Start a worker on the sandbox LLM (through the openai SDK) on this event loop, whichever
    platform's store the job belongs to."""
    from optimizer_app.llm.openai_provider import OpenAIProvider
    from optimizer_app.worker import Worker
    from tests.factories import quick_worker_config

    stops: list[tuple[asyncio.Event, asyncio.Task[None], OpenAIProvider]] = []

    async def start() -> None:
        provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm.url}/v1", model="gpt-4o-mini")
        config = quick_worker_config(poll_seconds=0.1)
        stop = asyncio.Event()
        task = asyncio.create_task(Worker(pool, provider, config, listen_dsn=database_url).run(stop))
        stops.append((stop, task, provider))

    yield start
    for stop, task, provider in stops:
        stop.set()
        await task
        await provider.aclose()


class ConsoleErrors:
    """Console errors and uncaught exceptions of every frame; a test fails on any it did not expect."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(a in m for a in self.allowed)]


PRODUCT_PHOTO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80">'
    b'<rect width="80" height="80" fill="#c9d8e8"/><circle cx="40" cy="34" r="14" fill="#8fa8c2"/></svg>'
)


async def _outside(route: Any) -> None:
    if route.request.resource_type == "image":
        await route.fulfill(status=200, content_type="image/svg+xml", body=PRODUCT_PHOTO)
    else:
        await route.abort()


@dataclass
class Browser:
    page: Any
    errors: ConsoleErrors


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    errors = ConsoleErrors()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = await chromium.new_context(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        # The sandbox admin page has no icon; answer for it so the browser logs no 404.
        await page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
        # Product photos live on the platforms' CDNs (cdn.shopify.com, static.wixstatic.com, ...),
        # which tests never reach: a drawn square stands in for each; nothing else leaves loopback.
        await context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), _outside)
        page.on(
            "console",
            lambda m: (
                errors.messages.append(f"{m.type}: {m.text} {json.dumps(m.location)}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: errors.messages.append(f"pageerror: {e}"))
        try:
            yield Browser(page, errors)
        finally:
            await context.close()
            await chromium.close()
    assert errors.unexpected() == [], "console errors in the browser"


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
