"""The JSON shapes of a store's account and of a product, as the API and the app page send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain.billing import BillingConfig, billing_for
from ..domain.plans import ECONOMY_FIELDS_PER_CREDIT, PLANS
from ..domain.products import Product
from ..domain.publishable import unpublishable
from ..domain.store_settings import effective_settings
from ..settings import Settings
from ..stores import Store


def billing_config(settings: Settings) -> BillingConfig:
    return BillingConfig(
        wix_app_id=settings.wix_app_id,
        salla_app_id=settings.salla_app_id,
        salla_plan_prices=settings.salla_plan_prices,
        woocommerce_upgrade_url=settings.woocommerce_upgrade_url,
    )


def me_json(store: Store, settings: Settings) -> dict[str, Any]:
    plan = PLANS.get(store.plan_id)
    language = str(effective_settings(store.platform, store.settings)["default_language"])
    billing = billing_for(store.platform, store.external_id, language, billing_config(settings))
    return {
        "store": {
            "id": store.id,
            "platform": store.platform,
            "name": store.display_name,
            # Fields the store cannot publish, each with the reason's code (the dashboard words it).
            "unpublishable_fields": {a.value: r for a, r in unpublishable(store.platform, store.site_facts).items()},
        },
        "plan": {
            "id": store.plan_id,
            "name": plan.name if plan else store.plan_id,
            "monthly_credits": plan.monthly_credits if plan else None,
            "economy_fields_per_credit": ECONOMY_FIELDS_PER_CREDIT,
            "ends_on": store.plan_ends_on.isoformat() if store.plan_ends_on else None,
        },
        "credits": {
            "total": store.credits_total,
            "used": store.credits_used,
            "remaining": store.credits_remaining,
            "reset_on": store.credits_reset_on.isoformat(),
        },
        # Where and in which currency this store's owner buys plans (the platform's way).
        "billing": {
            "currency": billing.currency,
            "upgrade": {"kind": billing.upgrade.kind, "url": billing.upgrade.url},
        },
        "plans": [
            {
                "id": p.id,
                "name": p.name,
                "price_cents": p.price_cents,
                # The monthly price where this store buys it, in the currency's minor units.
                "price": {"amount_minor": billing.prices[p.id], "currency": billing.currency},
                "monthly_credits": p.monthly_credits,
                # What a credit buys in economy: this many fields answered within 24 h.
                "economy_fields_per_credit": ECONOMY_FIELDS_PER_CREDIT,
            }
            for p in PLANS.values()
        ],
    }


def product_json(
    p: Product, optimised_at: datetime | None = None, duplicate_of: Sequence[str] = ()
) -> dict[str, object]:
    """A product as the API shows it; `optimised_at`: when the app last published a change to it
    that was not reverted; `duplicate_of`: products whose description this one's is near, as the
    catalog index last saw them (closest first, a few)."""
    return {
        "id": p.id,
        "title": p.title,
        "description_html": p.description_html,
        "seo_title": p.seo_title,
        "seo_description": p.seo_description,
        "image_url": p.image_url,
        "collection_ids": list(p.collection_ids),
        "url": p.url,
        "optimised_at": optimised_at.isoformat() if optimised_at else None,
        "duplicate_of": list(duplicate_of),
    }
