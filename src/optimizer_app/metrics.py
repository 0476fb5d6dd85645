"""Prometheus metrics shared by the web and worker processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import asyncpg
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric

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


class _JobUsageTotals:
    """What every job's LLM calls spent, from the database: the workers count in their own
    processes, so the web's /metrics reads the jobs' sums (refreshed with the queue depth)."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0

    def collect(self) -> Iterator[Metric]:
        tokens = CounterMetricFamily(
            "optimizer_job_llm_tokens", "LLM tokens spent on every job, from the database", labels=["kind"]
        )
        tokens.add_metric(["prompt"], self.prompt_tokens)
        tokens.add_metric(["completion"], self.completion_tokens)
        yield tokens
        yield CounterMetricFamily(
            "optimizer_job_llm_cost_usd", "What every job's LLM calls cost, US dollars", value=self.cost_usd
        )


JOB_LLM_USAGE = _JobUsageTotals()
REGISTRY.register(JOB_LLM_USAGE)
HTTP_REQUESTS = Counter("optimizer_http_requests_total", "HTTP responses", ["method", "status"])


class QueueDepthGauge:
    """Sets QUEUE_DEPTH (and JOB_LLM_USAGE) from the database at most once per `max_age` seconds, however often
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
                usage = await queue.llm_usage_totals(conn)
            for status, count in depth.items():
                QUEUE_DEPTH.labels(status).set(count)
            JOB_LLM_USAGE.prompt_tokens, JOB_LLM_USAGE.completion_tokens, JOB_LLM_USAGE.cost_usd = usage
            self._read_at = now
