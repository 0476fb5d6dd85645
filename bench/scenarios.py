"""The benchmark scenarios. Each returns its figures for one run; __main__ repeats and takes medians."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openai

from optimizer_app import catalog, db, queue
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.history import OWNER
from optimizer_app.llm.base import GenerationRequest
from optimizer_app.llm.prompts import build_messages, response_format
from optimizer_app.web.context import session_serializer, signed_session
from tests.factories import enqueue, new_store, products

from .harness import (
    backend_pids,
    cpu_seconds,
    free_port,
    fresh_database,
    llm_sandbox,
    percentile,
    process,
    wait_finished,
    web_process,
)

FIELDS = 4


def _workers(
    stack: ExitStack, dsn: str, count: int, provider: str, llm_url: str | None = None, concurrency: int | None = None
) -> None:
    args = [sys.executable, "-m", "bench.worker_child", dsn, provider, *([llm_url] if llm_url else [])]
    env = {"BENCH_WORKER_CONCURRENCY": str(concurrency)} if concurrency else {}
    for _ in range(count):
        stack.enter_context(process(args, env))


async def _idle_workers_ready() -> None:
    # The children connect, LISTEN and poll once; a second is ample on this machine.
    await asyncio.sleep(1.5)


# Calls in flight per worker process in (b) and (e) (WORKER_CONCURRENCY). At zero latency 16 keep the
# process busy; measured here (median of 3): 8 → 1,683, 16 → 1,763, 32 → 1,629, 64 → 1,411 items/s,
# as every extra open connection adds work to the HTTP client's pool on every request.
SDK_DRAIN_CONCURRENCY = 16


async def drain(base_url: str, *, n_products: int, workers: int = 1, provider: str = "instant") -> dict[str, Any]:
    """Scenarios a and b: one job of n_products × 4 fields drained by `workers` worker processes."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await new_store(conn, granted=n_products * FIELDS)
            with ExitStack() as stack:
                # Limits far above what one process can send, so (b) measures the client, not pacing.
                unbound = {"rpm_limit": 10_000_000, "tpm_limit": 10_000_000_000}
                llm_url = stack.enter_context(llm_sandbox(**unbound)) if provider == "openai" else None
                concurrency = SDK_DRAIN_CONCURRENCY if provider == "openai" else None
                _workers(stack, dsn, workers, provider, llm_url, concurrency)
                await _idle_workers_ready()
                started = time.perf_counter()
                job_id = (await enqueue(conn, store.id, products(n_products))).job_id
                enqueued = time.perf_counter() - started
                # From the enqueue's commit (its NOTIFY wakes the workers) to the job's end.
                elapsed = await wait_finished(conn, job_id, poll=0.01)
                calls = httpx.get(f"{llm_url}/_sandbox/stats").json()["calls"] if llm_url else None
            done = await conn.fetchval("SELECT items_done FROM jobs WHERE id = $1", job_id)
        finally:
            await conn.close()
    items = n_products * FIELDS
    assert done == items, f"{done} of {items} items done"
    figures: dict[str, Any] = {
        "items": items,
        "seconds": elapsed,
        "items_per_s": items / elapsed,
        "enqueue_s": enqueued,
    }
    if calls is not None:
        figures["llm_calls_per_product"] = calls / n_products
    return figures


async def sdk_ceiling(*, calls: int = 2000, in_flight: int = SDK_DRAIN_CONCURRENCY) -> dict[str, Any]:
    """What bounds (b): the bare openai SDK, no queue and no checks, sending the request our
    provider sends for one product (4 fields, structured output) to the same sandbox LLM."""
    attributes = tuple(Attribute)[:FIELDS]
    request = GenerationRequest(product=products(1)[0], attributes=attributes, language="en")
    messages: Any = build_messages(request, mode="json_schema")
    fmt: Any = response_format("json_schema", attributes)
    with llm_sandbox(rpm_limit=10_000_000, tpm_limit=10_000_000_000) as url:
        client = openai.AsyncOpenAI(api_key="bench", base_url=f"{url}/v1", max_retries=0)
        gate = asyncio.Semaphore(in_flight)

        async def one() -> None:
            async with gate:
                raw = await client.chat.completions.with_raw_response.create(
                    model="gpt-4o-mini", messages=messages, response_format=fmt
                )
                raw.parse()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(calls)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        await client.close()
    return {"calls": calls, "calls_per_s": calls / elapsed, "cpu_ms_per_call": cpu / calls * 1000}


