"""Prometheus metrics shared by the web and worker processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from . import db, queue

ITEMS_PROCESSED = Counter("optimizer_items_processed_total", "Job items settled by this process", ["outcome"])
LLM_CALLS = Counter("optimizer_llm_calls_total", "LLM generate calls by outcome", ["provider", "outcome"])
LLM_LATENCY = Histogram(
    "optimizer_llm_latency_seconds",
    "Time of one LLM generate call (one product, all its fields)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
LLM_TOKENS = Counter("optimizer_llm_tokens_total", "LLM tokens spent, from each answer's usage", ["model", "kind"])
LLM_COST = Counter(
    "optimizer_llm_cost_usd_total", "What LLM answers cost at the configured prices, US dollars", ["model"]
)
QUEUE_DEPTH = Gauge("optimizer_queue_depth", "Job items by status, read at most every few seconds", ["status"])
HTTP_REQUESTS = Counter("optimizer_http_requests_total", "HTTP responses", ["method", "status"])


class QueueDepthGauge:
    """Sets QUEUE_DEPTH from the database at most once per `max_age` seconds, however often
    /metrics is scraped: a scrape (or a stranger with the token) never costs a query per hit."""

    def __init__(self, pool: asyncpg.Pool, max_age: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.pool = pool
        self.max_age = max_age
        self.clock = clock
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self._lock:
            now = self.clock()
            if self._read_at is not None and now - self._read_at < self.max_age:
                return
            async with db.acquire(self.pool) as conn:
                depth = await queue.queue_depth(conn)
            for status, count in depth.items():
                QUEUE_DEPTH.labels(status).set(count)
            self._read_at = now
