"""`python -m bench.duplicates`: the near-duplicate index over a store of `--products` descriptions
of about 600 characters, `--copies` of them near copies (one to three words changed) of others:
the time to build the index as a sync does (pages of 100, one transaction each), to sync it again
unchanged, to check one draft description, and to list every near-duplicate (the `duplicate`
filter page by page, and the catalog audit); and how many of the seeded copies were found."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

from optimizer_app import catalog, db, duplicates
from optimizer_app.domain.near_duplicates import THRESHOLD, jaccard, shingles
from optimizer_app.domain.product_query import ProductQuery
from optimizer_app.domain.products import Product
from tests.factories import admin_database, new_store

from .harness import DATA_DIR, fresh_database

_PAGE = 100


def _vocabulary(rng: random.Random, size: int = 2000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size)]


def _sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    return " ".join(rng.choices(words, weights, k=rng.randint(8, 16))).capitalize() + "."


def descriptions(count: int, copies: int, seed: int = 7) -> tuple[list[str], list[tuple[int, int]]]:
    """`count` descriptions of about 600 characters (words drawn Zipf-like from 2,000), the last
    `copies` of them near copies of earlier ones; and the (original, copy) index pairs."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    texts: list[str] = []
    for _ in range(count - copies):
        text = ""
        while len(text) < 600:
            text = f"{text} {_sentence(rng, words, weights)}".strip()
        texts.append(f"<p>{text}</p>")
    pairs = []
    for _ in range(copies):
        original = rng.randrange(count - copies)
        tokens = texts[original].split(" ")
        for _ in range(rng.randint(1, 3)):
            tokens[rng.randrange(1, len(tokens) - 1)] = rng.choice(words)
        pairs.append((original, len(texts)))
        texts.append(" ".join(tokens))
    return texts, pairs


async def run(base: str, *, products: int, copies: int, drafts: int) -> dict[str, Any]:
    texts, seeded = descriptions(products, copies)
    catalog_products = [
        Product(id=f"p{i}", title=f"Product {i}", description_html=t, seo_title="", seo_description="")
        for i, t in enumerate(texts)
    ]
    async with fresh_database(base) as dsn:
        pool = await db.create_pool(dsn, min_size=1, max_size=4)
        try:
            store = await new_store(pool)
            async with pool.acquire() as conn:
                await catalog.remember(conn, store.id, catalog_products)

            async def index_all() -> float:
                started = time.perf_counter()
                for begin in range(0, len(catalog_products), _PAGE):
                    page = catalog_products[begin : begin + _PAGE]
                    async with pool.acquire() as conn, conn.transaction():
                        await duplicates.index_descriptions(conn, store.id, {p.id: p.description_html for p in page})
                return time.perf_counter() - started

            build = await index_all()
            unchanged = await index_all()

            rng = random.Random(11)
            checks = []
            refused = 0
            for n in range(drafts):
                source = texts[rng.randrange(len(texts))]
                draft = source.replace(" ", "  ", 1) if n % 2 == 0 else texts[rng.randrange(len(texts))][::-1]
                started = time.perf_counter()
                async with pool.acquire() as conn:
                    found = await duplicates.near_copies(conn, store.id, "draft", draft)
                checks.append(time.perf_counter() - started)
                refused += bool(found)

            started = time.perf_counter()
            flagged, cursor, pages = 0, None, 0
            synced_at = await pool.fetchval("SELECT now()")
            while True:
                page = await catalog.query_index(
                    pool, store.id, ProductQuery(duplicate=True), synced_at=synced_at, cursor=cursor, limit=100
                )
                flagged += len(page.products)
                pages += 1
                cursor = page.next_cursor
                if cursor is None:
                    break
            listing = time.perf_counter() - started
            started = time.perf_counter()
            audit = await catalog.audit(pool, store.id)
            audit_seconds = time.perf_counter() - started
        finally:
            await pool.close()
    named = {e.product_id: set(e.duplicate_of) for e in audit}
    exact = {(a, b): jaccard(shingles(texts[a]), shingles(texts[b])) for a, b in seeded}

    def found_of(pairs: list[tuple[int, int]]) -> int:
        return sum(f"p{b}" in named[f"p{a}"] or len(named[f"p{a}"]) == 20 for a, b in pairs)

    near = [pair for pair, sim in exact.items() if sim >= THRESHOLD]
    closer = [pair for pair, sim in exact.items() if sim >= 0.9]
    return {
        "products": products,
        "mean_description_chars": round(statistics.mean(len(t) for t in texts)),
        "build_index_s": round(build, 2),
        "build_ms_per_product": round(build * 1000 / products, 2),
        "sync_again_unchanged_s": round(unchanged, 2),
        "draft_check_median_ms": round(statistics.median(checks) * 1000, 2),
        "draft_check_p95_ms": round(sorted(checks)[int(len(checks) * 0.95)] * 1000, 2),
        "drafts_refused": f"{refused}/{drafts} (half are copies)",
        "list_all_duplicates_ms": round(listing * 1000, 1),
        "list_pages": pages,
        "products_flagged": flagged,
        "audit_all_products_ms": round(audit_seconds * 1000, 1),
        "seeded_copies_at_or_above_threshold": len(near),
        "of_those_found": found_of(near),
        "seeded_copies_at_or_above_0.9": len(closer),
        "of_those_found_0.9": found_of(closer),
    }


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates")
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--drafts", type=int, default=200)
    args = parser.parse_args()
    with admin_database(DATA_DIR) as base:
        print(asyncio.run(run(base, products=args.products, copies=args.copies, drafts=args.drafts)))


if __name__ == "__main__":
    cli()