async def pgqueuer_drain(base_url: str, *, n_jobs: int, batch_size: int = 100) -> dict[str, Any]:
    """PgQueuer 1.6 draining n_jobs no-op jobs with its own QueueManager, batch 100, same server."""
    from pgqueuer.db import AsyncpgDriver
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries
    from pgqueuer.types import QueueExecutionMode

    async with fresh_database(base_url) as dsn:
        setup = await asyncpg.connect(dsn)
        await Queries(AsyncpgDriver(setup)).install()
        for start in range(0, n_jobs, 10_000):
            count = min(10_000, n_jobs - start)
            await Queries(AsyncpgDriver(setup)).enqueue(["noop"] * count, [None] * count, [0] * count)
        await setup.close()
        conn = await asyncpg.connect(dsn)
        manager = QueueManager(Queries(AsyncpgDriver(conn)))
        processed = 0

        @manager.entrypoint("noop")
        async def noop(job: Job) -> None:
            nonlocal processed
            processed += 1

        started = time.perf_counter()
        await manager.run(batch_size=batch_size, mode=QueueExecutionMode.drain)
        elapsed = time.perf_counter() - started
    assert processed == n_jobs, f"{processed} of {n_jobs} jobs processed"
    return {"jobs": n_jobs, "seconds": elapsed, "jobs_per_s": n_jobs / elapsed}


async def enqueue_api(base_url: str, *, n_products: int, repeats: int) -> dict[str, Any]:
    """Scenario d: POST /api/jobs for n_products × 4 fields, the products already in the catalog
    cache (a Wix sandbox site has 200 products, so 10,000 snapshots are written to the cache the way
    browsing the catalog writes them)."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        store = await new_store(conn, granted=n_products * FIELDS * (repeats + 1))
        items = products(n_products)
        await catalog.remember(conn, store.id, items)
        await conn.close()
        port, secret = free_port(), "bench-secret"
        url = f"http://127.0.0.1:{port}"
        session = signed_session(session_serializer((secret,)), store)
        body = {
            "source_scope": "products",
            "source_ids": [p.id for p in items],
            "attributes": ["title", "description", "seo_title", "seo_description"],
        }
        latencies = []
        with web_process(dsn, port, secret):
            async with httpx.AsyncClient(
                base_url=url, timeout=60, headers={"Authorization": f"Bearer {session}"}
            ) as http:
                for _ in range(repeats):
                    started = time.perf_counter()
                    res = await http.post("/api/jobs", json=body)
                    latencies.append(time.perf_counter() - started)
                    assert res.status_code == 201, res.text
    return {
        "repeats": repeats,
        "p50_s": percentile(latencies, 50),
        "p99_s": percentile(latencies, 99),
        "max_s": max(latencies),
    }


async def fairness(base_url: str, *, big_products: int, llm_latency: float) -> dict[str, Any]:
    """Scenario e: store B's 10-item job submitted while store A's big job drains."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        try:
            a = await new_store(conn, granted=big_products * FIELDS)
            b = await new_store(conn, granted=100)
            with ExitStack() as stack:
                llm_url = stack.enter_context(llm_sandbox(latency_seconds=llm_latency))
                _workers(stack, dsn, 1, "openai", llm_url, SDK_DRAIN_CONCURRENCY)
                await _idle_workers_ready()
                big = (await enqueue(conn, a.id, products(big_products, "a"))).job_id
                await asyncio.sleep(2.0)
                small = await queue.enqueue_job(
                    conn, store_id=b.id, source_scope="products", source_ids=[f"b{i}" for i in range(10)],
                    attributes=(Attribute.TITLE,), target_lang="en", user_prompt="", products=products(10, "b"),
                    actor=OWNER,
                )  # fmt: skip
                b_seconds = await wait_finished(conn, small.job_id, poll=0.01)
                big_done = await conn.fetchval("SELECT items_done FROM jobs WHERE id = $1", big)
        finally:
            await conn.close()
    return {
        "b_done_s": b_seconds,
        "b_own_llm_s": llm_latency,
        "a_items_done_when_b_finished": big_done,
        "a_items": big_products * FIELDS,
    }


