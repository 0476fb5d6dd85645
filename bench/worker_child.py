"""A worker process for the benchmarks: `python -m bench.worker_child DSN PROVIDER [LLM_URL]`.

PROVIDER is `instant` (zero-latency, in process) or `openai` (the real SDK against LLM_URL).
With BENCH_CALL_LOG set, the wall-clock time of every LLM call and its product go to that file.
Runs until SIGTERM, like `optimizer-app worker`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import replace
from datetime import timedelta

from optimizer_app import db
from optimizer_app.llm.base import LLMProvider
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.settings import Settings
from optimizer_app.worker import Worker, config_from_settings, lower_priority

from .harness import InstantProvider, LoggedCalls


async def main(dsn: str, provider_name: str, llm_url: str | None) -> None:
    # Settings from the environment for WORKER_NICE, applied as `optimizer-app worker` does; the
    # rest of the config is the benchmark's own (below).
    lower_priority(Settings.from_env().worker_nice)
    pool = await db.create_pool(dsn, min_size=2, max_size=4)
    provider: LLMProvider
    if provider_name == "openai":
        provider = OpenAIProvider(api_key="bench", base_url=f"{llm_url}/v1", model="gpt-4o-mini")
    else:
        provider = InstantProvider()
    if os.environ.get("BENCH_CALL_LOG"):
        provider = LoggedCalls(provider, os.environ["BENCH_CALL_LOG"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    config = replace(
        config_from_settings(Settings()),
        concurrency=int(os.environ.get("BENCH_WORKER_CONCURRENCY", "256")),
        poll_seconds=0.05,
        lease_seconds=float(os.environ.get("BENCH_LEASE_SECONDS", "120")),
        maintenance_interval_seconds=float(os.environ.get("BENCH_MAINTENANCE_SECONDS", "0")),
        # The endurance scenario's short retention period (RETENTION_DAYS in production).
        retention=timedelta(seconds=float(os.environ["BENCH_RETENTION_SECONDS"]))
        if os.environ.get("BENCH_RETENTION_SECONDS")
        else None,
        max_attempts=10,
    )
    try:
        await Worker(pool, provider, config, listen_dsn=dsn).run(stop)
    finally:
        await provider.aclose()
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
