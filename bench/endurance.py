"""The endurance scenario: many items through the same queue table in waves, retention on.

Each wave is enqueued through the real enqueue (queue.enqueue_job, jobs of 1,000 products × 4
fields) and drained by real worker processes (bench.worker_child, zero-latency provider) whose
maintenance step runs every second with a retention period of a few seconds: earlier waves are
removed while the next drains, as RETENTION_DAYS removes old jobs in production. Each wave's
figures are read once the wave before it has been removed too, so the table holds the same live
items (one wave's) at every reading and what grows from wave to wave can only be bloat: throughput,
job_items table + index size, dead tuples (after ANALYZE), live items (counted), and the workers'
resident memory (VmRSS of /proc/<pid>/status). A warm-up job, not counted, comes first
so the first wave is measured on warm processes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg

from optimizer_app import db
from tests.factories import enqueue, new_store, products

from .harness import fresh_database, process

FIELDS = 4
JOB_PRODUCTS = 1_000
RETENTION_SECONDS = 3.0
MAINTENANCE_SECONDS = 1.0

STATS_SQL = """
SELECT pg_table_size('job_items') AS table_bytes, pg_indexes_size('job_items') AS index_bytes,
       n_dead_tup
FROM pg_stat_user_tables WHERE relid = 'job_items'::regclass
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def _enqueue_wave(conn: asyncpg.Connection, store_id: int, wave: int, n_products: int) -> list[int]:
    jobs = []
    for start in range(0, n_products, JOB_PRODUCTS):
        chunk = products(min(JOB_PRODUCTS, n_products - start), prefix=f"w{wave}-{start}-")
        jobs.append((await enqueue(conn, store_id, chunk)).job_id)
    return jobs


async def _wait(conn: asyncpg.Connection, query: str, job_ids: list[int], *, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not await conn.fetchval(query, job_ids):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout} s for: {query}")
        await asyncio.sleep(0.02)


ALL_FINISHED = "SELECT bool_and(finished_at IS NOT NULL) FROM jobs WHERE id = ANY($1::bigint[])"
ALL_EXPIRED = "SELECT bool_and(items_expired_at IS NOT NULL) FROM jobs WHERE id = ANY($1::bigint[])"


async def endurance(base_url: str, *, items: int = 200_000, waves: int = 10, workers: int = 2) -> dict[str, Any]:
    per_wave = items // waves // FIELDS  # products per wave
    async with fresh_database(base_url) as dsn:
        conn = await db.connect(dsn)
        try:
            store = await new_store(conn, granted=(per_wave * waves + JOB_PRODUCTS) * FIELDS)
            env = {
                "BENCH_MAINTENANCE_SECONDS": str(MAINTENANCE_SECONDS),
                "BENCH_RETENTION_SECONDS": str(RETENTION_SECONDS),
            }
            args = [sys.executable, "-m", "bench.worker_child", dsn, "instant"]
            rows: list[dict[str, Any]] = []
            with ExitStack() as stack:
                children = [stack.enter_context(process(args, env)) for _ in range(workers)]
                await asyncio.sleep(1.5)  # the children connect and LISTEN
                warm = await _enqueue_wave(conn, store.id, -1, JOB_PRODUCTS)
                await _wait(conn, ALL_FINISHED, warm, timeout=300)
                previous: list[int] = warm
                for wave in range(waves):
                    started = time.perf_counter()
                    jobs = await _enqueue_wave(conn, store.id, wave, per_wave)
                    await _wait(conn, ALL_FINISHED, jobs, timeout=900)
                    elapsed = time.perf_counter() - started
                    # The previous wave is past retention by now or within a few seconds.
                    await _wait(conn, ALL_EXPIRED, previous, timeout=120)
                    previous = jobs
                    live = await conn.fetchval("SELECT count(*) FROM job_items")
                    await conn.execute("ANALYZE job_items")
                    await conn.execute("SELECT pg_stat_clear_snapshot()")
                    stats = await conn.fetchrow(STATS_SQL)
                    rows.append(
                        {
                            "wave": wave + 1,
                            "items": per_wave * FIELDS,
                            "seconds": elapsed,
                            "items_per_s": per_wave * FIELDS / elapsed,
                            "table_bytes": stats["table_bytes"],
                            "index_bytes": stats["index_bytes"],
                            "size_bytes": stats["table_bytes"] + stats["index_bytes"],
                            "dead_tuples": stats["n_dead_tup"],
                            "live_tuples": live,
                            "worker_rss_kib": [rss_kib(c.pid) for c in children],
                        }
                    )
                    r = rows[-1]
                    print(
                        f"  wave {r['wave']:2}: {r['items_per_s']:8,.0f} items/s, job_items "
                        f"{r['size_bytes'] / 2**20:6.1f} MiB, dead {r['dead_tuples']:8,}, live {r['live_tuples']:8,}, "
                        f"workers {sum(r['worker_rss_kib']) / 1024:6.1f} MiB",
                        file=sys.stderr,
                        flush=True,
                    )
                expired = await conn.fetchval("SELECT count(*) FROM jobs WHERE items_expired_at IS NOT NULL")
                kept = await conn.fetchval("SELECT count(*) FROM jobs")
        finally:
            await conn.close()
    first, last = rows[0], rows[-1]
    return {
        "items": per_wave * FIELDS * waves,
        "waves": rows,
        "workers": workers,
        "retention_seconds": RETENTION_SECONDS,
        "throughput_share": last["items_per_s"] / first["items_per_s"],
        "size_ratio": last["size_bytes"] / first["size_bytes"],
        "rss_change": sum(last["worker_rss_kib"]) / sum(first["worker_rss_kib"]) - 1,
        "jobs_expired": expired,
        "jobs_kept": kept,
    }


def cli() -> None:
    """`python -m bench.endurance [--long]`: this scenario alone, its figures as JSON in bench/results."""
    import argparse
    import json

    from tests.factories import admin_database

    from .harness import DATA_DIR, write_result

    parser = argparse.ArgumentParser(prog="python -m bench.endurance")
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--long", action="store_true", help="1,000,000 items")
    args = parser.parse_args()
    with admin_database(DATA_DIR) as base:
        result = asyncio.run(endurance(base, items=1_000_000 if args.long else args.items, waves=args.waves))
    print(json.dumps({k: v for k, v in result.items() if k != "waves"}, indent=2))
    write_result(result, "endurance-")


if __name__ == "__main__":
    cli()
