"""Applying a verified webhook's store events: the event id is recorded in the same transaction
as the effects, so a replayed delivery changes nothing and a failed one is retried by the platform
in full."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import asyncpg

from .. import automation, credits, db, stores, tokens
from ..crypto import TokenCipher
from ..errors import MalformedRequest
from ..stores import Store
from .events import (
    Installed,
    PlanChanged,
    PlanEnds,
    PlanKept,
    PlatformEvent,
    ProductsChanged,
    Redacted,
    StoreEvent,
    SubscriptionStatusChanged,
    TokensIssued,
    Uninstalled,
    subscription_effects,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """`status` is what the webhook's answer says; `store` the store as the events left it (None
    when there is none, or no longer one)."""

    status: Literal["processed", "duplicate", "ignored"]
    event_id: str
    store: Store | None


async def apply(pool: asyncpg.Pool, cipher: TokenCipher, event: PlatformEvent, *, today: date | None = None) -> Outcome:
    """Record the event id and apply its effects in order, all in one transaction; a replay of an
    event id already recorded applies nothing. A MalformedRequest raised on the way rolls back
    the record too."""
    target = _Target(cipher, event.platform, event.external_id, event.event_type, today or datetime.now(UTC).date())
    async with db.acquire(pool) as conn, conn.transaction():
        store = await stores.find(conn, event.platform, event.external_id)
        first = await stores.record_webhook(
            conn,
            platform=event.platform,
            event_id=event.event_id,
            event_type=event.event_type,
            store_id=store.id if store else None,
        )
        if not first:
            return Outcome("duplicate", event.event_id, store)
        if not event.effects:
            log.info("nothing to do for %s event %s", event.platform, event.event_type)
        for effect in event.effects:
            if isinstance(effect, SubscriptionStatusChanged):
                owner = await stores.subscription_owner(conn, event.platform, effect.subscription_id)
                if owner is None:
                    log.info("%s subscription event for a subscription this app did not create", event.platform)
                    return Outcome("ignored", event.event_id, store)
                owner_id, plan_id = owner
                if store is None or owner_id != store.id:
                    raise MalformedRequest("The subscription in the webhook body belongs to another shop.")
                for resolved in subscription_effects(effect, plan_id=plan_id, current_plan_id=store.plan_id):
                    store = await _apply_one(conn, target, store, resolved)
            else:
                store = await _apply_one(conn, target, store, effect)
    return Outcome("processed", event.event_id, store)


@dataclass(frozen=True)
class _Target:
    cipher: TokenCipher
    platform: str
    external_id: str
    event_type: str
    today: date


async def _apply_one(
    conn: asyncpg.Connection, target: _Target, store: Store | None, effect: StoreEvent
) -> Store | None:
    """Apply one effect; every effect but Installed needs a store and changes nothing without one."""
    if isinstance(effect, Installed):
        if store is None or not store.installed:
            store = await stores.install(
                conn, platform=target.platform, external_id=target.external_id, display_name="", today=target.today
            )
        return store
    if store is None:
        return None
    if isinstance(effect, Uninstalled):
        if store.installed:
            await stores.uninstall(conn, store.id)
    elif isinstance(effect, PlanKept):
        log.warning("%s store %s keeps plan %s: %s", target.platform, target.external_id, store.plan_id, effect.reason)
        return store
    elif isinstance(effect, PlanChanged | PlanEnds) and effect.if_current not in (None, store.plan_id):
        log.info(
            "%s store %s is on %s, not %s: nothing ends",
            target.platform,
            target.external_id,
            store.plan_id,
            effect.if_current,
        )
        return store
    elif isinstance(effect, PlanChanged):
        await credits.change_plan(conn, store.id, effect.plan_id, cycle=effect.cycle)
    elif isinstance(effect, PlanEnds):
        await stores.schedule_plan_end(conn, store.id, effect.on or store.credits_reset_on)
    elif isinstance(effect, ProductsChanged):
        if store.installed:
            await automation.note_product_changes(
                conn, store.id, effect.product_ids, created=effect.created, source=target.event_type
            )
        return store
    elif isinstance(effect, TokensIssued):
        await tokens.save(conn, target.cipher, store.id, effect)
    elif isinstance(effect, Redacted):
        await stores.redact(conn, store.id)
        return None
    return await stores.get(conn, store.id)
