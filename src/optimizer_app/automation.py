"""Automation: products a platform reports as created or changed become jobs on their own, in the
mode the owner chose. Webhook handlers only record the change (`note_product_changes`, inside the
webhook's own transaction); the worker's automation step decides and enqueues."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from . import activity, catalog, db, publishing, queue, sql, stores, voices
from .activity import Action, Entry
from .clients import StoreClients
from .domain.attributes import TEXT_ATTRIBUTES, Attribute
from .domain.automation import (
    COOLDOWN,
    Decision,
    Mode,
    ProductFacts,
    RuleError,
    Rules,
    Sweep,
    apply_changes,
    decide,
    fingerprint,
    fitting,
    is_own_change,
    parse_changes,
    sweep_period,
)
from .domain.empty_fields import fields_to_write
from .domain.history import Actor, ActorKind
from .domain.plans import items_cost
from .domain.product_query import ProductQuery
from .domain.products import Product
from .domain.publishable import refusal_message, unpublishable
from .domain.store_settings import effective_settings
from .errors import AppError, InvalidRequest
from .platforms.base import StoreClient
from .settings import Settings
from .stores import Store

Q = sql.load("automation")
log = logging.getLogger(__name__)

# A burst of saves in a platform's admin arrives as several webhooks within a second or two.
SETTLE_SECONDS = 2.0
# Workers LISTEN here for product changes (wake_automation).
CHANNEL = "optimizer_automation"


async def note_product_changes(
    conn: asyncpg.Connection,
    store_id: int,
    product_ids: Sequence[str],
    *,
    created: bool,
    source: str,
    settle_seconds: float = SETTLE_SECONDS,
) -> None:
    """Record that the products were created (or changed) in the store, for the worker to take."""
    ids = [p for p in dict.fromkeys(product_ids) if p]
    if not ids:
        return
    await conn.execute(Q["note_change"], store_id, ids, created, source, settle_seconds)
    await conn.execute(Q["wake_automation"])


# --- The owner's rules -----------------------------------------------------------------------


async def get_rules(conn: asyncpg.Connection, store_id: int) -> Rules:
    """The store's rules; the defaults (automation off) when it never set any."""
    row = await conn.fetchrow(Q["get_rules"], store_id)
    return Rules() if row is None else _rules(row)


