"""The store events every platform's webhooks come down to, and the one rule that needs our own
record of a subscription before it becomes one (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from ..domain.plans import FREE_PLAN


@dataclass(frozen=True)
class Installed:
    """The app is on the store: create it on the free plan, or reactivate it if it was removed."""


@dataclass(frozen=True)
class Uninstalled:
    """The app was removed: tokens wiped, open jobs cancelled and refunded."""


@dataclass(frozen=True)
class PlanChanged:
    """The store moves to `plan_id`; with `if_current`, only while that is its plan (the end of
    one subscription must not undo the plan another one bought)."""

    plan_id: str
    cycle: str | None = None
    if_current: str | None = None


@dataclass(frozen=True)
class PlanEnds:
    """Auto-renewal was cancelled: the plan stays until `on` (None: the end of the current credit
    period), then the monthly reset moves the store to free. With `if_current`, only while that
    is the store's plan."""

    on: date | None = None
    if_current: str | None = None


@dataclass(frozen=True)
class PlanKept:
    """A billing event that changes no plan (an add-on, a trial, a plan the app cannot name):
    the store keeps its plan and `reason` is logged, so an unmapped plan shows up in the logs."""

    reason: str


@dataclass(frozen=True)
class Redacted:
    """The platform asks for the store's data to be erased for good."""


@dataclass(frozen=True)
class TokensIssued:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime


SubscriptionState = Literal["active", "ended", "other"]


@dataclass(frozen=True)
class SubscriptionStatusChanged:
    """A billing subscription the body names by id only: which store and plan it is for comes from
    our own record of the subscriptions the app created (`subscription_effects` then decides)."""

    subscription_id: str
    state: SubscriptionState
    cycle: str | None = None


@dataclass(frozen=True)
class ProductsChanged:
    """Products were created (`created`) or changed in the store, by the owner or by anyone; the
    automation step decides whether that makes a job (automation.py)."""

    product_ids: tuple[str, ...]
    created: bool


StoreEvent = (
    Installed
    | Uninstalled
    | PlanChanged
    | PlanEnds
    | PlanKept
    | Redacted
    | TokensIssued
    | SubscriptionStatusChanged
    | ProductsChanged
)


@dataclass(frozen=True)
class PlatformEvent:
    """One verified webhook delivery: the store it is about, its id (recorded once) and type, and
    the store events it means, in the order they apply."""

    platform: str
    external_id: str
    event_id: str
    event_type: str
    effects: tuple[StoreEvent, ...]


def subscription_effects(change: SubscriptionStatusChanged, *, plan_id: str, current_plan_id: str) -> list[StoreEvent]:
    """What a subscription's new state does to the store it was created for, on `plan_id`."""
    if change.state == "active":
        return [PlanChanged(plan_id, change.cycle)]
    # Only the subscription of the current plan ends it: an upgrade cancels the old one.
    if change.state == "ended" and current_plan_id == plan_id:
        return [PlanChanged(FREE_PLAN)]
    return []
