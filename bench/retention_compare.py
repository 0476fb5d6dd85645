"""How finished work should leave job_items: `python -m bench.retention_compare`.

Three ways, each on a fresh migrated database, each fed the same waves of jobs through the real
enqueue (queue.enqueue_job) and drained by two in-process claim loops running the real claim and
complete statements (what a worker does, without an LLM):

- partitions: job_items range-partitioned by creation time, one partition per wave; a wave's
  partition is dropped once every job in it is past retention (publish_logs' foreign key and the
  (job_id, product_id, attribute) key have to go for that: neither can hold on such a table).
- deletes: batched `DELETE … WHERE id IN (SELECT … LIMIT 5000)` of the items of jobs past
  retention, the table's autovacuum settings doing the rest (when the server's autovacuum is on).
- deletes+vacuum: the same deletes, and the retention pass ends with `VACUUM job_items`, so the
  space is reused whatever the server's autovacuum does.

Per wave: drain throughput, job_items table+index size, dead tuples (read after ANALYZE), and
what the retention pass took. Prints a table and writes bench/results/retention-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import asyncpg

from optimizer_app import db, queue, sql
from tests.factories import admin_database, enqueue, new_store, products

from .harness import DATA_DIR, fresh_database, median, write_result

Q = sql.load("queue")
FIELDS = 4
BATCH = 5000
CLAIM_PRODUCTS = 100

# job_items itself, or its partitions when it is partitioned.
TABLES = """
SELECT c.oid FROM pg_class c WHERE c.oid = 'job_items'::regclass AND c.relkind = 'r'
UNION ALL SELECT relid FROM pg_partition_tree('job_items') WHERE isleaf AND relid <> 'job_items'::regclass
"""
SIZE_SQL = f"SELECT coalesce(sum(pg_total_relation_size(oid)), 0)::bigint FROM ({TABLES}) t"
DEAD_SQL = f"""
SELECT coalesce(sum(n_dead_tup), 0)::bigint, coalesce(sum(n_live_tup), 0)::bigint
FROM pg_stat_user_tables WHERE relid IN ({TABLES})
"""


async def _partitioned(conn: asyncpg.Connection) -> None:
    """Replace the (empty) job_items with a table partitioned by creation time and the same indexes."""
    await conn.execute(
        """
        ALTER TABLE publish_logs DROP CONSTRAINT publish_logs_job_item_id_fkey;
        CREATE TABLE job_items_shape (LIKE job_items INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
        DROP TABLE job_items;
        CREATE SEQUENCE job_items_id_seq;
        ALTER TABLE job_items_shape ALTER COLUMN id SET DEFAULT nextval('job_items_id_seq');
        ALTER TABLE job_items_shape ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
        CREATE TABLE job_items (LIKE job_items_shape INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
            PARTITION BY RANGE (created_at);
        DROP TABLE job_items_shape;
        ALTER TABLE job_items ADD PRIMARY KEY (id, created_at);
        CREATE INDEX job_items_pending ON job_items (seq, job_id, id) WHERE status = 'PENDING' AND NOT via_batch;
        CREATE INDEX job_items_batch_pending ON job_items (job_id, seq, id) WHERE status = 'PENDING' AND via_batch;
        CREATE INDEX job_items_running_lease ON job_items (lease_until) WHERE status = 'RUNNING';
        CREATE INDEX job_items_batch ON job_items (batch_id) WHERE batch_id IS NOT NULL;
        CREATE INDEX job_items_job_order ON job_items (job_id, id);
        CREATE INDEX job_items_reviewed ON job_items (job_id, review_state)
            WHERE review_state IN ('NO_CHANGE', 'REJECTED', 'PUBLISHED');
        """
    )


async def _drain(dsn: str, loops: int = 2) -> None:
    """Claim and complete until nothing is pending, with `loops` connections (a worker's shape)."""

    async def one(n: int) -> None:
        conn = await db.connect(dsn)
        worker = f"compare-{n}"
        try:
            while True:
                rows = await conn.fetch(Q["claim"], worker, CLAIM_PRODUCTS, 120.0, *queue.QUEUE_START)
                if not rows:
                    return
                ids = [r["id"] for r in rows]
                k = len(ids)
                await conn.fetch(
                    Q["complete_and_count"],
                    worker, ids, ["better"] * k, ["[]"] * k, ["bench"] * k, [0] * k, [0] * k, [0] * k, [None] * k,
                )  # fmt: skip
        finally:
            await conn.close()

    await asyncio.gather(*(one(n) for n in range(loops)))


async def _delete_expired(conn: asyncpg.Connection, job_ids: list[int]) -> int:
    """The expired jobs' items and product snapshots, 5,000 rows a transaction."""
    removed = 0
    while True:
        n = await conn.fetchval(
            """
            WITH gone AS (
                DELETE FROM job_items WHERE id IN (
                    SELECT id FROM job_items WHERE job_id = ANY($1::bigint[]) ORDER BY job_id, id LIMIT $2)
                RETURNING 1)
            SELECT count(*) FROM gone
            """,
            job_ids,
            BATCH,
        )
        removed += int(n)
        if n < BATCH:
            break
    await conn.execute("DELETE FROM job_products WHERE job_id = ANY($1::bigint[])", job_ids)
    return removed


async def _measure(conn: asyncpg.Connection) -> tuple[int, int, int]:
    await conn.execute("ANALYZE job_items")
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    size = await conn.fetchval(SIZE_SQL)
    dead, live = await conn.fetchrow(DEAD_SQL)
    return int(size), int(dead), int(live)


async def run_variant(base: str, variant: str, *, waves: int, products_per_wave: int, keep: int) -> dict[str, Any]:
    async with fresh_database(base) as dsn:
        conn = await db.connect(dsn)
        try:
            if variant == "partitions":
                await _partitioned(conn)
            store = await new_store(conn, granted=waves * products_per_wave * FIELDS)
            wave_jobs: list[list[int]] = []
            wave_start = None
            rows: list[dict[str, Any]] = []
            for wave in range(waves):
                if variant == "partitions":
                    # One partition per wave, from now until far ahead; the previous one is closed
                    # at this instant, so each wave's rows land in its own partition.
                    now = await conn.fetchval("SELECT clock_timestamp()")
                    if wave:
                        await conn.execute(
                            f"ALTER TABLE job_items DETACH PARTITION job_items_w{wave - 1}; "
                            f"ALTER TABLE job_items ATTACH PARTITION job_items_w{wave - 1} "
                            f"FOR VALUES FROM ('{wave_start}') TO ('{now}')"
                        )
                    await conn.execute(
                        f"CREATE TABLE job_items_w{wave} PARTITION OF job_items "
                        f"FOR VALUES FROM ('{now}') TO ('infinity')"
                    )
                    wave_start = now
                jobs = []
                for chunk in range(0, products_per_wave, 5000):
                    count = min(5000, products_per_wave - chunk)
                    batch = products(count, prefix=f"w{wave}c{chunk}-")
                    jobs.append((await enqueue(conn, store.id, batch)).job_id)
                wave_jobs.append(jobs)
                started = time.perf_counter()
                await _drain(dsn)
                drained = time.perf_counter() - started
                # Retention: the waves older than the last `keep` are past the period.
                started = time.perf_counter()
                removed = 0
                expired = wave - keep
                if expired >= 0:
                    if variant == "partitions":
                        await conn.execute(f"DROP TABLE job_items_w{expired}")
                        await conn.execute(
                            "DELETE FROM job_products WHERE job_id = ANY($1::bigint[])", wave_jobs[expired]
                        )
                        removed = products_per_wave * FIELDS
                    else:
                        removed = await _delete_expired(conn, wave_jobs[expired])
                        if variant == "deletes+vacuum":
                            await conn.execute("VACUUM job_items")
                retention_s = time.perf_counter() - started
                size, dead, live = await _measure(conn)
                rows.append(
                    {
                        "wave": wave + 1,
                        "items_per_s": products_per_wave * FIELDS / drained,
                        "retention_s": retention_s,
                        "removed": removed,
                        "size_bytes": size,
                        "dead_tuples": dead,
                        "live_tuples": live,
                    }
                )
                print(
                    f"  {variant:15} wave {wave + 1:2}: {rows[-1]['items_per_s']:8,.0f} items/s, "
                    f"{size / 2**20:7.1f} MiB, dead {dead:9,}, live {live:9,}, retention {retention_s:5.2f} s",
                    flush=True,
                )
        finally:
            await conn.close()
    return {"variant": variant, "waves": rows}


async def main(args: argparse.Namespace, base: str) -> dict[str, Any]:
    probe = await asyncpg.connect(base)
    autovacuum = await probe.fetchval("SHOW autovacuum")
    naptime = await probe.fetchval("SHOW autovacuum_naptime")
    await probe.close()
    print(f"server autovacuum: {autovacuum} (naptime {naptime})")
    out: dict[str, Any] = {"autovacuum": autovacuum, "naptime": naptime, "args": vars(args), "variants": {}}
    # Variants take turns within each repeat: a busy spell of the machine falls on all of them.
    for _ in range(args.repeats):
        for variant in args.variants:
            run = await run_variant(
                base, variant, waves=args.waves, products_per_wave=args.products_per_wave, keep=args.keep
            )
            out["variants"].setdefault(variant, []).append(run)
    print(f"\n{'variant':15}  {'first wave':>12}  {'last wave':>12}  {'last/first':>10}  "
          f"{'size first':>10}  {'size last':>10}  {'dead last':>10}  {'retention':>9}")  # fmt: skip
    for variant, runs in out["variants"].items():
        first = median([r["waves"][0]["items_per_s"] for r in runs])
        last = median([r["waves"][-1]["items_per_s"] for r in runs])
        size_first = median([r["waves"][0]["size_bytes"] for r in runs]) / 2**20
        size_last = median([r["waves"][-1]["size_bytes"] for r in runs]) / 2**20
        dead = median([r["waves"][-1]["dead_tuples"] for r in runs])
        ret = median([median([w["retention_s"] for w in r["waves"] if w["removed"]]) for r in runs])
        out.setdefault("summary", {})[variant] = {
            "first_items_per_s": first, "last_items_per_s": last, "size_first_mib": size_first,
            "size_last_mib": size_last, "dead_last": dead, "retention_pass_s": ret,
        }  # fmt: skip
        print(
            f"{variant:15}  {first:12,.0f}  {last:12,.0f}  {last / first:10.0%}  "
            f"{size_first:8.1f} M  {size_last:8.1f} M  {dead:10,.0f}  {ret:7.2f} s"
        )
    return out


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.retention_compare")
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--products-per-wave", type=int, default=10_000, help="× 4 fields")
    parser.add_argument("--keep", type=int, default=2, help="waves inside the retention period")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--variants", nargs="*", default=["partitions", "deletes", "deletes+vacuum"])
    args = parser.parse_args()
    with admin_database(DATA_DIR) as base:
        result = asyncio.run(main(args, base))
    write_result(result, "retention-")


if __name__ == "__main__":
    cli()
