"""Salla app events (https://docs.salla.dev/421413m0.md, mirrored at
https://share.apidog.com/apidoc/docs-site/451700/421413m0) as store events.

Plans: the subscription and trial events carry `item_type` ("plan" or "addon"), `item_slug` (the
add-on's slug, null for plans) and `plan_name`, the name the partner gave the plan in the Partners
portal ("Yearly" in Salla's example). A plan is therefore identified by `plan_name` through
`SALLA_PLAN_MAP` (our own plan ids and names count too), never by `item_slug`. A name the map does
not know keeps the store's plan and is logged. Add-ons share these events and change no plan.

Trials: Salla sets one trial for the whole app (`plan_trial` days in the publish payload, not per
plan), and the trial payload's `plan_name` is a placeholder (`"trail"` in the samples); it names
no plan that is being tried. So a trial neither grants a paid plan nor, when it ends or is
cancelled, takes one away: the store stays on its plan (free, for a new store) until
`app.subscription.started` names the plan it paid for. Sources: SallaApp/salla-partners-agent-kit
`.agents/skills/salla-app-billing/SKILL.md` and `references/subscription-events.md`,
`.agents/skills/salla-app-lifecycle/references/lifecycle-payloads.md`.

Products: the store events `product.created` and `product.updated` carry the product in `data`,
its integer `id` the id the Merchant API names it by (Product webhook events,
https://docs.salla.dev/433805m0.md). The app subscribes the store to them at install
(`installation.subscribe_salla_webhooks`).
"""

from __future__ import annotations

from datetime import date, datetime

from ..auth.salla import SallaWebhookEvent, parse_tokens
from ..domain.plans import FREE_PLAN, PlanMap, plan_for
from .events import (
    Installed,
    PlanChanged,
    PlanEnds,
    PlanKept,
    PlatformEvent,
    ProductsChanged,
    StoreEvent,
    TokensIssued,
    Uninstalled,
)

STARTED_EVENTS = ("app.subscription.started", "app.subscription.renewed")
SUBSCRIPTION_EVENTS = (*STARTED_EVENTS, "app.subscription.canceled", "app.subscription.expired")
TRIAL_EVENTS = ("app.trial.started", "app.trial.expired", "app.trial.canceled")
PRODUCT_CREATED, PRODUCT_UPDATED = "product.created", "product.updated"
PRODUCT_EVENTS = (PRODUCT_CREATED, PRODUCT_UPDATED)


def store_events(event: SallaWebhookEvent, *, now: datetime, plan_map: PlanMap = ()) -> PlatformEvent:
    effects = tuple(_effects(event, now, plan_map))
    return PlatformEvent("salla", event.merchant_id, event.event_id, event.event, effects)


def _effects(event: SallaWebhookEvent, now: datetime, plan_map: PlanMap) -> list[StoreEvent]:
    kind, data = event.event, event.data
    if kind == "app.installed":
        return [Installed()]
    if kind == "app.uninstalled":
        return [Uninstalled()]
    if kind in PRODUCT_EVENTS:
        # auth.salla has checked that `data.id` is the product's integer id.
        return [ProductsChanged((str(data["id"]),), created=kind == PRODUCT_CREATED)]
    if kind == "app.store.authorize":
        # Easy Mode: the tokens come in this signed event instead of an OAuth callback.
        tokens = parse_tokens(data, now=now)
        return [Installed(), TokensIssued(tokens.access_token, tokens.refresh_token, tokens.expires_at)]
    installed: list[StoreEvent] = [Installed()] if kind in (*STARTED_EVENTS, "app.trial.started") else []
    if kind in TRIAL_EVENTS:
        return [*installed, PlanKept(f"{kind}: a Salla trial names no plan, so it changes none")]
    if kind not in SUBSCRIPTION_EVENTS:
        return []
    if data.get("item_type") == "addon":
        return [*installed, PlanKept(f"{kind} for the add-on {data.get('item_slug')!r}: add-ons change no plan")]
    name = data.get("plan_name")
    plan_id = plan_for(str(name) if name is not None else None, plan_map)
    if plan_id is None:
        return [*installed, PlanKept(f"{kind}: the Salla plan {name!r} is not in SALLA_PLAN_MAP")]
    if kind in STARTED_EVENTS:
        return [*installed, PlanChanged(plan_id, str(data.get("plan_period") or ""))]
    if kind == "app.subscription.canceled":
        # The subscription runs until its end date (else the end of the current credit period).
        return [PlanEnds(_end_date(data.get("end_date")), if_current=plan_id)]
    return [PlanChanged(FREE_PLAN, if_current=plan_id)]


def _end_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