async def rate_limited_llm(
    base_url: str, *, rpm_limit: int, latency: float, warmup: float = 5.0, window: float = 15.0
) -> dict[str, Any]:
    """Scenario c: one worker process against the sandbox LLM with `latency` and `rpm_limit`;
    achieved requests/s over a window after warm-up, as a share of the limit, and the 429 share."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await new_store(conn, granted=100_000)
            n = int(rpm_limit / 60 * (warmup + window) * 2)
            await queue.enqueue_job(
                conn, store_id=store.id, source_scope="products", source_ids=[f"p{i}" for i in range(n)],
                attributes=(Attribute.TITLE,), target_lang="en", user_prompt="", products=products(n),
                actor=OWNER,
            )  # fmt: skip
            with ExitStack() as stack:
                llm_url = stack.enter_context(llm_sandbox(latency_seconds=latency, rpm_limit=rpm_limit))
                _workers(stack, dsn, 1, "openai", llm_url)
                await asyncio.sleep(warmup)
                first = httpx.get(f"{llm_url}/_sandbox/stats").json()
                await asyncio.sleep(window)
                last = httpx.get(f"{llm_url}/_sandbox/stats").json()
        finally:
            await conn.close()
    served = last["answered_200"] - first["answered_200"]
    rate = served / window
    return {
        "requests_per_s": rate,
        "share_of_limit": rate / (rpm_limit / 60),
        "share_429": last["answered_429"] / max(1, last["calls"]),
        "calls": last["calls"],
    }


# Scenario f's model of a store owner: the open dashboard polls GET /api/jobs every 2.5 s (its
# Queue screen's interval) and every tenth request is a new small job. 24 requests a minute per
# store: well inside the 100/min per-store limit, so an honest client never sees a 429.
DASHBOARD_POLL_S = 2.5
POST_EVERY = 10


async def api_load(base_url: str, *, clients: int, seconds: float) -> dict[str, Any]:
    """Scenario f: `clients` open dashboards, each its own store, on a single `optimizer-app serve`
    process. Measured twice for `seconds` each: alone, then while one more store hammers
    GET /api/jobs in a closed loop (as fast as answers come back), which its per-store limit must
    contain without moving the others' p99."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        port, secret = free_port(), "bench-secret"
        serializer = session_serializer((secret,))
        sessions = []
        for _ in range(clients + 1):
            store = await new_store(conn, granted=10_000)
            await catalog.remember(conn, store.id, products(1))
            sessions.append(signed_session(serializer, store))
        await conn.close()
        url = f"http://127.0.0.1:{port}"
        body = {"source_scope": "products", "source_ids": ["p0"], "attributes": ["title"]}
        with web_process(dsn, port, secret):
            limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
            async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:

                async def dashboard(session: str, until: float, latencies: list[float], errors: dict[int, int]) -> None:
                    headers = {"Authorization": f"Bearer {session}"}
                    tick = time.perf_counter() + random.uniform(0, DASHBOARD_POLL_S)
                    turn = 0
                    while tick < until:
                        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                        started = time.perf_counter()
                        if turn % POST_EVERY == POST_EVERY - 1:
                            res = await http.post("/api/jobs", json=body, headers=headers)
                        else:
                            res = await http.get("/api/jobs", params={"limit": 20}, headers=headers)
                        latencies.append(time.perf_counter() - started)
                        if res.status_code >= 400:
                            errors[res.status_code] = errors.get(res.status_code, 0) + 1
                        turn += 1
                        tick += DASHBOARD_POLL_S

                async def hammer(session: str, until: float, counts: dict[str, int]) -> None:
                    headers = {"Authorization": f"Bearer {session}"}
                    while time.perf_counter() < until:
                        res = await http.get("/api/jobs", headers=headers)
                        counts["limited" if res.status_code == 429 else "ok"] += 1

                async def phase(with_hammer: bool, seconds: float) -> dict[str, Any]:
                    latencies: list[float] = []
                    errors: dict[int, int] = {}
                    counts = {"ok": 0, "limited": 0}
                    until = time.perf_counter() + seconds
                    tasks = [dashboard(s, until, latencies, errors) for s in sessions[:clients]]
                    if with_hammer:
                        tasks.append(hammer(sessions[-1], until, counts))
                    await asyncio.gather(*tasks)
                    return {
                        "requests": len(latencies),
                        "requests_per_s": len(latencies) / seconds,
                        "p50_ms": percentile(latencies, 50) * 1000,
                        "p99_ms": percentile(latencies, 99) * 1000,
                        "errors": errors,
                        **({"hammer": counts} if with_hammer else {}),
                    }

                await phase(False, 2 * DASHBOARD_POLL_S)  # warm-up: connections opened, caches filled
                alone = await phase(False, seconds)
                hammered = await phase(True, seconds)
    return {
        "model": f"GET /api/jobs every {DASHBOARD_POLL_S} s, every {POST_EVERY}th a 1-item POST",
        **alone,
        "with_hammer": hammered,
    }


