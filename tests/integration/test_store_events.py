"""The webhook applier against real PostgreSQL: the event id and the effects in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg
import pytest

from optimizer_app import credits, stores
from optimizer_app.crypto import TokenCipher
from optimizer_app.errors import MalformedRequest
from optimizer_app.store_events import events as ev
from optimizer_app.store_events.applier import apply
from tests.factories import assert_ledger_balanced, new_store

CIPHER = TokenCipher("test-encryption-key")


def event(external_id: str, event_id: str, *effects: ev.StoreEvent) -> ev.PlatformEvent:
    return ev.PlatformEvent("shopify", external_id, event_id, "test/topic", effects)


async def count(pool: asyncpg.Pool, sql: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(sql))


async def store_of(pool: asyncpg.Pool, external_id: str) -> stores.Store | None:
    async with pool.acquire() as conn:
        return await stores.find(conn, "shopify", external_id)


async def test_a_replayed_event_id_applies_nothing_again(pool: asyncpg.Pool) -> None:
    first = await apply(
        pool, CIPHER, event("a.myshopify.com", "e-1", ev.Installed(), ev.PlanChanged("pro", "every_30_days"))
    )
    assert first.status == "processed" and first.event_id == "e-1"
    assert first.store is not None and first.store.plan_id == "pro"
    async with pool.acquire() as conn:
        await credits.change_plan(conn, first.store.id, "starter")
    replay = await apply(pool, CIPHER, event("a.myshopify.com", "e-1", ev.Installed(), ev.PlanChanged("pro")))
    assert replay.status == "duplicate"
    store = await store_of(pool, "a.myshopify.com")
    assert store is not None and store.plan_id == "starter"
    assert await count(pool, "SELECT count(*) FROM webhook_events") == 1
    await assert_ledger_balanced(pool, store.id)


async def test_an_event_refused_halfway_records_nothing_and_changes_nothing(pool: asyncpg.Pool) -> None:
    shop, other = await new_store(pool, platform="shopify"), await new_store(pool, platform="shopify")
    async with pool.acquire() as conn:
        await stores.remember_subscription(conn, other.id, platform="shopify", subscription_id="sub-o", plan_id="pro")
    refused = event(
        shop.external_id,
        "e-2",
        ev.PlanChanged("scale"),
        ev.SubscriptionStatusChanged("sub-o", "active", "every_30_days"),
    )
    with pytest.raises(MalformedRequest):
        await apply(pool, CIPHER, refused)
    for s in (shop, other):
        after = await store_of(pool, s.external_id)
        assert after is not None and after.plan_id == "free"
    assert await count(pool, "SELECT count(*) FROM webhook_events") == 0
    assert await count(pool, "SELECT count(*) FROM credit_ledger WHERE delta < 0 OR reason <> 'plan_grant'") == 0


async def test_a_subscription_is_resolved_against_the_one_the_app_created(pool: asyncpg.Pool) -> None:
    shop = await new_store(pool, platform="shopify")
    async with pool.acquire() as conn:
        for sub, plan in (("sub-s", "starter"), ("sub-p", "pro")):
            await stores.remember_subscription(conn, shop.id, platform="shopify", subscription_id=sub, plan_id=plan)
    steps = [
        (ev.SubscriptionStatusChanged("sub-p", "active", "every_30_days"), "processed", "pro"),
        (ev.SubscriptionStatusChanged("sub-s", "ended"), "processed", "pro"),  # not the current plan's
        (ev.SubscriptionStatusChanged("sub-x", "active"), "ignored", "pro"),  # never created by the app
        (ev.SubscriptionStatusChanged("sub-p", "other"), "processed", "pro"),
        (ev.SubscriptionStatusChanged("sub-p", "ended"), "processed", "free"),
    ]
    for n, (change, status, plan) in enumerate(steps):
        outcome = await apply(pool, CIPHER, event(shop.external_id, f"s-{n}", change))
        assert outcome.status == status, change
        after = await store_of(pool, shop.external_id)
        assert after is not None and after.plan_id == plan, change
    assert await count(pool, "SELECT count(*) FROM webhook_events") == len(steps)
    replay = await apply(pool, CIPHER, event(shop.external_id, "s-2", ev.SubscriptionStatusChanged("sub-x", "active")))
    assert replay.status == "duplicate"
    await assert_ledger_balanced(pool, shop.id)


async def test_events_for_a_store_the_app_does_not_know_create_nothing(pool: asyncpg.Pool) -> None:
    effects = (ev.Uninstalled(), ev.PlanChanged("pro"), ev.PlanEnds(date(2026, 12, 31)), ev.Redacted())
    outcome = await apply(pool, CIPHER, event("nobody.myshopify.com", "e-3", *effects))
    assert outcome.status == "processed" and outcome.store is None
    assert await count(pool, "SELECT count(*) FROM stores") == 0
    assert await count(pool, "SELECT count(*) FROM webhook_events WHERE store_id IS NULL") == 1


async def test_installed_with_tokens_keeps_them_sealed_and_a_plan_end_defaults_to_the_period_end(
    pool: asyncpg.Pool,
) -> None:
    expires = datetime(2027, 1, 1, tzinfo=UTC)
    outcome = await apply(
        pool,
        CIPHER,
        event("t.myshopify.com", "e-4", ev.Installed(), ev.TokensIssued("at-1", "rt-1", expires), ev.PlanEnds()),
    )
    store = outcome.store
    assert store is not None and store.installed and store.token_expires_at == expires
    assert store.access_token_enc is not None and store.refresh_token_enc is not None
    assert CIPHER.decrypt(store.access_token_enc) == "at-1" and CIPHER.decrypt(store.refresh_token_enc) == "rt-1"
    assert b"at-1" not in store.access_token_enc and store.plan_ends_on == store.credits_reset_on

    gone = await apply(pool, CIPHER, event("t.myshopify.com", "e-5", ev.Uninstalled()))
    assert gone.store is not None and not gone.store.installed and gone.store.access_token_enc is None
    back = await apply(
        pool, CIPHER, event("t.myshopify.com", "e-6", ev.Installed(), ev.TokensIssued("at-2", None, expires))
    )
    assert back.store is not None and back.store.id == store.id and back.store.installed
    assert back.store.access_token_enc is not None and CIPHER.decrypt(back.store.access_token_enc) == "at-2"
    redacted = await apply(pool, CIPHER, event("t.myshopify.com", "e-7", ev.Redacted()))
    assert redacted.store is None and await store_of(pool, "t.myshopify.com") is None


async def test_the_end_of_another_plan_and_a_kept_plan_change_nothing(pool: asyncpg.Pool) -> None:
    installed = await apply(pool, CIPHER, event("k.myshopify.com", "k-1", ev.Installed(), ev.PlanChanged("scale")))
    assert installed.store is not None and installed.store.plan_id == "scale"
    others = await apply(
        pool,
        CIPHER,
        event(
            "k.myshopify.com",
            "k-2",
            ev.PlanKept("an add-on changes no plan"),
            ev.PlanEnds(date(2027, 1, 31), if_current="pro"),
            ev.PlanChanged("free", if_current="starter"),
        ),
    )
    assert others.status == "processed" and others.store is not None
    assert (others.store.plan_id, others.store.plan_ends_on) == ("scale", None)
    own = await apply(pool, CIPHER, event("k.myshopify.com", "k-3", ev.PlanChanged("free", if_current="scale")))
    assert own.store is not None and own.store.plan_id == "free"
    await assert_ledger_balanced(pool, own.store.id)


async def test_product_changes_are_recorded_once_per_product_whatever_the_number_of_deliveries(
    pool: asyncpg.Pool,
) -> None:
    installed = await apply(pool, CIPHER, event("p.myshopify.com", "p-0", ev.Installed()))
    assert installed.store is not None
    await apply(pool, CIPHER, event("p.myshopify.com", "p-1", ev.ProductsChanged(("gid://1",), created=True)))
    for n in range(2, 6):
        await apply(pool, CIPHER, event("p.myshopify.com", f"p-{n}", ev.ProductsChanged(("gid://1", "gid://2"), False)))
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT product_id, created, changes, source FROM automation_changes WHERE store_id = $1 ORDER BY 1",
            installed.store.id,
        )
    assert [(r["product_id"], r["created"], r["changes"], r["source"]) for r in rows] == [
        ("gid://1", True, 5, "test/topic"),
        ("gid://2", False, 4, "test/topic"),
    ]


async def test_product_changes_of_an_uninstalled_store_are_not_recorded(pool: asyncpg.Pool) -> None:
    await apply(pool, CIPHER, event("q.myshopify.com", "q-0", ev.Installed()))
    await apply(pool, CIPHER, event("q.myshopify.com", "q-1", ev.Uninstalled()))
    await apply(pool, CIPHER, event("q.myshopify.com", "q-2", ev.ProductsChanged(("gid://1",), created=True)))
    assert await count(pool, "SELECT count(*) FROM automation_changes") == 0
