"""Salla app events (https://share.apidog.com/apidoc/docs-site/451700/421413m0) as store events."""

from __future__ import annotations

from datetime import date, datetime

from ..auth.salla import SallaWebhookEvent, parse_tokens
from ..domain.plans import FREE_PLAN, plan_for_vendor_product
from .events import Installed, PlanChanged, PlanEnds, PlatformEvent, StoreEvent, TokensIssued, Uninstalled

PAID_EVENTS = ("app.subscription.started", "app.subscription.renewed", "app.trial.started")
ENDED_EVENTS = ("app.subscription.expired", "app.trial.expired")


def store_events(event: SallaWebhookEvent, *, now: datetime) -> PlatformEvent:
    effects = tuple(_effects(event, now))
    return PlatformEvent("salla", event.merchant_id, event.event_id, event.event, effects)


def _effects(event: SallaWebhookEvent, now: datetime) -> list[StoreEvent]:
    kind, data = event.event, event.data
    if kind == "app.installed":
        return [Installed()]
    if kind == "app.uninstalled":
        return [Uninstalled()]
    if kind == "app.store.authorize":
        # Easy Mode: the tokens come in this signed event instead of an OAuth callback.
        tokens = parse_tokens(data, now=now)
        return [Installed(), TokensIssued(tokens.access_token, tokens.refresh_token, tokens.expires_at)]
    if kind in PAID_EVENTS:
        plan_id = plan_for_vendor_product(str(data.get("item_slug") or data.get("plan_name") or "") or None)
        return [Installed(), PlanChanged(plan_id, str(data.get("plan_period") or ""))]
    if kind == "app.subscription.canceled":
        # The subscription runs until its end date (else the end of the current credit period).
        return [PlanEnds(_end_date(data.get("end_date")))]
    if kind in ENDED_EVENTS:
        return [PlanChanged(FREE_PLAN)]
    return []


def _end_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
