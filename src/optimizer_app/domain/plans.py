"""Plans, credits and the monthly reset date: arithmetic only."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    price_cents: int
    monthly_credits: int


# Mirrors the rows sql/migrations/001_init.sql inserts; the database is the source of truth at run time.
PLANS = {
    p.id: p
    for p in (
        Plan("free", "Free", 0, 100),
        Plan("starter", "Starter", 900, 1000),
        Plan("pro", "Pro", 2900, 5000),
        Plan("scale", "Scale", 9900, 25000),
    )
}
FREE_PLAN = "free"


# An economy field (answered through the LLM's Batch API, within 24 h, at about half the price)
# costs half a credit: a job's fields are counted together and the half rounded up.
ECONOMY_FIELDS_PER_CREDIT = 2


def items_cost(item_count: int, *, economy: bool = False) -> int:
    """Credits for `item_count` product fields. Mirrors the SQL function items_cost (migration
    015), whose change as items fail or are canceled is what the queue refunds."""
    count = max(0, item_count)
    return -(-count // ECONOMY_FIELDS_PER_CREDIT) if economy else count


def job_cost(product_count: int, attribute_count: int, *, economy: bool = False) -> int:
    """One credit per product field improved; half a credit in economy."""
    return items_cost(product_count * attribute_count, economy=economy)


def remaining(credits_total: int, credits_used: int) -> int:
    return max(0, credits_total - credits_used)


def add_months(day: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's last day (Jan 31 → Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_reset_on(current_reset_on: date, today: date) -> date:
    """The first reset date after `today`, stepping a month at a time from the current one."""
    nxt = current_reset_on
    while nxt <= today:
        nxt = add_months(nxt, 1)
    return nxt


PlanMap = tuple[tuple[str, str], ...]


def parse_plan_map(text: str) -> PlanMap:
    """`"Monthly Pro=pro, Yearly Pro=pro"`: a platform's plan reference (an id or a name, as the
    partner portal shows it) to our paid plan. Raises ValueError naming a malformed entry or an
    unknown plan: a typo here would otherwise leave payers on the plan they had."""
    pairs: list[tuple[str, str]] = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        reference, sep, plan_id = (part.strip() for part in entry.rpartition("="))
        if not sep or not reference or not plan_id:
            raise ValueError(f"{entry!r} is not <platform plan>=<plan id>")
        if plan_id.lower() not in PLANS or plan_id.lower() == FREE_PLAN:
            raise ValueError(
                f"{plan_id!r} is not one of the paid plans {', '.join(p for p in PLANS if p != FREE_PLAN)}"
            )
        pairs.append((reference, plan_id.lower()))
    return tuple(pairs)


# A paid plan's monthly price in a platform's currency, in minor units (halalas for SAR):
# `(("starter", 3400), …)`.
PlanPrices = tuple[tuple[str, int], ...]


def parse_plan_prices(text: str) -> PlanPrices:
    """`"starter=34, pro=109.50"`: each paid plan's monthly price in whole currency units (two
    decimals at most), as minor units. Raises ValueError naming a malformed entry or an unknown plan."""
    prices: dict[str, int] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        plan_id, sep, amount = (part.strip() for part in entry.partition("="))
        if not sep or not plan_id or not amount:
            raise ValueError(f"{entry!r} is not <plan id>=<price>")
        if plan_id.lower() not in PLANS or plan_id.lower() == FREE_PLAN:
            raise ValueError(
                f"{plan_id!r} is not one of the paid plans {', '.join(p for p in PLANS if p != FREE_PLAN)}"
            )
        whole, dot, cents = amount.partition(".")
        if not whole.isdigit() or (dot and not (cents.isdigit() and len(cents) <= 2)) or len(whole) > 7:
            raise ValueError(f"{amount!r} is not a price such as 34 or 109.50")
        prices[plan_id.lower()] = int(whole) * 100 + int(cents.ljust(2, "0") if dot else 0)
    return tuple(prices.items())


# Salla sells apps in riyals. The defaults are the dollar prices at the riyal's fixed rate
# (3.75 SAR to the dollar), rounded up to a whole riyal; the operator sets what Salla Partners shows.
SALLA_PLAN_PRICES: PlanPrices = parse_plan_prices("starter=34, pro=109, scale=372")


def plan_for(reference: str | None, plan_map: PlanMap = ()) -> str | None:
    """Our plan for a platform's plan reference (Wix `vendorProductId`, Salla `plan_name`, ...):
    the explicit map first, then our own plan ids and names; letter case and surrounding spaces
    do not count. None when the reference names no plan we know: the caller keeps the current
    plan rather than guess, since a guess can move a payer to the free plan."""
    key = (reference or "").strip().casefold()
    if not key:
        return None
    for platform_plan, plan_id in plan_map:
        if platform_plan.strip().casefold() == key:
            return plan_id
    return next((p.id for p in PLANS.values() if key in (p.id, p.name.casefold())), None)
