"""`python -m bench.chaos` (make chaos): the faults the queue must survive, at sizes larger than
the tests use, each followed by the counts that show nothing was lost or doubled.

1. workers killed: three worker processes drain a job while one of them is killed with SIGKILL
   every few seconds and started again;
2. PostgreSQL restarted mid-run under a web process and two worker processes: the web answers
   503 while it is down, everyone reconnects, the job completes;
3. the LLM answering 429 and 500 in bursts: the job completes and every fault costs exactly one
   extra call;
4. the store platform failing during publish: every item gets its own error, a retry publishes
   each item once, a third publish writes nothing."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from optimizer_app import credits, db, embedded_pg, stores
from optimizer_app.auth import wix as wix_auth
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_app.web.context import session_serializer, signed_session
from optimizer_app.worker import Worker
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.wix import create_wix_sandbox
from tests.factories import admin_database, enqueue, new_store, products, quick_worker_config

from .harness import DATA_DIR, InstantProvider, free_port, fresh_database, llm_sandbox, process

FIELDS = 4
Result = dict[str, Any]


def _worker(dsn: str, llm_url: str, lease: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BENCH_WORKER_CONCURRENCY": "16",
        "BENCH_LEASE_SECONDS": str(lease),
        "BENCH_MAINTENANCE_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bench.worker_child", dsn, "openai", llm_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait()


async def _finished(conn: asyncpg.Connection, job_id: int) -> bool:
    return bool(await conn.fetchval("SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", job_id))


async def _settled(conn: asyncpg.Connection, job_id: int, store_id: int, items: int) -> tuple[Result, bool]:
    """The counts that show every item ended once, with its counters and the credit ledger agreeing."""
    statuses = dict(
        await conn.fetch("SELECT status, count(*) FROM job_items WHERE job_id = $1 GROUP BY status", job_id)
    )
    job = await conn.fetchrow("SELECT items_done, items_failed FROM jobs WHERE id = $1", job_id)
    attempts = await conn.fetchval("SELECT sum(attempts) FROM job_items WHERE job_id = $1", job_id)
    without_value = await conn.fetchval(
        "SELECT count(*) FROM job_items WHERE job_id = $1 AND status = 'DONE' AND after_value IS NULL", job_id
    )
    balance, ledger = await credits.ledger_balance(conn, store_id)
    counts: Result = {
        "items": items,
        "statuses": statuses,
        "job_counters": {"done": job["items_done"], "failed": job["items_failed"]},
        "attempts_total": attempts,
        "done_without_value": without_value,
        "ledger": {"balance": balance, "sum_of_ledger": ledger},
    }
    ok = (
        statuses.get("DONE", 0) + statuses.get("FAILED", 0) == items
        and job["items_done"] == statuses.get("DONE", 0)
        and job["items_failed"] == statuses.get("FAILED", 0)
        and without_value == 0
        and balance == ledger
    )
    return counts, ok


async def worker_kills(
    base: str, *, items: int, interval: float, lease: float, llm_latency: float
) -> tuple[Result, bool]:
    n_products = max(1, items // FIELDS)
    async with fresh_database(base) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await new_store(conn, granted=n_products * FIELDS)
            with llm_sandbox(latency_seconds=llm_latency) as llm_url:
                workers = [_worker(dsn, llm_url, lease) for _ in range(3)]
                job_id = (await enqueue(conn, store.id, products(n_products))).job_id
                kills = 0
                started = time.monotonic()
                try:
                    while not await _finished(conn, job_id):
                        await asyncio.sleep(interval)
                        victim = kills % 3
                        workers[victim].send_signal(signal.SIGKILL)
                        workers[victim].wait()
                        kills += 1
                        # Its items come back when their leases expire (the survivors' maintenance).
                        workers[victim] = _worker(dsn, llm_url, lease)
                finally:
                    _stop(workers)
            elapsed = time.monotonic() - started
            counts, ok = await _settled(conn, job_id, store.id, n_products * FIELDS)
        finally:
            await conn.close()
    return {"kills": kills, "seconds": round(elapsed, 1), **counts}, ok


async def postgres_restart(*, items: int, down_seconds: float, llm_latency: float) -> tuple[Result, bool]:
    n_products = max(1, items // FIELDS)
    with tempfile.TemporaryDirectory() as folder, embedded_pg.embedded_server(Path(folder) / "pg") as server:
        dsn = server.url
        await db.migrate(dsn)
        conn = await db.connect(dsn)
        store = await new_store(conn, granted=n_products * FIELDS)
        await conn.close()
        secret = "chaos-secret-key"
        session = signed_session(session_serializer((secret,)), store)
        port = free_port()
        web_env = {
            "APP_ENV": "development",
            "DATABASE_URL": dsn,
            "PORT": str(port),
            "SECRET_KEY": secret,
            "API_RATE_LIMIT_PER_MINUTE": "0",
        }
        web_args = [sys.executable, "-m", "optimizer_app.cli", "serve"]
        answers: Counter[str] = Counter()
        with (
            llm_sandbox(latency_seconds=llm_latency) as llm_url,
            process(web_args, web_env, ready_url=f"http://127.0.0.1:{port}/health"),
        ):
            workers = [_worker(dsn, llm_url, 30.0) for _ in range(2)]
            try:
                conn = await db.connect(dsn)
                job_id = (await enqueue(conn, store.id, products(n_products))).job_id
                while await conn.fetchval("SELECT items_done FROM jobs WHERE id = $1", job_id) < items // 3:
                    await asyncio.sleep(0.1)
                done_before = await conn.fetchval("SELECT items_done FROM jobs WHERE id = $1", job_id)
                await conn.close()
                server.stop()
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as web:
                    deadline = time.monotonic() + down_seconds
                    while time.monotonic() < deadline:
                        for path in ("/health", "/api/jobs"):
                            res = await web.get(path, headers={"Authorization": f"Bearer {session}"})
                            unavailable = res.status_code == 503 and (
                                path == "/health" or res.json()["error"]["code"] == "unavailable"
                            )
                            answers["503" if unavailable and "Traceback" not in res.text else str(res.status_code)] += 1
                        await asyncio.sleep(0.2)
                    server.start()
                    recovered = None
                    started = time.monotonic()
                    while recovered is None and time.monotonic() - started < 60:
                        if (await web.get("/health")).status_code == 200:
                            recovered = time.monotonic() - started
                        else:
                            await asyncio.sleep(0.1)
                    jobs_after = (
                        await web.get("/api/jobs", headers={"Authorization": f"Bearer {session}"})
                    ).status_code
                conn = await db.connect(dsn)
                started = time.monotonic()
                while not await _finished(conn, job_id) and time.monotonic() - started < 300:
                    await asyncio.sleep(0.2)
                counts, ok = await _settled(conn, job_id, store.id, n_products * FIELDS)
                await conn.close()
            finally:
                _stop(workers)
    result = {
        "done_before_stop": done_before,
        "web_answers_while_down": dict(answers),
        "web_healthy_again_after_s": None if recovered is None else round(recovered, 2),
        "GET /api/jobs after restart": jobs_after,
        **counts,
    }
    ok = ok and set(answers) == {"503"} and recovered is not None and jobs_after == 200
    return result, ok


async def llm_bursts(base: str, *, items: int, bursts: int, burst_size: int) -> tuple[Result, bool]:
    n_products = max(1, items // FIELDS)
    faults = [code for i in range(bursts) for code in [("429" if i % 2 == 0 else "500")] * burst_size]
    async with fresh_database(base) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await new_store(conn, granted=n_products * FIELDS)
            config = {"latency_seconds": 0.02, "faults": faults, "fault_retry_after_seconds": 0.5}
            with llm_sandbox(**config) as llm_url:
                workers = [_worker(dsn, llm_url, 30.0) for _ in range(2)]
                try:
                    job_id = (await enqueue(conn, store.id, products(n_products))).job_id
                    started = time.monotonic()
                    while not await _finished(conn, job_id):
                        await asyncio.sleep(0.1)
                    elapsed = time.monotonic() - started
                finally:
                    _stop(workers)
                stats = httpx.get(f"{llm_url}/_sandbox/stats").json()
            counts, ok = await _settled(conn, job_id, store.id, n_products * FIELDS)
        finally:
            await conn.close()
    result = {
        "faults_injected": len(faults),
        "llm_calls": stats["calls"],
        "calls_if_each_fault_costs_one": n_products + len(faults),
        "answered_429": stats["answered_429"],
        "answered_5xx": stats["answered_5xx"],
        "seconds": round(elapsed, 1),
        **counts,
    }
    ok = ok and stats["calls"] == n_products + len(faults) and counts["statuses"].get("DONE") == items
    return result, ok


async def publish_failures(base: str, *, n_products: int) -> tuple[Result, bool]:
    app_id, app_secret = "chaos-wix-app", "chaos-wix-secret"
    private_pem, public_pem = wix_auth.generate_keypair()
    instance_id = str(uuid.uuid4())
    headers = {"X-Wix-Instance": wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, app_id), app_secret)}
    async with fresh_database(base) as dsn:
        wix_app = create_wix_sandbox(app_id=app_id, app_secret=app_secret, webhook_private_key_pem=private_pem)
        with LoopbackServer(wix_app) as wix:
            settings = replace(
                Settings(),
                database_url=dsn,
                secret_keys=("chaos-secret-key",),
                wix_app_id=app_id,
                wix_app_secret=app_secret,
                wix_webhook_public_key=public_pem,
                wix_api_base=wix.url,
                api_rate_limit_per_minute=0,
            )
            with LoopbackServer(create_app(settings)) as web:
                async with httpx.AsyncClient(base_url=web.url, headers=headers, timeout=120) as api:
                    ids: list[str] = []
                    cursor = ""
                    while len(ids) < n_products:
                        query: dict[str, str | int] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                        page = (await api.get("/api/products", params=query)).json()
                        ids += [p["id"] for p in page["products"]]
                        cursor = page.get("next_cursor") or ""
                        if not cursor:
                            break
                    ids = ids[:n_products]
                    conn = await db.connect(dsn)
                    store = await stores.find(conn, "wix", instance_id)
                    assert store is not None
                    await credits.grant_credits(conn, store.id, len(ids) * 2, reason="chaos run")
                    await conn.close()
                    body = {"source_scope": "products", "source_ids": ids, "attributes": ["title", "seo_title"]}
                    created = await api.post("/api/jobs", json=body)
                    created.raise_for_status()
                    job_id = created.json()["job_id"]
                    pool = await db.create_pool(dsn, min_size=1, max_size=2)
                    stop = asyncio.Event()
                    config = quick_worker_config(concurrency=32)
                    running = asyncio.create_task(Worker(pool, InstantProvider(), config).run(stop))
                    try:
                        async with pool.acquire() as conn:
                            while not await _finished(conn, job_id):
                                await asyncio.sleep(0.05)
                    finally:
                        stop.set()
                        await running
                    item_ids: list[int] = []
                    after = 0
                    while True:
                        query = {"after": after, "limit": 200}
                        page = (await api.get(f"/api/jobs/{job_id}/items", params=query)).json()
                        item_ids += [i["id"] for i in page["items"]]
                        after = page.get("next_after") or 0
                        if not after:
                            break

                    async def publish() -> Counter[str]:
                        res = await api.post("/api/publish", json={"item_ids": item_ids})
                        if res.status_code != 200:
                            return Counter({f"HTTP {res.status_code}": len(item_ids)})
                        return Counter(r["status"] for r in res.json()["results"])

                    # Reads answer, every write fails: each item must come back with its own error.
                    fault = {
                        "path_prefix": "/stores/v3/bulk/products/update",
                        "status": 503,
                        "count": 100_000,
                        "retry_after": 0.01,
                    }
                    httpx.post(f"{wix.url}/_sandbox/faults", json=fault).raise_for_status()
                    while_failing = await publish()
                    httpx.post(f"{wix.url}/_sandbox/reset").raise_for_status()
                    retried = await publish()
                    again = await publish()
                    async with pool.acquire() as conn:
                        logs = await conn.fetchval("SELECT count(*) FROM publish_logs")
                        store_id = await conn.fetchval("SELECT store_id FROM jobs WHERE id = $1", job_id)
                        counts, settled_ok = await _settled(conn, job_id, store_id, len(ids) * 2)
                        titles = dict(
                            await conn.fetch(
                                "SELECT product_id, after_value FROM job_items"
                                " WHERE job_id = $1 AND attribute = 'title'",
                                job_id,
                            )
                        )
                    await pool.close()
                    mismatched = 0
                    for product_id, title in titles.items():
                        url = f"{wix.url}/_sandbox/instances/{instance_id}/products/{product_id}"
                        mismatched += httpx.get(url).json()["product"]["name"] != title
    n_items = len(item_ids)
    result = {
        "products": len(ids),
        "items": n_items,
        "publish_while_failing": dict(while_failing),
        "publish_retried": dict(retried),
        "publish_again": dict(again),
        "publish_logs": logs,
        "store_titles_not_matching": mismatched,
        "ledger": counts["ledger"],
    }
    ok = (
        settled_ok
        and while_failing == Counter({"error": n_items})
        and retried == Counter({"published": n_items})
        and again == Counter({"already_published": n_items})
        and logs == n_items
        and mismatched == 0
    )
    return result, ok


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos")
    parser.add_argument("--items", type=int, default=5000, help="items of the worker-kill job")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--llm-latency", type=float, default=0.2)
    parser.add_argument("--only", choices=["kills", "postgres", "llm", "publish"], action="append")
    args = parser.parse_args()
    faults: dict[str, tuple[str, Callable[[str], Coroutine[Any, Any, tuple[Result, bool]]]]] = {
        "kills": (
            f"three workers, one SIGKILLed every {args.interval:g} s",
            lambda base: worker_kills(
                base, items=args.items, interval=args.interval, lease=args.lease, llm_latency=args.llm_latency
            ),
        ),
        "postgres": (
            "PostgreSQL stopped for 4 s mid-run under a web process and two workers",
            lambda _base: postgres_restart(items=2000, down_seconds=4.0, llm_latency=0.05),
        ),
        "llm": (
            "the LLM answering 429 and 500 in bursts of 25",
            lambda base: llm_bursts(base, items=2000, bursts=6, burst_size=25),
        ),
        "publish": (
            "the Wix API answering 503 to every write during a publish",
            lambda base: publish_failures(base, n_products=150),
        ),
    }
    failed = []
    with admin_database(DATA_DIR) as base:
        for key, (title, run) in faults.items():
            if args.only and key not in args.only:
                continue
            print(f"\n== {title}")
            result, ok = asyncio.run(run(base))
            for name, value in result.items():
                print(f"{name:>30}: {value}")
            print("   ok: nothing lost or doubled" if ok else "   CHECK FAILED")
            if not ok:
                failed.append(key)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
