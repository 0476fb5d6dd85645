"""The worker loop: claim a batch → one LLM call per product → buffer results → settle in batches.

No transaction or connection is held across an LLM call. In-flight work is bounded by
`concurrency` (products held, one LLM call each) and, for a provider that adapts its calls in
flight to its server, by twice its limit of the moment: enough for the next call to start as one
ends, and no more, since a product waiting in the process for a slot holds its lease meanwhile.
A claim asks for the free slots, at most half of them; a second, standby loop claims only when
the process is about to run out of work while a claim is still on its way, so calls that end
faster than a claim's round trip do not leave the process idle. A dedicated
connection LISTENs for new work and polling is the fallback. On stop, in-flight calls get a grace
period, then their items are released unprocessed, so nothing is stranded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import asyncpg

from . import automation, batches, credits, duplicates, heap, outcomes, queue, retention
from .clients import StoreClients
from .llm import language_id
from .llm.base import LLMProvider
from .llm.concurrency import AdaptsInFlight
from .llm.pricing import DEFAULT_PRICES, Price, parse_prices
from .metrics import ITEMS_PROCESSED, LLM_CALLS, LLM_LATENCY
from .settings import Settings

log = logging.getLogger(__name__)

_CLOSING_FLUSH_TRIES = 5
# A claim looks from where the last one found work; from the queue's start again at least this
# often (a retry come due, a job whose NOTIFY was lost) and on every NOTIFY (a new job).
_RESCAN_SECONDS = 1.0
# What a lost or restarting database raises through asyncpg, its pool and the socket below it.
_DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)


@dataclass(frozen=True)
class WorkerConfig:
    """Made by `config_from_settings`, whose Settings hold the defaults; `dataclasses.replace` tunes one."""

    concurrency: int
    lease_seconds: float
    max_attempts: int
    poll_seconds: float
    retry_base_seconds: float
    shutdown_grace_seconds: float
    maintenance_interval_seconds: float
    retention: timedelta | None = None  # None: finished items are kept for ever
    flush_size: int = 100
    flush_interval_seconds: float = 0.1
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))


def config_from_settings(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.worker_lease_seconds,
        max_attempts=settings.worker_max_attempts,
        poll_seconds=settings.worker_poll_seconds,
        retry_base_seconds=settings.worker_retry_base_seconds,
        shutdown_grace_seconds=settings.worker_shutdown_grace_seconds,
        maintenance_interval_seconds=settings.maintenance_interval_seconds,
        retention=timedelta(days=settings.retention_days) if settings.retention_days > 0 else None,
        prices=parse_prices(settings.llm_prices),
    )


def lower_priority(increment: int) -> None:
    """Make this process nicer by `increment` (WORKER_NICE): the CPU goes to the web process's
    requests first wherever the two share a machine."""
    if increment > 0:
        os.nice(increment)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        provider: LLMProvider,
        config: WorkerConfig,
        *,
        listen_dsn: str | None = None,
        worker_id: str | None = None,
        clients: StoreClients | None = None,
        automation_config: automation.StepConfig | None = None,
    ) -> None:
        """`clients` (the stores' platform clients) lets the worker run the automation step
        (automation.run_step) at `automation_config`'s pace; without them it only works the queue."""
        self.pool = pool
        self.provider = provider
        self.config = config
        self.listen_dsn = listen_dsn
        self.worker_id = worker_id or new_worker_id()
        self.clients = clients
        self.automation_config = automation_config or automation.StepConfig()
        self._wake = asyncio.Event()
        self._automation_wake = asyncio.Event()
        self._in_flight = 0  # products (LLM calls) in flight
        self._claiming = 0  # slots asked for by claims whose answer has not come back
        self._call_ended = asyncio.Event()  # the standby claim loop's own wake-up
        self._claim_from = queue.QUEUE_START
        self._rescan_at = 0.0
        self._tasks: dict[asyncio.Task[None], list[int]] = {}
        self._results: list[queue.ItemResult] = []
        self._failures: list[queue.ItemFailure] = []
        self._buffer_changed = asyncio.Event()
        self._closing = False
        self.processed = 0

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(language_id.warm_up)  # before the first claim, whose leases run
        heap.freeze_startup_objects()
        flusher = asyncio.create_task(self._flush_loop(), name="flush")
        background = []
        if self.listen_dsn:
            background.append(asyncio.create_task(self._listen_loop(stop), name="listen"))
        if self.config.maintenance_interval_seconds > 0:
            background.append(asyncio.create_task(self._maintenance_loop(stop), name="maintenance"))
        automation_task = None
        if self.clients is not None and self.automation_config.poll_seconds > 0:
            automation_task = asyncio.create_task(self._automation_loop(stop, self.clients), name="automation")
        log.info("worker %s started (concurrency %d)", self.worker_id, self.config.concurrency)
        try:
            async with asyncio.TaskGroup() as claims:
                claims.create_task(self._claim_loop(stop), name="claim")
                claims.create_task(self._standby_claim_loop(stop), name="standby claim")
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if automation_task is not None:
                # Its pass may be publishing: it ends at the pass's end, within the grace period.
                done, _ = await asyncio.wait({automation_task}, timeout=self.config.shutdown_grace_seconds)
                if not done:
                    automation_task.cancel()
                await asyncio.gather(automation_task, return_exceptions=True)
            await self._drain()
            # The flusher is never cancelled mid-statement: it is told to finish and awaited.
            self._closing = True
            self._buffer_changed.set()
            await flusher
            log.info("worker %s stopped", self.worker_id)

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the claim, not after an empty one: a NOTIFY landing while the claim
            # runs (its commit too late for the claim's snapshot) must still end the wait below,
            # or that job waits out a whole poll interval.
            self._wake.clear()
            free = self._free_slots()
            groups = await self._claim_and_start(stop, free)
            if groups is None:
                continue
            if groups and len(groups) >= free:
                await self._wait_for_slot(stop)
            elif not groups:
                await _wait_any(stop, self._wake, timeout=self.config.poll_seconds)

    async def _standby_claim_loop(self, stop: asyncio.Event) -> None:
        """Claims while the other loop's claim is on its way and fewer than a quarter of the slots
        are busy: calls that end faster than a claim's round trip (a fast or local model) would
        otherwise leave the process idle until it comes back. With a model that answers in
        seconds it never claims: the slots are busy long after every claim returns.

        Drain (a), zero-latency provider, pairs run back to back: 11.3k → 18.4k and 17.9k →
        24.2k items a second (with the frozen startup heap). Two loops claiming alike gained
        as much there but cost the SDK drain of two workers a quarter of its rate: twice the
        claims for the same work."""
        while not stop.is_set():
            self._call_ended.clear()
            free = self._free_slots()
            if free > 0 and self._claiming and self._in_flight < _quarter(self._capacity()):
                await self._claim_and_start(stop, free)
                continue
            await _wait_any(stop, self._call_ended, timeout=None)

    def _next_claim_from(self, claimed: list[queue.ClaimedItem]) -> tuple[int, int]:
        """Where the next claim looks from: the first product this claim found (what lies before it
        was done, taken by another worker or not yet due), or the queue's start when it found
        nothing. Never back past a mark another loop's claim has since moved on to."""
        if not claimed:
            return queue.QUEUE_START
        first = min((i.seq, i.job_id) for i in claimed)
        return max(first, self._claim_from)

    def _free_slots(self) -> int:
        """Slots neither busy nor asked for by a claim on its way, at most half of them: with
        the other loop's claim that may follow, never more than the concurrency."""
        capacity = self._capacity()
        return min(capacity - self._in_flight - self._claiming, max(1, capacity // 2))

    async def _claim_and_start(self, stop: asyncio.Event, free: int) -> list[list[queue.ClaimedItem]] | None:
        """Claim up to `free` products and start them; the groups started, or None after a
        database error (logged, and waited out for a second)."""
        if free <= 0:
            return []
        claimed: list[queue.ClaimedItem] = []
        indexed: set[int] = set()
        self._claiming += free
        now = time.monotonic()
        if now >= self._rescan_at:
            self._claim_from, self._rescan_at = queue.QUEUE_START, now + _RESCAN_SECONDS
        after = self._claim_from
        try:
            async with self.pool.acquire() as conn:
                claimed = await queue.claim(
                    conn, worker_id=self.worker_id, limit=free, lease_seconds=self.config.lease_seconds, after=after
                )
                # One lookup per claim instead of one per product for a store with none.
                if claimed:
                    indexed = await duplicates.stores_with_signatures(conn, (i.store_id for i in claimed))
        except _DATABASE_ERRORS as exc:
            log.warning("claim failed, retrying: %s", exc)
            await _sleep_or_stop(stop, 1.0)
            return None
        finally:
            self._claiming -= free
        self._claim_from = self._next_claim_from(claimed)
        groups = outcomes.by_product(claimed)
        for group in groups:
            self._start(group, compare_descriptions=group[0].store_id in indexed)
        return groups

    def _new_work(self) -> None:
        """A job was enqueued: the next claim looks from the queue's start, where its first
        products are."""
        self._rescan_at = 0.0
        self._wake.set()

    def _capacity(self) -> int:
        if isinstance(self.provider, AdaptsInFlight):
            return min(self.config.concurrency, 2 * self.provider.in_flight.current)
        return self.config.concurrency

    def _start(self, items: list[queue.ClaimedItem], *, compare_descriptions: bool) -> None:
        self._in_flight += 1
        task = asyncio.create_task(self._process(items, compare_descriptions=compare_descriptions))
        self._tasks[task] = [i.id for i in items]
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        self._in_flight -= 1
        self._wake.set()
        self._call_ended.set()

    async def _wait_for_slot(self, stop: asyncio.Event) -> None:
        # Claim again only when a quarter of the slots are free: a few large claims cost far less
        # than one small claim per finished call.
        while not stop.is_set():
            capacity = self._capacity()  # grows as the provider's limit does
            if self._in_flight + self._claiming <= capacity - _quarter(capacity):
                return
            self._wake.clear()
            await _wait_any(stop, self._wake, timeout=self.config.poll_seconds)

    async def _process(self, items: list[queue.ClaimedItem], *, compare_descriptions: bool) -> None:
        """`compare_descriptions`: the store has descriptions indexed (as of the claim) that a
        generated one could be a near copy of."""
        items, settled = outcomes.without_pictures(items)
        if settled:
            self._take((settled, []))
        if not items:
            return
        started = time.perf_counter()
        request = outcomes.generation_request(items)
        try:
            generation = await self.provider.generate(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._record_call(outcomes.call_label(exc), started)
            self._take(outcomes.of_error(items, exc, self.config.retry_base_seconds))
            return
        self._record_call("ok", started)
        try:
            # A description too close to another product's is refused and asked for once more.
            if compare_descriptions:
                generation = await duplicates.ask_again(
                    self.pool, self.provider, request, items[0].store_id, generation
                )
        except _DATABASE_ERRORS as exc:
            self._take(outcomes.of_error(items, exc, self.config.retry_base_seconds))
            return
        self._take(
            outcomes.of_generation(
                items,
                generation,
                self.config.retry_base_seconds,
                default_model=self.provider.name,
                prices=self.config.prices,
            )
        )

    def _record_call(self, outcome: str, started: float) -> None:
        LLM_CALLS.labels(self.provider.name, outcome).inc()
        LLM_LATENCY.observe(time.perf_counter() - started)

    def _take(self, settled: outcomes.Outcomes) -> None:
        results, failures = settled
        self._results.extend(results)
        self._failures.extend(failures)
        self._buffer_changed.set()

    async def _flush_loop(self) -> None:
        failures_while_closing = 0
        while True:
            await self._buffer_changed.wait()
            if len(self._results) + len(self._failures) < self.config.flush_size and not self._closing:
                await asyncio.sleep(self.config.flush_interval_seconds)
            self._buffer_changed.clear()
            flushed = await self._flush()
            if self._closing and (flushed or failures_while_closing >= _CLOSING_FLUSH_TRIES):
                # Whatever could not be written is recovered when its leases expire.
                return
            if not flushed:
                failures_while_closing += self._closing
                await asyncio.sleep(1.0)
                self._buffer_changed.set()

    async def _flush(self) -> bool:
        """Settle buffered outcomes; on a database error keep them for the next try."""
        if not self._results and not self._failures:
            return True
        results, failures = self._results, self._failures
        self._results, self._failures = [], []
        try:
            async with self.pool.acquire() as conn:
                outcome = await queue.settle(
                    conn,
                    worker_id=self.worker_id,
                    results=results,
                    failures=failures,
                    max_attempts=self.config.max_attempts,
                )
        except _DATABASE_ERRORS as exc:
            log.warning("settling %d items failed, will retry: %s", len(results) + len(failures), exc)
            self._results[:0], self._failures[:0] = results, failures
            return False
        self.processed += outcome.completed + outcome.failed
        if outcome.completed or outcome.failed:
            self._automation_wake.set()  # a job may have finished: automation publishes it
        ITEMS_PROCESSED.labels("done").inc(outcome.completed)
        ITEMS_PROCESSED.labels("failed").inc(outcome.failed)
        ITEMS_PROCESSED.labels("retried").inc(outcome.retried)
        if outcome.fenced_out:
            ITEMS_PROCESSED.labels("lease_lost").inc(outcome.fenced_out)
            log.warning("%d results dropped: lease lost", outcome.fenced_out)
        return True

    async def _drain(self) -> None:
        """Let in-flight calls finish within the grace period; release the rest unprocessed."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.config.shutdown_grace_seconds)
        leftover = dict(self._tasks)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        ids = [i for item_ids in leftover.values() for i in item_ids]
        if ids:
            async with self.pool.acquire() as conn:
                released = await queue.release(conn, worker_id=self.worker_id, item_ids=ids)
            log.info("released %d unfinished items", released)

    async def _listen_loop(self, stop: asyncio.Event) -> None:
        assert self.listen_dsn is not None
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(self.listen_dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("LISTEN connection failed, polling meanwhile: %s", exc)
                await _sleep_or_stop(stop, 2.0)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await conn.add_listener(queue.CHANNEL, lambda *_: self._new_work())
                await conn.add_listener(automation.CHANNEL, lambda *_: self._automation_wake.set())
                await _wait_any(stop, lost, timeout=None)
            except _DATABASE_ERRORS as exc:
                log.warning("LISTEN connection lost: %s", exc)
            finally:
                if not conn.is_closed():
                    await conn.close(timeout=2)

    async def _maintenance_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await run_maintenance(
                    self.pool, max_attempts=self.config.max_attempts, retention_period=self.config.retention
                )
                await batches.run_step(
                    self.pool,
                    self.provider,
                    max_attempts=self.config.max_attempts,
                    retry_base_seconds=self.config.retry_base_seconds,
                    prices=self.config.prices,
                )
            except _DATABASE_ERRORS as exc:
                log.warning("maintenance failed: %s", exc)
            await _sleep_or_stop(stop, self.config.maintenance_interval_seconds)

    async def _automation_loop(self, stop: asyncio.Event, clients: StoreClients) -> None:
        """Product changes to jobs, publish mode and the sweep (automation.run_step): on NOTIFY,
        when a change's settle time ends, and at least every poll interval."""
        config = self.automation_config
        while not stop.is_set():
            self._automation_wake.clear()
            wait = config.poll_seconds
            try:
                await automation.run_step(self.pool, clients, config)
                async with self.pool.acquire() as conn:
                    wait = await automation.seconds_to_next_change(conn, most=config.poll_seconds)
            except _DATABASE_ERRORS as exc:
                log.warning("automation step failed: %s", exc)
            except Exception:
                # A store's bad answer must not stop automation for every other store.
                log.exception("automation step failed")
            await _wait_any(stop, self._automation_wake, timeout=wait)


async def run_maintenance(
    pool: asyncpg.Pool, *, max_attempts: int, today: date | None = None, retention_period: timedelta | None = None
) -> dict[str, int]:
    """Expired leases back to the queue, monthly credit resets, and with a retention period one
    bounded pass removing the items of jobs finished longer ago. Safe to run from every worker."""
    async with pool.acquire() as conn:
        recovered = await queue.recover_expired_leases(conn, max_attempts=max_attempts)
        reset = await credits.reset_due_credits(conn, today=today or date.today())
    if recovered:
        log.info("recovered %d items with expired leases", recovered)
    done = {"recovered": recovered, "credits_reset": reset}
    if retention_period is not None:
        kept = await retention.expire_finished_items(pool, period=retention_period)
        done |= {"items_removed": kept.items_removed, "jobs_expired": kept.jobs_expired}
    return done


def _quarter(capacity: int) -> int:
    """A quarter of the slots, at least one: the share whose freeing is worth a claim."""
    return max(1, capacity // 4)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(*events: asyncio.Event, timeout: float | None) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
