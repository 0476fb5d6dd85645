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


def job_cost(product_count: int, attribute_count: int) -> int:
    """One credit per product field improved."""
    return product_count * attribute_count


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


def plan_for_vendor_product(vendor_product_id: str | None) -> str:
    """Map a platform's paid-plan id (Wix vendorProductId, ...) to our plan id.

    Plan ids registered on the platforms are our own ids ("starter", "pro", "scale"); an unknown
    or empty id means the free plan."""
    if vendor_product_id and vendor_product_id.lower() in PLANS:
        return vendor_product_id.lower()
    return FREE_PLAN
