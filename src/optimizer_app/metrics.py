"""Prometheus metrics shared by the web and worker processes."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ITEMS_PROCESSED = Counter("optimizer_items_processed_total", "Job items settled by this process", ["outcome"])
LLM_CALLS = Counter("optimizer_llm_calls_total", "LLM generate calls by outcome", ["provider", "outcome"])
LLM_LATENCY = Histogram(
    "optimizer_llm_latency_seconds",
    "Time of one LLM generate call (one product, all its fields)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
QUEUE_DEPTH = Gauge("optimizer_queue_depth", "Job items by status, read at scrape time", ["status"])
HTTP_REQUESTS = Counter("optimizer_http_requests_total", "HTTP responses", ["method", "status"])
