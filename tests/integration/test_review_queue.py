"""The queue's side of reviewing, against real PostgreSQL: an answer equal to the current text is
"no change needed" (done, kept as it was, refunded), and a field written again on request carries a
credit of its own, the owner's note and the suggestion it replaces."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from optimizer_app import batches, queue
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.jobs import MAX_REGENERATIONS, ItemReason
from optimizer_app.errors import Conflict, InsufficientCredits, NotFound
from optimizer_app.llm.base import Rewrite
from optimizer_app.worker import Worker
from tests.factories import (
    ScriptedProvider,
    assert_ledger_balanced,
    enqueue,
    job_row,
    new_store,
    products,
    quick_worker_config,
    wait_for_job,
)


async def drain(pool: asyncpg.Pool, provider: ScriptedProvider, job_id: int) -> asyncpg.Record:
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, provider, quick_worker_config()).run(stop))
    try:
        return await wait_for_job(pool, job_id)
    finally:
        stop.set()
        await task


async def ledger(pool: asyncpg.Pool, job_id: int) -> list[tuple[str, int]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, delta FROM credit_ledger WHERE job_id = $1 ORDER BY id", job_id)
    return [(r["reason"], r["delta"]) for r in rows]


async def item(pool: asyncpg.Pool, job_id: int, product_id: str, attribute: Attribute) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM job_items WHERE job_id = $1 AND product_id = $2 AND attribute = $3",
            job_id,
            product_id,
            attribute.value,
        )
    assert row is not None
    return row


async def test_an_answer_equal_to_the_current_text_needs_no_change_and_is_refunded(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(2), (Attribute.TITLE, Attribute.SEO_TITLE))
    provider = ScriptedProvider(unchanged=frozenset({Attribute.TITLE}))
    row = await drain(pool, provider, job.job_id)

    assert (row["status"], row["items_done"], row["items_no_change"], row["items_failed"]) == ("DONE", 4, 2, 0)
    assert row["credits_refunded"] == 2
    assert len(provider.calls) == 2  # final at once: never asked again
    for pid in ("p0", "p1"):
        title = await item(pool, job.job_id, pid, Attribute.TITLE)
        assert (title["status"], title["review_state"], title["reason"]) == ("DONE", "NO_CHANGE", None)
        assert title["after_value"] == title["before_value"] == f"plain product {pid[1:]}"
        assert (await item(pool, job.job_id, pid, Attribute.SEO_TITLE))["review_state"] == "NEW"
    rows = await ledger(pool, job.job_id)  # one refund row per settled batch of results
    assert rows[0] == ("job_charge", -4) and {r for r, _ in rows[1:]} == {"no_change"}
    assert sum(delta for _, delta in rows[1:]) == 2
    await assert_ledger_balanced(pool, store.id)


async def test_economy_items_give_back_what_their_share_of_the_job_took(pool: asyncpg.Pool) -> None:
    """Four economy fields cost two credits; one failing and one needing no change leave two, which
    cost one: one credit comes back, as the refund for the field that changed nothing."""
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(4), (Attribute.TITLE,), economy=True)
    await batches.run_step(pool, ScriptedProvider(), max_attempts=3, retry_base_seconds=0)
    async with pool.acquire() as conn:
        claimed = await queue.claim(conn, worker_id="w", limit=10, lease_seconds=60)
        by_product = {i.product_id: i for i in claimed}
        await queue.settle(
            conn,
            worker_id="w",
            results=[
                queue.ItemResult(by_product["p0"].id, "A"),
                queue.ItemResult(by_product["p1"].id, "B"),
                queue.ItemResult(by_product["p2"].id, "plain product 2", no_change=True),
            ],
            failures=[queue.ItemFailure(by_product["p3"].id, ItemReason.EMPTY, "empty", 0, permanent=True)],
            max_attempts=3,
        )
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["credits_charged"], row["credits_refunded"]) == ("DONE_WITH_FAILURES", 2, 1)
    assert (row["items_done"], row["items_no_change"], row["items_failed"], row["items_released"]) == (3, 1, 1, 2)
    assert await ledger(pool, job.job_id) == [("job_charge", -2), ("no_change", 1)]
    await assert_ledger_balanced(pool, store.id)


async def test_a_field_written_again_costs_a_credit_and_shows_the_model_the_note_and_the_old_suggestion(
    pool: asyncpg.Pool,
) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(2), (Attribute.TITLE, Attribute.SEO_TITLE))
    provider = ScriptedProvider()
    await drain(pool, provider, job.job_id)
    title = await item(pool, job.job_id, "p0", Attribute.TITLE)
    async with pool.acquire() as conn:
        remaining = await queue.regenerate(conn, store_id=store.id, item_id=title["id"], note="shorter")
    assert remaining == 100 - 4 - 1
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["finished_at"], row["items_done"], row["credits_charged"]) == ("RUNNING", None, 3, 5)
    waiting = await item(pool, job.job_id, "p0", Attribute.TITLE)
    assert (waiting["status"], waiting["seq"]) == ("PENDING", -1)  # ahead of every job's next product
    assert (waiting["regenerations"], waiting["note"]) == (1, "shorter")
    assert waiting["after_value"] == "Improved title of p0"  # until the new one is saved

    provider.calls.clear()
    row = await drain(pool, provider, job.job_id)
    assert (row["status"], row["items_done"], row["credits_charged"], row["credits_refunded"]) == ("DONE", 4, 5, 0)
    [request] = provider.requests[-1:]
    assert provider.calls == [("p0", (Attribute.TITLE,))]
    assert request.rewrites == (Rewrite(Attribute.TITLE, "Improved title of p0", "shorter"),)
    done = await item(pool, job.job_id, "p0", Attribute.TITLE)
    assert (done["status"], done["review_state"], done["regenerations"]) == ("DONE", "NEW", 1)
    assert await ledger(pool, job.job_id) == [("job_charge", -4), ("regenerate", -1)]
    await assert_ledger_balanced(pool, store.id)


async def test_a_regeneration_that_fails_or_changes_nothing_gives_back_its_own_credit(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE, Attribute.SEO_TITLE))
    await drain(pool, ScriptedProvider(), job.job_id)
    title = await item(pool, job.job_id, "p0", Attribute.TITLE)
    seo_title = await item(pool, job.job_id, "p0", Attribute.SEO_TITLE)
    async with pool.acquire() as conn:
        for i in (title, seo_title):
            await queue.regenerate(conn, store_id=store.id, item_id=i["id"], note=None)
    provider = ScriptedProvider(
        reject=frozenset({Attribute.TITLE}), unchanged=frozenset({Attribute.SEO_TITLE}), retry_rejected=False
    )
    row = await drain(pool, provider, job.job_id)

    assert len(provider.calls) == 1  # both fields of the product in one call
    assert (row["status"], row["items_done"], row["items_failed"], row["items_no_change"]) == (
        "DONE_WITH_FAILURES", 1, 1, 1,
    )  # fmt: skip
    # The job's own share stands (the first suggestions were written); each regeneration's credit is back.
    assert (row["credits_charged"], row["credits_refunded"], row["items_released"]) == (4, 2, 0)
    failed = await item(pool, job.job_id, "p0", Attribute.TITLE)
    assert (failed["status"], failed["after_value"], failed["reason"]) == ("FAILED", None, "empty")
    kept = await item(pool, job.job_id, "p0", Attribute.SEO_TITLE)
    assert (kept["review_state"], kept["after_value"]) == ("NO_CHANGE", kept["before_value"])
    assert sorted(await ledger(pool, job.job_id)) == sorted(
        [("job_charge", -2), ("regenerate", -1), ("regenerate", -1), ("refund_failed", 1), ("no_change", 1)]
    )
    await assert_ledger_balanced(pool, store.id)

    # A field that failed may be asked again, and its new suggestion is charged and kept.
    async with pool.acquire() as conn:
        await queue.regenerate(conn, store_id=store.id, item_id=failed["id"], note="mention the colour")
    row = await drain(pool, ScriptedProvider(), job.job_id)
    assert (row["status"], row["items_done"], row["items_failed"], row["credits_charged"]) == ("DONE", 2, 0, 5)
    again = await item(pool, job.job_id, "p0", Attribute.TITLE)
    assert (again["status"], again["after_value"], again["regenerations"]) == ("DONE", "Improved title of p0", 2)
    await assert_ledger_balanced(pool, store.id)


async def test_canceling_while_a_regeneration_waits_refunds_only_its_credit(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(2), (Attribute.TITLE,))
    await drain(pool, ScriptedProvider(), job.job_id)
    title = await item(pool, job.job_id, "p1", Attribute.TITLE)
    async with pool.acquire() as conn:
        await queue.regenerate(conn, store_id=store.id, item_id=title["id"], note=None)
        assert await queue.cancel_job(conn, job_id=job.job_id, store_id=store.id) == 1
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["items_done"], row["items_canceled"], row["items_released"]) == ("CANCELED", 1, 1, 0)
    assert row["finished_at"] is not None
    assert await ledger(pool, job.job_id) == [("job_charge", -2), ("regenerate", -1), ("refund_canceled", 1)]
    await assert_ledger_balanced(pool, store.id)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("UPDATE job_items SET status = 'RUNNING'", "running"),
        ("UPDATE job_items SET published_at = now(), review_state = 'PUBLISHED'", "published"),
        ("UPDATE job_items SET status = 'CANCELED'", "canceled"),
        (f"UPDATE job_items SET regenerations = {MAX_REGENERATIONS}", "regeneration_limit"),
    ],
)
async def test_a_field_is_written_again_only_when_finished_unpublished_and_under_its_limit(
    pool: asyncpg.Pool, change: str, reason: str
) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    await drain(pool, ScriptedProvider(), job.job_id)
    title = await item(pool, job.job_id, "p0", Attribute.TITLE)
    async with pool.acquire() as conn:
        await conn.execute(change + " WHERE id = $1", title["id"])
        with pytest.raises(Conflict) as refused:
            await queue.regenerate(conn, store_id=store.id, item_id=title["id"], note=None)
    assert refused.value.details["reason"] == reason
    assert (await job_row(pool, job.job_id))["credits_charged"] == 1
    await assert_ledger_balanced(pool, store.id)


async def test_a_regeneration_the_store_cannot_pay_or_of_another_store_writes_nothing(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    other = await new_store(pool)
    job = await enqueue(pool, store.id, products(100), (Attribute.TITLE,))  # the free plan's 100 credits
    await drain(pool, ScriptedProvider(), job.job_id)
    title = await item(pool, job.job_id, "p0", Attribute.TITLE)
    async with pool.acquire() as conn:
        with pytest.raises(NotFound):
            await queue.regenerate(conn, store_id=other.id, item_id=title["id"], note=None)
        with pytest.raises(InsufficientCredits) as short:
            await queue.regenerate(conn, store_id=store.id, item_id=title["id"], note="shorter")
    assert (short.value.details["required"], short.value.details["remaining"]) == (1, 0)
    unchanged = await item(pool, job.job_id, "p0", Attribute.TITLE)
    assert (unchanged["status"], unchanged["regenerations"], unchanged["note"]) == ("DONE", 0, None)
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["items_done"], row["credits_charged"]) == ("DONE", 100, 100)
    await assert_ledger_balanced(pool, store.id)