def _rules(row: asyncpg.Record) -> Rules:
    return Rules(
        mode=Mode(row["mode"]),
        paused=row["paused"],
        attributes=tuple(Attribute(a) for a in row["attributes"]),
        language=row["language"],
        voice_id=row["voice_id"],
        only_empty=row["only_empty"],
        min_score=row["min_score"],
        monthly_credit_cap=row["monthly_credit_cap"],
        sweep=Sweep(row["sweep"]),
        credits_used=row["credits_used"],
        period_resets_on=row["period_resets_on"],
        cap_reached_for=row["cap_reached_for"],
        next_sweep_at=row["next_sweep_at"],
        last_sweep_at=row["last_sweep_at"],
        updated_at=row["updated_at"],
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def rules_json(rules: Rules, store: Store) -> dict[str, Any]:
    """The rules as GET/PUT /api/automation show them (docs/api.md)."""
    period = store.credits_reset_on
    return {
        "mode": rules.mode.value,
        "paused": rules.paused,
        "attributes": [a.value for a in rules.attributes],
        "language": rules.language or _default_language(store),
        "voice_id": rules.voice_id,
        "only_empty": rules.only_empty,
        "min_score": rules.min_score,
        "monthly_credit_cap": rules.monthly_credit_cap,
        "credits_used_this_month": rules.credits_used_in(period),
        "period_resets_on": period.isoformat(),
        "cap_reached": rules.cap_reached(period),
        "sweep": rules.sweep.value,
        "next_sweep_at": _iso(rules.next_sweep_at),
        "last_sweep_at": _iso(rules.last_sweep_at),
        "updated_at": _iso(rules.updated_at),
    }


def _default_language(store: Store) -> str:
    return str(effective_settings(store.platform, store.settings)["default_language"])


async def update_rules(conn: asyncpg.Connection, store: Store, body: dict[str, Any], actor: Actor) -> Rules:
    """Take the owner's changes (any subset of domain.automation.KEYS), record them in the store's
    activity with the names of the settings that changed, and return the rules as saved.
    InvalidRequest (422, naming the field) for a value that cannot be taken."""
    try:
        changes = parse_changes(body)
    except RuleError as exc:
        raise InvalidRequest(str(exc), field=exc.field) from None
    blocked = {a: r for a, r in unpublishable(store.platform, store.site_facts, store.catalog_version).items()}
    if "attributes" in changes and (refused := [a for a in changes["attributes"] if a in blocked]):
        raise InvalidRequest(
            refusal_message({a: blocked[a] for a in refused}),
            field="attributes",
            reason=blocked[refused[0]],
            fields=[a.value for a in refused],
        )
    async with conn.transaction():
        if changes.get("voice_id") is not None and not await conn.fetchval(
            Q["voice_of_store"], changes["voice_id"], store.id
        ):
            raise InvalidRequest(
                "voice_id must be the id of one of the store's brand voices, or null.", field="voice_id"
            )
        await conn.execute(
            Q["ensure_rules"], store.id, [a.value for a in Rules().attributes], Rules().monthly_credit_cap
        )
        before = _rules(await conn.fetchrow(Q["rules_for_update"], store.id))
        rules, changed = apply_changes(before, changes, now=await conn.fetchval(Q["now"]))
        updated_at = await conn.fetchval(
            Q["save_rules"],
            store.id,
            rules.mode.value,
            rules.paused,
            [a.value for a in rules.attributes],
            rules.language,
            rules.voice_id,
            rules.only_empty,
            rules.min_score,
            rules.monthly_credit_cap,
            rules.sweep.value,
            rules.next_sweep_at,
        )
        if changed:
            await activity.record(conn, store.id, actor, Action.AUTOMATION_CHANGED, detail={"changed": changed})
    return replace(rules, updated_at=updated_at)


async def summary(conn: asyncpg.Connection, store: Store, *, days: int) -> dict[str, Any]:
    """What automation did in the last `days` days, for the notice on open (docs/api.md)."""
    rules = await get_rules(conn, store.id)
    since = await conn.fetchval(Q["days_ago"], days)
    counts = await conn.fetchrow(Q["summary"], store.id, since)
    period = store.credits_reset_on
    return {
        "mode": rules.mode.value,
        "paused": rules.paused,
        "cap_reached": rules.cap_reached(period),
        "since": since.isoformat(),
        "products_optimised": counts["optimised"],
        "published": counts["published"],
        "waiting_for_review": counts["waiting"],
        "failed": counts["failed"],
        "credits_used_this_month": rules.credits_used_in(period),
        "monthly_credit_cap": rules.monthly_credit_cap,
    }


# --- The worker's automation step ------------------------------------------------------------

AUTOMATION = Actor(ActorKind.AUTOMATION)
# Changes one store's pass takes at most; the rest wait for the next pass.
_CHANGES_PER_PASS = 500
_STORES_PER_PASS = 100
# A store whose products could not be read is tried again this much later.
_RETRY_AFTER = timedelta(seconds=30)
# pg_try_advisory_xact_lock's key for the sweep: any fixed number no other lock of the app uses.
SWEEP_LOCK_KEY = 0x6F70_7377  # "opsw"


@dataclass(frozen=True)
class StepConfig:
    """The worker's automation step's pace (Settings: AUTOMATION_*, CATALOG_*, MAX_JOB_PRODUCTS)."""

    poll_seconds: float = 5.0
    sweep_daily_seconds: float = 86400.0
    sweep_weekly_seconds: float = 604800.0
    catalog_max_age: timedelta = timedelta(seconds=600)
    catalog_wait: timedelta = timedelta(seconds=20)
    max_job_products: int = 10_000

    @classmethod
    def from_settings(cls, settings: Settings) -> StepConfig:
        return cls(
            poll_seconds=settings.automation_poll_seconds,
            sweep_daily_seconds=settings.automation_sweep_daily_seconds,
            sweep_weekly_seconds=settings.automation_sweep_weekly_seconds,
            catalog_max_age=timedelta(seconds=settings.catalog_index_max_age_seconds),
            catalog_wait=timedelta(seconds=settings.catalog_sync_wait_seconds),
            max_job_products=settings.max_job_products,
        )


@dataclass(frozen=True)
class Queued:
    """What one pass over a store's products did: the job (None: none made), products queued,
    left out by the cap, and to take again when their cooldown ends."""

    job_id: int | None = None
    products: int = 0
    capped: int = 0
    postponed: dict[str, datetime] = field(default_factory=dict)


async def run_step(pool: asyncpg.Pool, clients: StoreClients, config: StepConfig) -> dict[str, int]:
    """One pass of the worker's automation step: due product changes become jobs, finished
    automation jobs are published (mode publish), and due sweeps run. Safe on every worker."""
    queued = await queue_changes(pool, clients, config)
    published = await publish_finished(pool, clients)
    swept = await run_sweeps(pool, clients, config)
    return {"queued": queued, "published": published, "swept": swept}


async def seconds_to_next_change(conn: asyncpg.Connection, *, most: float) -> float:
    """How long until the next product change is due (at most `most`; 0 when one is due)."""
    seconds = await conn.fetchval(Q["seconds_to_next_change"])
    return most if seconds is None else max(0.0, min(most, float(seconds)))


async def queue_changes(pool: asyncpg.Pool, clients: StoreClients, config: StepConfig) -> int:
    """Due product changes of every store → one job per store (products queued in all)."""
    async with db.acquire(pool) as conn:
        store_ids = [r["store_id"] for r in await conn.fetch(Q["stores_with_due_changes"], _STORES_PER_PASS)]
    total = 0
    for store_id in store_ids:
        try:
            total += await _queue_store_changes(pool, clients, store_id, config)
        except AppError as exc:
            log.warning("automation: changes of store %d not queued, trying again later: %s", store_id, exc)
    return total


async def _queue_store_changes(pool: asyncpg.Pool, clients: StoreClients, store_id: int, config: StepConfig) -> int:
    # The rows stay locked while the products are read (SKIP LOCKED: other workers pass them by),
    # and are deleted in the transaction that makes their job: a crash before it commits leaves
    # them for the next pass, never a job without its rows gone or rows gone without their job.
    async with db.acquire(pool) as conn:
        try:
            async with conn.transaction():
                limit = min(_CHANGES_PER_PASS, config.max_job_products)
                rows = await conn.fetch(Q["take_due_changes"], store_id, limit)
                if not rows:
                    return 0
                ids = [r["product_id"] for r in rows]
                store = await stores.get(conn, store_id)
                outcome = Queued()
                if store is not None and store.installed:
                    outcome = await _take_changes(conn, clients, store, await get_rules(conn, store_id), rows)
                await conn.execute(Q["forget_changes"], store_id, [i for i in ids if i not in outcome.postponed])
                if outcome.postponed:
                    await conn.execute(
                        Q["cool_down_changes"], store_id, list(outcome.postponed), list(outcome.postponed.values())
                    )
                return outcome.products
        except AppError:
            # The store could not be read (or paid at the last moment): its changes wait a little.
            later = datetime.now(UTC) + _RETRY_AFTER
            async with conn.transaction():
                rows = await conn.fetch(Q["take_due_changes"], store_id, _CHANGES_PER_PASS)
                ids = [r["product_id"] for r in rows]
                await conn.execute(Q["postpone_changes"], store_id, ids, [later] * len(ids))
            raise


async def _take_changes(
    conn: asyncpg.Connection, clients: StoreClients, store: Store, rules: Rules, rows: Sequence[asyncpg.Record]
) -> Queued:
    """Record on the trail each taken change that is not the app's own write arriving back (one
    entry per row: a burst of deliveries is one, `changes` counts them), whether or not it is then
    queued; then, when automation is on, queue the products. A product the app never wrote is
    never its own write and is read only when automation may queue it."""
    ids = [r["product_id"] for r in rows]
    attributes = _automated_fields(store, rules) if rules.active else ()
    written = {r["product_id"] for r in await conn.fetch(Q["products_written"], store.id, ids)}
    client = clients.for_store(store)
    products = await _read_products(client, ids if attributes else [i for i in ids if i in written], attributes)
    facts = await _product_facts(conn, store.id, products, (*TEXT_ATTRIBUTES, *attributes))
    own = {p.id for p in products if is_own_change(p, facts[p.id])}
    await activity.record_many(
        conn,
        store.id,
        Actor(ActorKind.WEBHOOK),
        Action.PRODUCT_CHANGED,
        [
            Entry(product_id=r["product_id"], detail={"created": r["created"], "source": r["source"], "changes": n})
            for r in rows
            # A row taken again after its cooldown counts only the deliveries since (none: no entry).
            if r["product_id"] not in own and (n := r["changes"]) > 0
        ],
    )
    return await _queue_products(conn, store, rules, attributes, products, facts, trigger="webhook")


def _automated_fields(store: Store, rules: Rules) -> tuple[Attribute, ...]:
    """The rules' fields the store can publish."""
    blocked = unpublishable(store.platform, store.site_facts, store.catalog_version)
    return tuple(a for a in rules.attributes if a not in blocked)


async def _read_products(
    client: StoreClient, product_ids: Sequence[str], attributes: Sequence[Attribute]
) -> list[Product]:
    """The products the store still has of `product_ids`, with their images when alt text is written."""
    if not product_ids:
        return []
    products = await client.get_products(list(product_ids))
    if Attribute.IMAGE_ALT in attributes:
        products = await client.with_images(products)
    return products


async def _product_facts(
    conn: asyncpg.Connection, store_id: int, products: Sequence[Product], attributes: Sequence[Attribute]
) -> dict[str, ProductFacts]:
    if not products:
        return {}
    return {
        r["product_id"]: ProductFacts(
            last_written={Attribute(a): v for a, v in (r["last_written"] or {}).items()},
            baseline=Product.from_snapshot(r["baseline"]) if r["baseline"] else None,
            waiting=r["waiting"],
            fingerprint=r["fingerprint"],
            last_queued_at=r["last_queued_at"],
        )
        for r in await conn.fetch(
            Q["product_facts"], store_id, [p.id for p in products], list(dict.fromkeys(a.value for a in attributes))
        )
    }


async def _queue_products(
    conn: asyncpg.Connection,
    store: Store,
    rules: Rules,
    attributes: Sequence[Attribute],
    products: Sequence[Product],
    facts: Mapping[str, ProductFacts],
    *,
    trigger: str,
) -> Queued:
    """Decide which of the products read from the store to queue (domain.automation.decide), and
    charge and enqueue one job of those the month's cap leaves room for, in the caller's
    transaction. Products the store no longer has are let go."""
    if not attributes or not products:
        return Queued()
    now = await conn.fetchval(Q["now"])
    chosen: list[Product] = []
    postponed: dict[str, datetime] = {}
    for product in products:
        fact = facts[product.id]
        decision = decide(product, fact, attributes, only_empty=rules.only_empty, now=now)
        if decision is Decision.QUEUE:
            chosen.append(product)
        elif decision is Decision.COOLING_DOWN and fact.last_queued_at is not None:
            postponed[product.id] = fact.last_queued_at + COOLDOWN
    if not chosen:
        return Queued(postponed=postponed)
    period = store.credits_reset_on
    costs = [fields_to_write([p], attributes, only_empty=rules.only_empty).fields for p in chosen]
    fit = fitting([items_cost(c) for c in costs], rules.cap_left(period))
    capped = len(chosen) - fit
    if capped:
        await _note_cap_reached(conn, store.id, rules, period, left_out=capped)
    chosen = chosen[:fit]
    fit = fitting([items_cost(c) for c in costs[:fit]], store.credits_remaining)
    if fit < len(chosen):
        log.info("automation: store %d has credits for %d of %d products", store.id, fit, len(chosen))
        chosen = chosen[:fit]
    if not chosen:
        return Queued(capped=capped, postponed=postponed)
    voice = await voices.voice_for_job(
        conn, store_id=store.id, body={} if rules.voice_id is None else {"brand_voice_id": rules.voice_id}
    )
    enqueued = await queue.enqueue_job(
        conn,
        store_id=store.id,
        source_scope="products",
        source_ids=[p.id for p in chosen],
        attributes=attributes,
        target_lang=rules.language or _default_language(store),
        user_prompt="",
        products=chosen,
        only_empty=rules.only_empty,
        brand_voice=voice,
        actor=AUTOMATION,
    )
    await conn.execute(Q["count_against_cap"], store.id, period, enqueued.credits_charged)
    await conn.execute(
        Q["remember_queued"], store.id, [p.id for p in chosen], [fingerprint(p, attributes) for p in chosen]
    )
    await activity.record(
        conn,
        store.id,
        AUTOMATION,
        Action.PRODUCTS_QUEUED,
        job_id=enqueued.job_id,
        detail={"products": len(chosen), "trigger": trigger},
    )
    return Queued(job_id=enqueued.job_id, products=len(chosen), capped=capped, postponed=postponed)


async def _note_cap_reached(
    conn: asyncpg.Connection, store_id: int, rules: Rules, period: date, *, left_out: int
) -> None:
    """Record once a credit period that the cap stopped automation."""
    if await conn.fetchval(Q["note_cap_reached"], store_id, period) is not None:
        await activity.record(
            conn,
            store_id,
            AUTOMATION,
            Action.CAP_REACHED,
            detail={"cap": rules.monthly_credit_cap, "products_left_out": left_out},
        )


async def publish_finished(pool: asyncpg.Pool, clients: StoreClients) -> int:
    """Publish the drafts of finished automation jobs whose store is in mode publish, each job once;
    publishing's own gates leave flagged and low-score drafts for review. Items published."""
    published = 0
    while True:
        async with db.acquire(pool) as conn:
            job = await conn.fetchrow(Q["claim_finished_job"])
            if job is None:
                return published
            store = await stores.get(conn, job["store_id"])
            rules = await get_rules(conn, job["store_id"])
            item_ids = [r["id"] for r in await conn.fetch(Q["unpublished_done_items"], job["id"])]
        if store is None or not store.installed or not rules.publishes or job["status"] == "CANCELED" or not item_ids:
            continue
        try:
            outcomes = await publishing.publish_items(
                pool,
                clients.for_store(store),
                store_id=store.id,
                item_ids=item_ids,
                min_score=rules.min_score,
                actor=AUTOMATION,
            )
        except AppError as exc:
            log.warning("automation: job %d could not be published, its drafts wait for review: %s", job["id"], exc)
            continue
        published += sum(o.status == "published" for o in outcomes)


async def run_sweeps(pool: asyncpg.Pool, clients: StoreClients, config: StepConfig) -> int:
    """Sweep every store whose sweep is due, if this worker leads (an advisory lock held for the
    pass: one worker sweeps, the others skip). Each store's next sweep is set in the transaction
    that queues its products, so a sweep that commits is never run again in its period and one that
    does not is run again. Stores swept."""
    swept = 0
    async with db.acquire(pool) as conn, conn.transaction():
        if not await conn.fetchval(Q["try_sweep_lead"], SWEEP_LOCK_KEY):
            return 0
        for row in await conn.fetch(Q["due_sweeps"], _STORES_PER_PASS):
            try:
                async with conn.transaction():
                    await _sweep_store(pool, conn, clients, row["store_id"], config)
                swept += 1
            except AppError as exc:
                log.warning("automation: sweep of store %d failed, trying again next pass: %s", row["store_id"], exc)
    return swept


async def _sweep_store(
    pool: asyncpg.Pool, conn: asyncpg.Connection, clients: StoreClients, store_id: int, config: StepConfig
) -> None:
    store = await stores.get(conn, store_id)
    rules = await get_rules(conn, store_id)
    period = sweep_period(
        rules.sweep, daily_seconds=config.sweep_daily_seconds, weekly_seconds=config.sweep_weekly_seconds
    )
    found: list[str] = []
    queued = Queued()
    if store is not None and store.installed and rules.active:
        client = clients.for_store(store)
        await catalog.fresh_index(pool, client, store.id, max_age=config.catalog_max_age, wait=config.catalog_wait)
        found = await _sweep_candidates(pool, store.id, rules, limit=config.max_job_products)
        attributes = _automated_fields(store, rules)
        products = await _read_products(client, found, attributes)
        facts = await _product_facts(conn, store.id, products, attributes)
        queued = await _queue_products(conn, store, rules, attributes, products, facts, trigger="sweep")
    await conn.execute(Q["finish_sweep"], store_id, period.total_seconds())
    if store is not None and store.installed and rules.active:
        await activity.record(
            conn, store_id, AUTOMATION, Action.SWEEP, job_id=queued.job_id, detail={"products": queued.products}
        )


async def _sweep_candidates(pool: asyncpg.Pool, store_id: int, rules: Rules, *, limit: int) -> list[str]:
    """The indexed products missing any configured field or never optimised, in the platform's order."""
    missing = tuple(a for a in rules.attributes if a in TEXT_ATTRIBUTES)
    ids: dict[str, None] = {}
    for query in (ProductQuery(missing=missing), ProductQuery(optimised=False)):
        if query.is_filtered:
            ids.update(dict.fromkeys(p.id for p in await catalog.matching_products(pool, store_id, query, limit=limit)))
    return list(ids)[:limit]