async def limit_check(base_url: str, *, checks: int = 5000, stores: int = 200) -> dict[str, Any]:
    """The per-store API limit's own cost: one bucket row updated per request, timed alone on one
    connection (the added latency of every API call) and from 8 connections at once (the rate the
    database sustains), over `stores` stores."""
    from optimizer_app.web.ratelimit import StoreRateLimiter

    limiter = StoreRateLimiter(per_minute=10**9)  # never refuses: this times the check, not a 429
    async with fresh_database(base_url) as dsn:
        pool = await db.create_pool(dsn, min_size=8, max_size=8)
        try:
            latencies: list[float] = []
            async with pool.acquire() as conn:
                for i in range(checks):
                    started = time.perf_counter()
                    await limiter.check(conn, i % stores)
                    latencies.append(time.perf_counter() - started)

            async def client(n: int) -> None:
                async with pool.acquire() as conn:
                    for i in range(checks // 8):
                        await limiter.check(conn, (i * 8 + n) % stores)

            started = time.perf_counter()
            await asyncio.gather(*(client(n) for n in range(8)))
            rate = (checks // 8 * 8) / (time.perf_counter() - started)
        finally:
            await pool.close()
    return {
        "p50_us": percentile(latencies, 50) * 1e6,
        "p99_us": percentile(latencies, 99) * 1e6,
        "checks_per_s": rate,
    }


async def limit_share(
    base_url: str, *, per_minute: int = 600, rate: int = 50, seconds: float = 20.0, processes: int = 2
) -> dict[str, Any]:
    """The per-store limit across web processes: one store sends GET /api/me at `rate` requests a
    second to each of `processes` web processes for `seconds` (several times its limit in all).
    What they let through, against what the limit allows in that time (its burst, a sixth of a
    minute's worth, plus the refill over the time between the first and the last request): 100 %
    when the processes share one bucket, `processes` × 100 % when each kept its own."""
    from . import open_loop

    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        store = await new_store(conn, granted=10)
        await conn.close()
        secret = "bench-secret"
        session = signed_session(session_serializer((secret,)), store)
        ports = [free_port() for _ in range(processes)]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        me = open_loop.Request("GET", "/api/me", {"Authorization": f"Bearer {session}"})
        with ExitStack() as stack:
            for port in ports:
                stack.enter_context(web_process(dsn, port, secret, API_RATE_LIMIT_PER_MINUTE=str(per_minute)))
            started = time.perf_counter()
            results = await asyncio.gather(*(open_loop.run(url, rate, seconds, lambda _i: me) for url in urls))
            # open_loop.run's first request leaves 0.1 s after its call, its last one 1/rate before the end.
            window = seconds - 1 / rate
            assert time.perf_counter() - started >= window
    allowed = sum(r.statuses.get(200, 0) for r in results)
    refused = sum(r.statuses.get(429, 0) for r in results)
    others = sum(n for r in results for s, n in r.statuses.items() if s not in (200, 429)) + sum(
        r.failures for r in results
    )
    limit = max(1.0, per_minute / 6) + per_minute / 60 * window
    return {
        "processes": processes,
        "per_minute": per_minute,
        "sent": rate * processes * int(seconds),
        "allowed": allowed,
        "refused": refused,
        "other_answers": others,
        "limit_allows": limit,
        "share_of_limit": allowed / limit,
        "per_process_allowed": [r.statuses.get(200, 0) for r in results],
    }


async def pickup(base_url: str, *, jobs: int = 200) -> dict[str, Any]:
    """Pickup latency on an idle system: one web process and one worker process waiting; `jobs`
    one-field jobs posted one after another, each once the last has finished. Measured from the
    moment POST /api/jobs returned to the moment the worker called the LLM for that job (the
    worker logs its calls' wall-clock times; both processes share this machine's clock)."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        store = await new_store(conn, granted=jobs * 2)
        items = products(jobs)
        await catalog.remember(conn, store.id, items)
        port, secret = free_port(), "bench-secret"
        url = f"http://127.0.0.1:{port}"
        session = signed_session(session_serializer((secret,)), store)
        waits: list[float] = []
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            calls = Path(tmp) / "calls.log"
            calls.touch()
            stack.enter_context(web_process(dsn, port, secret, API_RATE_LIMIT_PER_MINUTE="0"))
            stack.enter_context(
                process([sys.executable, "-m", "bench.worker_child", dsn, "instant"], {"BENCH_CALL_LOG": str(calls)})
            )
            await _idle_workers_ready()
            async with httpx.AsyncClient(
                base_url=url, timeout=30, headers={"Authorization": f"Bearer {session}"}
            ) as http:
                for p in items:
                    body = {"source_scope": "products", "source_ids": [p.id], "attributes": ["title"]}
                    res = await http.post("/api/jobs", json=body)
                    returned = time.time()
                    assert res.status_code == 201, res.text
                    await wait_finished(conn, res.json()["job_id"], poll=0.002)
                    await asyncio.sleep(0.05)  # idle again before the next one
                    waits.append(returned)
            called: dict[str, float] = {}
            for line in calls.read_text().splitlines():
                at, product_id = line.split(" ", 1)
                called.setdefault(product_id, float(at))
        await conn.close()
    # A worker woken by the commit's NOTIFY may call the LLM before the HTTP answer reaches the
    # client: that counts as no wait at all.
    latencies = [max(0.0, called[p.id] - returned) for p, returned in zip(items, waits, strict=True)]
    return {
        "jobs": jobs,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
        "before_answer": sum(called[p.id] < r for p, r in zip(items, waits, strict=True)),
    }


async def long_transaction(
    base_url: str, *, hold: float = 120.0, before: float = 15.0, after: float = 15.0, workers: int = 2
) -> dict[str, Any]:
    """Next to a long transaction: `workers` worker processes drain through the openai SDK (the
    sandbox LLM at zero latency) while, after `before` seconds, another connection holds a
    REPEATABLE READ transaction open for `hold` seconds (its snapshot keeps every row the workers
    finish from being vacuumed). Items finished per second, sampled every second: before, during,
    and in the first 10 s after it ends."""
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        holder = await db.connect(dsn)
        try:
            # Enough work for the whole run at twice the rate one process reaches alone.
            n = int(1_800 * workers * (before + hold + after) * 1.2 / FIELDS)
            store = await new_store(conn, granted=n * FIELDS)
            job_id = 0
            for start in range(0, n, 10_000):
                chunk = products(min(10_000, n - start), f"t{start}-")
                job_id = (await enqueue(conn, store.id, chunk)).job_id
            samples: list[tuple[float, int]] = []

            async def done_now() -> int:
                return int(await conn.fetchval("SELECT sum(items_done) FROM jobs WHERE store_id = $1", store.id))

            async def sample_until(t: float) -> None:
                while time.perf_counter() < t:
                    await asyncio.sleep(1.0)
                    samples.append((time.perf_counter(), await done_now()))

            with ExitStack() as stack:
                unbound = {"rpm_limit": 10_000_000, "tpm_limit": 10_000_000_000}
                llm_url = stack.enter_context(llm_sandbox(**unbound))
                _workers(stack, dsn, workers, "openai", llm_url, SDK_DRAIN_CONCURRENCY)
                await _idle_workers_ready()
                t0 = time.perf_counter()
                samples.append((t0, await done_now()))
                await sample_until(t0 + before)
                tx = holder.transaction(isolation="repeatable_read")
                await tx.start()
                await holder.fetchval("SELECT count(*) FROM job_items WHERE job_id = $1", job_id)
                t1 = time.perf_counter()
                await sample_until(t1 + hold)
                await tx.commit()
                t2 = time.perf_counter()
                await sample_until(t2 + after)
        finally:
            await holder.close()
            await conn.close()

    def rate(start: float, end: float) -> float:
        inside = [(t, d) for t, d in samples if start <= t <= end]
        if len(inside) < 2:
            return 0.0
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    normal = rate(t0 + 3, t1)  # after the workers' warm-up
    during = rate(t1, t2)
    recovered = rate(t2, t2 + 10)
    per_second = [round((d1 - d0) / (s1 - s0)) for (s0, d0), (s1, d1) in itertools.pairwise(samples)]
    return {
        "hold_s": hold,
        "normal_items_per_s": normal,
        "during_items_per_s": during,
        "after_items_per_s": recovered,
        "during_share": during / normal if normal else 0.0,
        "after_share": recovered / normal if normal else 0.0,
        "last_10s_of_hold_share": rate(t2 - 10, t2) / normal if normal else 0.0,
        "items_per_s_each_second": per_second,
    }


# The open-loop mix, like real dashboards: mostly the job list, a job and its items, the account,
# and one request in ten a small job. (weights add up to 10)
OPEN_LOOP_MIX = (("jobs", 4), ("job", 2), ("items", 2), ("me", 1), ("post", 1))


async def open_loop_api(
    base_url: str, *, rates: Sequence[int], seconds: float, stores: int = 1_000, workers: int = 2
) -> dict[str, Any]:
    """One web process under open-loop load at each of `rates` (requests a second, whatever the
    answers do) for `seconds` each, spread over `stores` stores (each well inside its own limit),
    while `workers` worker processes drain a large job through the openai SDK at full speed."""
    from . import open_loop

    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        port, secret = free_port(), "bench-secret"
        serializer = session_serializer((secret,))
        sessions: list[tuple[str, int]] = []
        for _ in range(stores):
            store = await new_store(conn, granted=10_000)
            await catalog.remember(conn, store.id, products(1))
            job = await enqueue(conn, store.id, products(5), attributes=(Attribute.TITLE, Attribute.SEO_TITLE))
            sessions.append((signed_session(serializer, store), job.job_id))
        big = await new_store(conn, granted=10_000_000)
        for start in range(0, 200_000, 10_000):
            await enqueue(conn, big.id, products(10_000, f"big{start}-"))
        # Named, so the CPU its connections use on the server can be told apart from the workers'.
        web_database_url = f"{dsn}?application_name=bench-web"
        url = f"http://127.0.0.1:{port}"
        post_body = json.dumps({"source_scope": "products", "source_ids": ["p0"], "attributes": ["title"]}).encode()
        kinds = [kind for kind, weight in OPEN_LOOP_MIX for _ in range(weight)]

        def request(i: int) -> open_loop.Request:
            session, job_id = sessions[(i * 7919) % len(sessions)]
            headers = {"Authorization": f"Bearer {session}", "Content-Type": "application/json"}
            kind = kinds[i % len(kinds)]
            if kind == "jobs":
                return open_loop.Request("GET", "/api/jobs?limit=20", headers)
            if kind == "job":
                return open_loop.Request("GET", f"/api/jobs/{job_id}", headers)
            if kind == "items":
                return open_loop.Request("GET", f"/api/jobs/{job_id}/items?limit=50", headers)
            if kind == "me":
                return open_loop.Request("GET", "/api/me", headers)
            return open_loop.Request("POST", "/api/jobs", headers, post_body)

        steps: list[dict[str, Any]] = []
        with ExitStack() as stack:
            web = stack.enter_context(web_process(web_database_url, port, secret))
            unbound = {"rpm_limit": 10_000_000, "tpm_limit": 10_000_000_000}
            # The sandbox LLM stands for a provider on other machines: it yields this machine's
            # CPU as the workers do (WORKER_NICE), so what it costs here is not charged to the web.
            llm_url = stack.enter_context(llm_sandbox(10, **unbound))
            _workers(stack, dsn, workers, "openai", llm_url, SDK_DRAIN_CONCURRENCY)
            await _idle_workers_ready()
            await open_loop.run(url, 50, 3, request)  # warm-up: connections, pools, plans
            for rate in rates:
                # What one request costs in CPU, in the web process and in the server processes
                # of its connections: what the latencies cannot show on a machine shared with others.
                servers = await backend_pids(conn, "bench-web")
                web_cpu, server_cpu = cpu_seconds(web.pid), sum(cpu_seconds(pid) for pid in servers)
                result = await open_loop.run(url, rate, seconds, request)
                web_cpu = cpu_seconds(web.pid) - web_cpu
                server_cpu = sum(cpu_seconds(pid) for pid in servers) - server_cpu
                errors = {s: n for s, n in result.statuses.items() if s >= 400}
                answered = len(result.latencies)
                steps.append(
                    {
                        "rate": rate,
                        "answered": answered,
                        "p50_ms": percentile(result.latencies, 50) * 1000 if result.latencies else None,
                        "p99_ms": percentile(result.latencies, 99) * 1000 if result.latencies else None,
                        "errors": errors,
                        "failures": result.failures,
                        "web_cpu_ms_per_request": web_cpu / max(1, answered) * 1000,
                        "db_cpu_ms_per_request": server_cpu / max(1, answered) * 1000,
                    }
                )
        await conn.close()
    good = [s["rate"] for s in steps if s["p99_ms"] is not None and s["p99_ms"] <= 50 and not s["errors"]]
    return {"steps": steps, "knee_rate": max(good) if good else 0, "mix": dict(OPEN_LOOP_MIX)}
