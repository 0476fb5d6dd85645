"""The JSON shapes of a store's account and of a product, as the API and the app page send them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.plans import ECONOMY_FIELDS_PER_CREDIT, PLANS
from ..domain.products import Product
from ..domain.publishable import unpublishable
from ..stores import Store


def me_json(store: Store) -> dict[str, Any]:
    plan = PLANS.get(store.plan_id)
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
        "plans": [
            {
                "id": p.id,
                "name": p.name,
                "price_cents": p.price_cents,
                "monthly_credits": p.monthly_credits,
                # What a credit buys in economy: this many fields answered within 24 h.
                "economy_fields_per_credit": ECONOMY_FIELDS_PER_CREDIT,
            }
            for p in PLANS.values()
        ],
    }


def product_json(p: Product, optimised_at: datetime | None = None) -> dict[str, object]:
    """A product as the API shows it; `optimised_at`: when the app last published a change to it
    that was not reverted."""
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
    }
