"""/metrics behind METRICS_TOKEN, its queue-depth gauge read at most every few seconds, and /health
that says "unavailable" without the database's error text (which goes to the server's log)."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from optimizer_app.metrics import QueueDepthGauge
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import enqueue, new_store, products

TOKEN = "metrics-token-for-tests-0123456789"


def scrape(settings: Settings, headers: dict[str, str] | None = None) -> httpx.Response:
    with LoopbackServer(create_app(settings)) as web:
        return httpx.get(f"{web.url}/metrics", headers=headers)


def test_metrics_need_the_bearer_token(settings: Settings) -> None:
    guarded = replace(settings, metrics_token=TOKEN)
    with LoopbackServer(create_app(guarded)) as web:
        missing = httpx.get(f"{web.url}/metrics")
        wrong = httpx.get(f"{web.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        right = httpx.get(f"{web.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert [missing.status_code, wrong.status_code] == [401, 401]
    assert missing.json()["error"]["code"] == "unauthorized"
    assert right.status_code == 200 and "optimizer_queue_depth" in right.text


def test_metrics_without_a_token_do_not_exist_in_production_and_are_open_in_development(settings: Settings) -> None:
    production = scrape(replace(settings, app_env="production", metrics_token=""))
    assert production.status_code == 404 and production.json()["error"]["code"] == "not_found"
    development = scrape(replace(settings, app_env="development", metrics_token=""))
    assert development.status_code == 200 and "optimizer_http_requests_total" in development.text


def pending() -> float | None:
    return REGISTRY.get_sample_value("optimizer_queue_depth", {"status": "PENDING"})


async def test_the_queue_depth_is_read_once_per_period_not_per_scrape(pool: asyncpg.Pool) -> None:
    now = [1000.0]
    gauge = QueueDepthGauge(pool, max_age=5.0, clock=lambda: now[0])
    await gauge.refresh()
    assert pending() == 0
    store = await new_store(pool)
    await enqueue(pool, store.id, products(3))
    now[0] += 4.9
    await gauge.refresh()
    assert pending() == 0  # within the period: no query, the last reading stands
    now[0] += 0.2
    await gauge.refresh()
    assert pending() == 12  # 3 products x 4 fields


async def test_health_says_unavailable_and_logs_the_reason(
    settings: Settings, admin_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = urlsplit(settings.database_url).path.lstrip("/")  # the embedded server's URL has a query
    with LoopbackServer(create_app(settings)) as web:
        assert httpx.get(f"{web.url}/health").json() == {"status": "ok", "database": "ok"}
        admin = await asyncpg.connect(admin_database_url)
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        with caplog.at_level(logging.WARNING, logger="optimizer_app.web.health_routes"):
            down = httpx.get(f"{web.url}/health")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable"}
    reasons = [r.getMessage() for r in caplog.records if r.name == "optimizer_app.web.health_routes"]
    assert len(reasons) == 1 and "the database did not answer" in reasons[0]
