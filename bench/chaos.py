"""`python -m bench.chaos` (make chaos): three worker processes drain a job while one of them is
killed with SIGKILL every few seconds and started again; then checks that nothing was lost or
doubled and prints the counts that show it."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

from optimizer_app import db, stores

from .harness import admin_url, enqueue, fresh_database, funded_store, llm_sandbox, products

FIELDS = 4


def _start(dsn: str, llm_url: str, lease: float) -> subprocess.Popen[bytes]:
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


async def run(*, items: int, interval: float, lease: float, llm_latency: float) -> dict[str, Any]:
    n_products = max(1, items // FIELDS)
    async with fresh_database(admin_url()) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await funded_store(conn, n_products * FIELDS)
            with llm_sandbox(latency_seconds=llm_latency) as llm_url:
                workers = [_start(dsn, llm_url, lease) for _ in range(3)]
                job_id = await enqueue(conn, store.id, products(n_products))
                kills = 0
                started = time.monotonic()
                try:
                    while not await conn.fetchval("SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", job_id):
                        await asyncio.sleep(interval)
                        victim = workers[kills % 3]
                        victim.send_signal(signal.SIGKILL)
                        victim.wait()
                        kills += 1
                        # Its items come back when their leases expire (the survivors' maintenance).
                        workers[(kills - 1) % 3] = _start(dsn, llm_url, lease)
                finally:
                    for worker in workers:
                        worker.terminate()
                        worker.wait()
            elapsed = time.monotonic() - started
            counts = dict(
                await conn.fetch("SELECT status, count(*) FROM job_items WHERE job_id = $1 GROUP BY status", job_id)
            )
            attempts = await conn.fetchval("SELECT sum(attempts) FROM job_items WHERE job_id = $1", job_id)
            missing = await conn.fetchval(
                "SELECT count(*) FROM job_items WHERE job_id = $1 AND status = 'DONE' AND after_value IS NULL", job_id
            )
            job = await conn.fetchrow("SELECT * FROM jobs WHERE id = $1", job_id)
            balance, ledger = await stores.ledger_balance(conn, store.id)
        finally:
            await conn.close()
    return {
        "items": n_products * FIELDS,
        "kills": kills,
        "seconds": round(elapsed, 1),
        "statuses": counts,
        "job_counters": {"done": job["items_done"], "failed": job["items_failed"]},
        "attempts_total": attempts,
        "done_without_value": missing,
        "ledger": {"balance": balance, "sum_of_ledger": ledger},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--llm-latency", type=float, default=0.2)
    args = parser.parse_args()
    result = asyncio.run(run(items=args.items, interval=args.interval, lease=args.lease, llm_latency=args.llm_latency))
    ok = (
        result["statuses"].get("DONE", 0) + result["statuses"].get("FAILED", 0) == result["items"]
        and result["job_counters"]["done"] + result["job_counters"]["failed"] == result["items"]
        and result["done_without_value"] == 0
        and result["ledger"]["balance"] == result["ledger"]["sum_of_ledger"]
    )
    for key, value in result.items():
        print(f"{key:>20}: {value}")
    print("every item ended DONE or FAILED exactly once, counters and ledger agree" if ok else "CHECK FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
